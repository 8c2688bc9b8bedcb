//! `value`: whale curve, deciles, CLV and the Wallet Allocation Rule on a hand-checked
//! table, plus properties of the whale curve.

use polars::prelude::*;
use profitchain::analysis::value::{run, Retention, ValueOptions};
use proptest::prelude::*;

fn table(profit: &[f64], revenue: &[f64]) -> DataFrame {
    let n = profit.len();
    DataFrame::new_infer_height(vec![
        Column::new(
            "id".into(),
            (0..n).map(|i| format!("C{i}")).collect::<Vec<_>>(),
        ),
        Column::new("revenue".into(), revenue.to_vec()),
        Column::new("profit".into(), profit.to_vec()),
        Column::new(
            "rank".into(),
            [1.0, 2.0, 1.0, 1.0, 3.0]
                .iter()
                .cycle()
                .take(n)
                .copied()
                .collect::<Vec<_>>(),
        ),
    ])
    .unwrap()
}

fn opts() -> ValueOptions {
    ValueOptions {
        id: "id".into(),
        revenue: "revenue".into(),
        profit: Some("profit".into()),
        cost: None,
        retention: None,
        discount: 0.1,
        margin: None,
        war: None,
    }
}

#[test]
fn hand_checked_whale_curve_deciles_and_clv() {
    let df = table(
        &[50.0, 30.0, -10.0, 20.0, -40.0],
        &[100.0, 80.0, 60.0, 70.0, 120.0],
    );
    let mut o = opts();
    o.retention = Some(Retention::Rate(0.8));
    let v = run(&df, "t", &o).unwrap();
    // Sorted profits 50, 30, 20, -10, -40: cumulative 50, 80, 100, 90, 50 of a total 50.
    let want = [
        (0.0, 0.0),
        (20.0, 100.0),
        (40.0, 160.0),
        (60.0, 200.0),
        (80.0, 180.0),
        (100.0, 100.0),
    ];
    assert_eq!(v.whale_curve.len(), want.len());
    for (p, (c, q)) in v.whale_curve.iter().zip(want) {
        assert!(
            (p.customer_pct - c).abs() < 1e-9 && (p.profit_pct - q).abs() < 1e-9,
            "{p:?}"
        );
    }
    assert!((v.peak_profit_pct - 200.0).abs() < 1e-9 && (v.peak_customer_pct - 60.0).abs() < 1e-9);
    assert!((v.unprofitable_share - 40.0).abs() < 1e-9);
    assert!((v.total_profit - 50.0).abs() < 1e-9 && (v.total_revenue - 430.0).abs() < 1e-9);
    // Five customers fall in deciles floor(10·rank/5) + 1 = 1, 3, 5, 7, 9.
    let ds: Vec<u32> = v.deciles.iter().map(|d| d.decile).collect();
    assert_eq!(ds, [1, 3, 5, 7, 9]);
    assert!(
        (v.deciles[0].profit - 50.0).abs() < 1e-9
            && (v.deciles[0].profit_share_pct - 100.0).abs() < 1e-9
    );
    // By revenue the largest customer (120) is the biggest loser (-40).
    assert!((v.revenue_deciles[0].profit + 40.0).abs() < 1e-9);
    // CLV = m·0.8/(1 + 0.1 − 0.8) = m·8/3.
    let clv = v.clv.unwrap();
    assert!((clv.total - 50.0 * 8.0 / 3.0).abs() < 1e-9);
    assert!((clv.profitable_total - 100.0 * 8.0 / 3.0).abs() < 1e-9);
    assert!((clv.unprofitable_total + 50.0 * 8.0 / 3.0).abs() < 1e-9);
}

#[test]
fn wallet_allocation_rule_by_hand() {
    let mut df = table(&[1.0, 2.0, 3.0, 4.0, 5.0], &[1.0; 5]);
    df.with_column(Column::new("brands".into(), vec![2.0, 2.0, 1.0, 3.0, 3.0]))
        .unwrap();
    df.with_column(Column::new("sow".into(), vec![0.6, 0.4, 0.9, 0.5, 0.2]))
        .unwrap();
    let mut o = opts();
    o.war = Some(["rank".into(), "brands".into(), "sow".into()]);
    let w = run(&df, "t", &o).unwrap().war.unwrap();
    // Predicted 2/3, 1/3, 1, 1/2, 1/6; Pearson r with the observed shares = 0.99418438.
    assert!(
        (w.mean_predicted_sow - (2.0 / 3.0 + 1.0 / 3.0 + 1.0 + 0.5 + 1.0 / 6.0) / 5.0).abs()
            < 1e-12
    );
    assert!(
        (w.correlation - 0.994_184_380_1).abs() < 1e-9,
        "{}",
        w.correlation
    );
    // A rank beyond the number of brands is refused with its row.
    df.with_column(Column::new("brands".into(), vec![2.0, 1.0, 1.0, 3.0, 3.0]))
        .unwrap();
    let e = run(&df, "t", &o).unwrap_err().to_string();
    assert!(e.contains("row 2 has rank 2 among 1 brands"), "{e}");
}

#[test]
fn bad_retention_is_refused() {
    let df = table(&[1.0, 2.0], &[3.0, 4.0]);
    let mut o = opts();
    o.retention = Some(Retention::Rate(1.2));
    let e = run(&df, "t", &o).unwrap_err().to_string();
    assert!(
        e.contains("a retention rate is a fraction in [0, 1)"),
        "{e}"
    );
    assert!(
        !e.contains("write --retention"),
        "no /100 hint for 1.2: {e}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn whale_curve_ends_at_total_and_peaks_at_least_there(profits in prop::collection::vec(-100.0f64..200.0, 2..3000)) {
        let total: f64 = profits.iter().sum();
        prop_assume!(total > 1.0);
        let df = table(&profits, &vec![1.0; profits.len()]);
        let v = run(&df, "t", &opts()).unwrap();
        let last = v.whale_curve.last().unwrap();
        prop_assert!((last.customer_pct - 100.0).abs() < 1e-9);
        prop_assert!((last.profit_pct - 100.0).abs() < 1e-6);
        prop_assert!(v.peak_profit_pct >= 100.0 - 1e-6);
        prop_assert!(v.whale_curve.len() <= profitchain::analysis::value::WHALE_POINTS + 1);
        prop_assert_eq!(v.deciles.iter().map(|d| d.customers).sum::<u64>(), profits.len() as u64);
    }
}
