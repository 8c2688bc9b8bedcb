//! Buy-till-you-die models on the CDNOW cohort (39-week calibration and holdout, weeks)
//! against the published results in `tests/data/reference/clv/published.json` (copied from
//! `../shared/reference/clv/`): Fader, Hardie & Lee (2005) and the BTYD walkthrough.

use profitchain::data::load::f64_values;
use profitchain::data::transactions::{self, Rfm, TimeUnit, TxSpec};
use profitchain::stats::btyd::{self, BgNbd, GammaGamma};
use serde_json::Value;

use crate::common::data;

fn published() -> Value {
    serde_json::from_str(&std::fs::read_to_string(data("reference/clv/published.json")).unwrap())
        .unwrap()
}

fn cdnow(unit: TimeUnit) -> Rfm {
    let df =
        transactions::read(&data("reference/clv/CDNOW_sample.txt"), &Default::default()).unwrap();
    let spec = TxSpec {
        id: "column_2".into(),
        date: "column_3".into(),
        amount: "column_5".into(),
        date_format: None,
        unit,
        calibration_end: "1997-09-30".into(),
        observation_end: Some("1998-06-30".into()),
        ..Default::default()
    };
    transactions::summarize(&df, "CDNOW", &spec).unwrap()
}

/// Each parameter equals the published one to the decimals given.
fn check_params(fit: &btyd::MleFit, want: &Value, digits: &[(&str, i32)]) {
    for (name, d) in digits {
        let w = want[name].as_f64().unwrap();
        assert!(
            same_digits(fit.param(name), w, *d),
            "{name}: {} vs {w}",
            fit.param(name)
        );
    }
}

/// Rounded to `digits` decimals equals the published figure.
fn same_digits(got: f64, want: f64, digits: i32) -> bool {
    let f = 10f64.powi(digits);
    (got * f).round() == (want * f).round()
}

#[test]
fn cdnow_summary_totals_match_the_published_ones() {
    let p = published();
    let rfm = cdnow(TimeUnit::Week);
    let t = &p["setting"]["totals"];
    let col = |c: &str| f64_values(&rfm.df, c).unwrap();
    let x = col("x");
    assert_eq!(rfm.df.height() as u64, t["customers"].as_u64().unwrap());
    assert_eq!(
        x.iter().sum::<f64>() as u64,
        t["calibration_repeat_transactions"].as_u64().unwrap()
    );
    assert_eq!(
        x.iter().filter(|v| **v > 0.0).count() as u64,
        t["repeat_customers"].as_u64().unwrap()
    );
    let hold: f64 = col("holdout").iter().sum();
    assert_eq!(
        hold as u64,
        t["holdout_repeat_transactions"].as_u64().unwrap()
    );
    assert!((rfm.holdout_length - 39.0).abs() < 1e-12);
    // Customer 1: x = 2, t_x = 30.43, T = 38.86.
    let c1 = &p["bg_nbd"]["customer_1"];
    let row = |c: &str| rfm.df.column(c).unwrap().f64().unwrap().get(0).unwrap();
    assert_eq!(row("x"), c1["x"].as_f64().unwrap());
    assert!(same_digits(row("t_x"), c1["t_x"].as_f64().unwrap(), 2));
    assert!(same_digits(row("T"), c1["T"].as_f64().unwrap(), 2));
}

#[test]
fn bg_nbd_and_gamma_gamma_match_the_published_fits() {
    let p = published();
    let rfm = cdnow(TimeUnit::Week);
    let tuples = transactions::rfm_tuples(&rfm).unwrap();
    let fit = btyd::fit(
        &BgNbd(&tuples),
        &[vec![1.0, 1.0, 1.0, 1.0], vec![0.5, 5.0, 0.5, 2.0]],
        500,
    )
    .unwrap();
    let want = &p["bg_nbd"];
    eprintln!(
        "BG/NBD {:?} LL {} ({})",
        fit.params, fit.log_likelihood, fit.status
    );
    check_params(
        &fit,
        &want["params"],
        &[("r", 3), ("alpha", 3), ("a", 3), ("b", 3)],
    );
    assert!((fit.log_likelihood - want["log_likelihood"].as_f64().unwrap()).abs() < 0.1);
    assert!(fit.std_errors.iter().all(|s| s.is_some_and(|v| v > 0.0)));
    // Customer 1's expected purchases in the next 39 weeks: 1.226.
    let c1 = &want["customer_1"];
    let e = btyd::bgnbd_expected(
        &fit.params,
        c1["x"].as_f64().unwrap(),
        30.0 + 3.0 / 7.0,
        38.0 + 6.0 / 7.0,
        39.0,
    );
    assert!(
        same_digits(
            e,
            c1["expected_transactions_next_39_weeks"].as_f64().unwrap(),
            3
        ),
        "{e}"
    );

    let spend = transactions::spend_tuples(&rfm).unwrap();
    assert_eq!(spend.count.iter().sum::<f64>(), 946.0);
    let gg = btyd::fit(
        &GammaGamma(&spend),
        &[vec![1.0, 1.0, 1.0], vec![5.0, 3.0, 15.0]],
        500,
    )
    .unwrap();
    eprintln!(
        "Gamma-Gamma {:?} LL {} ({})",
        gg.params, gg.log_likelihood, gg.status
    );
    let want = &p["gamma_gamma"]["params"];
    check_params(&gg, want, &[("p", 2), ("q", 2), ("gamma", 2)]);
}

#[test]
fn bg_nbd_holdout_expectations_by_calibration_frequency() {
    let p = published();
    let rfm = cdnow(TimeUnit::Week);
    let tuples = transactions::rfm_tuples(&rfm).unwrap();
    let fit = btyd::fit(&BgNbd(&tuples), &[vec![1.0, 1.0, 1.0, 1.0]], 500).unwrap();
    let h = &p["holdout_by_calibration_frequency"];
    let col = |c: &str| f64_values(&rfm.df, c).unwrap();
    let (x, tx, t, hold) = (col("x"), col("t_x"), col("T"), col("holdout"));
    for (k, freq) in h["frequency"].as_array().unwrap().iter().enumerate() {
        let f = freq.as_f64().unwrap();
        let members: Vec<usize> = (0..x.len())
            .filter(|&i| if f >= 7.0 { x[i] >= 7.0 } else { x[i] == f })
            .collect();
        assert_eq!(members.len() as u64, h["customers"][k].as_u64().unwrap());
        let n = members.len() as f64;
        let actual = members.iter().map(|&i| hold[i]).sum::<f64>() / n;
        let expected = members
            .iter()
            .map(|&i| btyd::bgnbd_expected(&fit.params, x[i], tx[i], t[i], 39.0))
            .sum::<f64>()
            / n;
        assert!(
            same_digits(actual, h["actual_mean"][k].as_f64().unwrap(), 3),
            "actual {f}: {actual}"
        );
        let want = h["bg_nbd_expected_mean"][k].as_f64().unwrap();
        assert!(
            (expected - want).abs() < 6e-4,
            "expected {f}: {expected} vs {want}"
        );
    }
}

#[test]
fn days_and_weeks_give_consistent_parameters() {
    let fit = |unit| {
        let rfm = cdnow(unit);
        let t = transactions::rfm_tuples(&rfm).unwrap();
        btyd::fit(&BgNbd(&t), &[vec![1.0, 1.0, 1.0, 1.0]], 500).unwrap()
    };
    let (w, d) = (fit(TimeUnit::Week), fit(TimeUnit::Day));
    // α scales with the unit (7 days a week); r, a and b do not.
    assert!((d.param("alpha") / w.param("alpha") - 7.0).abs() < 1e-4);
    for name in ["r", "a", "b"] {
        assert!((d.param(name) / w.param(name) - 1.0).abs() < 1e-4, "{name}");
    }
}

#[test]
fn clv_bad_input_is_a_clear_error() {
    use crate::common::{bin, write};
    use predicates::str::contains;
    let dir = tempfile::TempDir::new().unwrap();
    let run = |file: &std::path::Path, cal: &str| {
        let mut c = bin();
        c.args(["clv", "--transactions"]).arg(file).args([
            "--id",
            "id",
            "--date",
            "date",
            "--amount",
            "amount",
            "--calibration-end",
            cal,
        ]);
        c
    };
    // A date that is not a date names its row and value.
    let bad = write(
        dir.path(),
        "bad.csv",
        "id,date,amount\nA,2024-01-03,10\nA,2024-13-40,5\n",
    );
    run(&bad, "2024-06-30")
        .assert()
        .code(2)
        .stderr(contains("column 'date', line 3, holds '2024-13-40'"));
    // Nobody bought twice: the model is not identified.
    let once = write(
        dir.path(),
        "once.csv",
        "id,date,amount\nA,2024-01-03,10\nB,2024-02-03,5\n",
    );
    run(&once, "2024-02-03")
        .assert()
        .code(2)
        .stderr(contains("not identified"));
    // A calibration end after the last purchase leaves the holdout empty.
    run(&once, "2024-06-30")
        .args(["--observation-end", "2024-12-31"])
        .assert()
        .code(2)
        .stderr(contains("after the last transaction"))
        .stderr(contains("2024-02-03"));
    // A customer whose first purchase falls after the calibration end is left out and
    // counted, not dropped silently.
    let mut rows = String::from("id,date,amount\n");
    for (k, c) in ["A", "B", "D", "E", "F", "G"].iter().enumerate() {
        rows.push_str(&format!(
            "{c},2024-01-0{},10\n{c},2024-0{}-1{k},5\n",
            k + 1,
            2 + k % 3
        ));
        if k % 2 == 0 {
            rows.push_str(&format!("{c},2024-04-2{k},7\n"));
        }
    }
    rows.push_str("C,2024-05-01,5\n");
    let late = write(dir.path(), "late.csv", &rows);
    run(&late, "2024-04-30").assert().success().stdout(contains(
        "1 customers whose first purchase is after the calibration end (left out)",
    ));
    // Two customers cannot identify a four-parameter model.
    let two = write(
        dir.path(),
        "two.csv",
        "id,date,amount\nA,2024-01-03,10\nA,2024-02-03,5\nB,2024-01-05,7\nB,2024-03-01,9\n",
    );
    run(&two, "2024-03-01")
        .assert()
        .code(2)
        .stderr(contains("cannot identify the 4 parameters"));
    // Only returns and free items: no spend to model.
    let free = write(
        dir.path(),
        "free.csv",
        "id,date,amount\nA,2024-01-03,0\nA,2024-02-03,-5\nB,2024-02-03,0\n",
    );
    run(&free, "2024-02-01")
        .assert()
        .code(2)
        .stderr(contains("zero or negative"));
    // A calibration end before every first purchase.
    run(&once, "2023-01-01")
        .assert()
        .code(2)
        .stderr(contains("--calibration-end"));
    // A horizon of a million weeks is a mistake, not a long loop.
    run(&late, "2024-04-30")
        .args(["--horizon", "1000000"])
        .assert()
        .code(2)
        .stderr(contains("beyond 100 years"));
    // A calibration end that is not a date.
    run(&once, "June")
        .assert()
        .code(2)
        .stderr(contains("YYYY-MM-DD"));
}

#[test]
fn pareto_nbd_matches_the_published_fit_and_expressions() {
    use profitchain::stats::btyd::ParetoNbd;
    let p = published();
    let want = &p["pareto_nbd"];
    // The expressions at the published parameters: customer 1516.
    let pp: Vec<f64> = ["r", "alpha", "s", "beta"]
        .iter()
        .map(|k| want["params"][k].as_f64().unwrap())
        .collect();
    let c = &want["customer_1516"];
    let (x, tx, t) = (26.0, c["t_x"].as_f64().unwrap(), 31.0);
    let e = btyd::pnbd_expected(&pp, x, tx, t, 52.0);
    let alive = btyd::pnbd_p_alive(&pp, x, tx, t);
    eprintln!("customer 1516: E = {e}, P(alive) = {alive}");
    assert!((e / c["expected_transactions_next_52_weeks"].as_f64().unwrap() - 1.0).abs() < 2e-3);
    assert!((alive - c["p_alive"].as_f64().unwrap()).abs() < 5e-5);
    // The fit.
    let rfm = cdnow(TimeUnit::Week);
    let tuples = transactions::rfm_tuples(&rfm).unwrap();
    let fit = btyd::fit(
        &ParetoNbd::new(&tuples),
        &[vec![1.0, 1.0, 1.0, 1.0], vec![0.5, 10.0, 0.5, 10.0]],
        500,
    )
    .unwrap();
    eprintln!(
        "Pareto/NBD {:?} LL {} ({})",
        fit.params, fit.log_likelihood, fit.status
    );
    check_params(
        &fit,
        &want["params"],
        &[("r", 3), ("alpha", 3), ("s", 3), ("beta", 3)],
    );
    assert!((fit.log_likelihood - want["log_likelihood"].as_f64().unwrap()).abs() < 0.1);
    // The holdout table's Pareto/NBD column.
    let h = &p["holdout_by_calibration_frequency"];
    let col = |c: &str| f64_values(&rfm.df, c).unwrap();
    let (xs, txs, ts) = (col("x"), col("t_x"), col("T"));
    for (k, freq) in h["frequency"].as_array().unwrap().iter().enumerate() {
        let f = freq.as_f64().unwrap();
        let m: Vec<usize> = (0..xs.len())
            .filter(|&i| if f >= 7.0 { xs[i] >= 7.0 } else { xs[i] == f })
            .collect();
        let mean = m
            .iter()
            .map(|&i| btyd::pnbd_expected(&fit.params, xs[i], txs[i], ts[i], 39.0))
            .sum::<f64>()
            / m.len() as f64;
        let w = h["pareto_nbd_expected_mean"][k].as_f64().unwrap();
        assert!((mean - w).abs() < 1.5e-3, "frequency {f}: {mean} vs {w}");
    }
}

/// Same input, same bytes: the JSON and the per-customer table of two runs are identical.
/// `profitchain clv` on CDNOW with the published 39-week calibration and holdout.
pub(crate) fn cdnow_clv() -> assert_cmd::Command {
    let mut c = crate::common::bin();
    c.args(["clv", "--transactions"])
        .arg(data("reference/clv/CDNOW_sample.txt"))
        .args([
            "--id",
            "column_2",
            "--date",
            "column_3",
            "--amount",
            "column_5",
            "--calibration-end",
            "1997-09-30",
            "--observation-end",
            "1998-06-30",
        ]);
    c
}

/// The same inputs give the same bytes, run after run and whatever the number of threads
/// (the likelihoods add their parallel parts in a fixed order), for the BG/NBD and the
/// Pareto/NBD with the other models compared.
#[test]
fn clv_output_is_reproducible() {
    let dir = tempfile::TempDir::new().unwrap();
    let run = |k: usize| {
        let mut c = cdnow_clv();
        if k >= 3 {
            c.args(["--model", "pnbd", "--compare", "all"]);
        }
        if k.is_multiple_of(2) {
            c.env("RAYON_NUM_THREADS", "1");
        }
        let out = c
            .args(["--format", "json", "--customers-out"])
            .arg(dir.path().join(format!("c{k}.csv")))
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        (
            out,
            std::fs::read(dir.path().join(format!("c{k}.csv"))).unwrap(),
        )
    };
    for k in [1, 3] {
        let (a, b) = (run(k), run(k + 1));
        assert!(a.0 == b.0, "JSON differs between runs ({k})");
        assert!(a.1 == b.1, "customer table differs between runs ({k})");
    }
}

/// MBG/NBD on CDNOW against BTYDplus's fit (r, α, a, b to 3 decimals).
#[test]
fn mbg_nbd_matches_btydplus_on_cdnow() {
    let rfm = cdnow(TimeUnit::Week);
    let tuples = transactions::rfm_tuples(&rfm).unwrap();
    let fit = btyd::PurchaseModel::MbgNbd.fit(&tuples, None).unwrap();
    eprintln!("MBG/NBD {:?} LL {}", fit.params, fit.log_likelihood);
    for (name, want) in [("r", 0.525), ("alpha", 6.183), ("a", 0.891), ("b", 1.614)] {
        assert!(
            same_digits(fit.param(name), want, 3),
            "{name}: {}",
            fit.param(name)
        );
    }
    assert_eq!(fit.status, "converged");
    // Everyone with x = 0 is alive under the BG/NBD; not under the MBG/NBD.
    let p = &fit.params;
    assert!(btyd::mbgnbd_p_alive(p, 0.0, 0.0, 38.0) < 0.9);
    assert_eq!(btyd::bgnbd_p_alive(p, 0.0, 0.0, 38.0), 1.0);
}

/// The donation cohort: (x, t_x, n, count) rows.
fn donations() -> btyd::RfmTuples {
    let text = std::fs::read_to_string(data("reference/clv/donations.csv")).unwrap();
    let mut t = btyd::RfmTuples::default();
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|c| c.parse().unwrap()).collect();
        t.x.push(v[0]);
        t.t_x.push(v[1]);
        t.t.push(v[2]);
        t.count.push(v[3]);
    }
    t
}

/// BG/BB on the donation cohort against Fader, Hardie & Shang (2010): parameters to the 3
/// decimals published, LL to 0.1, P(alive in 2002) and Hardie's conditional expectations.
#[test]
fn bg_bb_matches_the_published_donation_results() {
    let t = donations();
    assert_eq!(t.count.iter().sum::<f64>(), 11_104.0);
    let fit = btyd::PurchaseModel::BgBb.fit(&t, None).unwrap();
    eprintln!("BG/BB {:?} LL {}", fit.params, fit.log_likelihood);
    for (name, want) in [
        ("alpha", 1.204),
        ("beta", 0.750),
        ("gamma", 0.657),
        ("delta", 2.783),
    ] {
        assert!(
            same_digits(fit.param(name), want, 3),
            "{name}: {}",
            fit.param(name)
        );
    }
    assert!(
        (fit.log_likelihood + 33_225.6).abs() < 0.1,
        "{}",
        fit.log_likelihood
    );
    assert!(fit.std_errors.iter().all(|s| s.is_some_and(|v| v > 0.0)));
    let p = &fit.params;
    for ((x, tx), want) in [((0.0, 0.0), 0.11), ((2.0, 4.0), 0.59), ((6.0, 6.0), 0.93)] {
        let got = btyd::bgbb_p_alive(p, x, tx, 6.0);
        assert!(same_digits(got, want, 2), "P(alive | {x}, {tx}) = {got}");
    }
    let total: f64 = (0..t.x.len())
        .map(|i| t.count[i] * btyd::bgbb_expected(p, t.x[i], t.t_x[i], 6.0, 5.0))
        .sum();
    assert!((total - 12_884.2).abs() < 0.5, "{total}");
}

/// The donation cohort as a transaction log (first gift in 1995; x gifts in consecutive
/// years ending in 1995 + t_x), through the CLI with `--model bgbb --time-unit year`: the
/// discrete summary recovers every (x, t_x, n) and the fit the published parameters.
#[test]
fn bg_bb_from_a_yearly_transaction_log() {
    use crate::common::bin;
    let t = donations();
    let mut csv = String::from("donor,date,amount\n");
    let mut id = 0;
    for i in 0..t.x.len() {
        for _ in 0..t.count[i] as usize {
            id += 1;
            // Two gifts in the first year: together the first transaction (35).
            csv.push_str(&format!("D{id},1995-03-15,25\nD{id},1995-07-01,10\n"));
            let (x, tx) = (t.x[i] as i32, t.t_x[i] as i32);
            for year in (tx - x + 1)..=tx {
                csv.push_str(&format!("D{id},{}-11-20,30\n", 1995 + year));
            }
        }
    }
    let dir = tempfile::TempDir::new().unwrap();
    let file = dir.path().join("gifts.csv");
    std::fs::write(&file, csv).unwrap();
    let out = bin()
        .args(["clv", "--transactions"])
        .arg(&file)
        .args([
            "--id",
            "donor",
            "--date",
            "date",
            "--amount",
            "amount",
            "--model",
            "bgbb",
            "--time-unit",
            "year",
            "--calibration-end",
            "2001-12-31",
            "--horizon",
            "5",
            "--format",
            "json",
            "--customers-out",
        ])
        .arg(dir.path().join("donors.csv"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["model_label"], "BG/BB");
    // Mean spend is over the repeat years only (30 each), never the first year's 35.
    let donors = transactions::read(&dir.path().join("donors.csv"), &Default::default())
        .unwrap()
        .df;
    let (x, m) = (
        f64_values(&donors, "x").unwrap(),
        f64_values(&donors, "mean_spend").unwrap(),
    );
    assert!(x
        .iter()
        .zip(&m)
        .filter(|(x, _)| **x > 0.0)
        .all(|(_, m)| (m - 30.0).abs() < 1e-9));
    assert_eq!(v["discrete"], true);
    let params: Vec<f64> = v["purchase"]["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_f64().unwrap())
        .collect();
    for (got, want) in params.iter().zip([1.204, 0.750, 0.657, 2.783]) {
        assert!(same_digits(*got, want, 3), "{params:?}");
    }
    let e = v["totals"]["expected_transactions"].as_f64().unwrap();
    assert!((e - 12_884.2).abs() < 0.5, "{e}");
    // A calibration end inside a year is refused for discrete periods.
    bin()
        .args(["clv", "--transactions"])
        .arg(&file)
        .args([
            "--id",
            "donor",
            "--date",
            "date",
            "--amount",
            "amount",
            "--model",
            "bgbb",
            "--time-unit",
            "year",
            "--calibration-end",
            "2001-06-30",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("last day of a year"));
}

/// `--compare all --export DIR`: three fits side by side, the holdout tables, tracking that
/// adds up to the holdout totals, and the charts.
#[test]
fn clv_export_compares_models_and_writes_charts() {
    let dir = tempfile::TempDir::new().unwrap();
    let out = dir.path().join("clv");
    cdnow_clv()
        .args(["--compare", "all", "--export"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicates::str::contains("Pareto/NBD (compared)"));
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let labels: Vec<&str> = v["compared"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["MBG/NBD", "Pareto/NBD"]);
    let h = &v["holdout"];
    let track = h["tracking"].as_array().unwrap();
    assert_eq!(track.len(), 39);
    let last = &track[38];
    assert_eq!(last["actual_cumulative"].as_f64().unwrap(), 1882.0);
    assert!(
        (last["expected_cumulative"].as_f64().unwrap() - h["expected_total"].as_f64().unwrap())
            .abs()
            < 1e-6
    );
    for f in [
        "customers.csv",
        "parameters.csv",
        "holdout_by_frequency.csv",
        "holdout_tracking.csv",
        "clv_totals.csv",
        "summary.xlsx",
        "charts/clv_tracking_cumulative.svg",
        "charts/clv_by_frequency.svg",
        "charts/clv_p_alive.svg",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let svg = std::fs::read_to_string(out.join("charts/clv_tracking.svg")).unwrap();
    assert!(svg.contains("BG/NBD expected") && !svg.contains("500.0"));
    let head = std::fs::read_to_string(out.join("holdout_by_frequency.csv")).unwrap();
    assert!(head.starts_with(
        "frequency,customers,actual_mean,bgnbd_expected_mean,mbgnbd_expected_mean,paretonbd_expected_mean"
    ));
}

/// A log simulated from the Pareto/NBD itself (20,000 customers, 52-week calibration,
/// 26-week holdout): the fit recovers the truth within 4 standard errors or 5%, the
/// holdout total is within 5%, and the exact discounted CLV agrees with the period-by-period
/// sum of the same expectations to within the half-period its discounting differs by.
#[test]
fn pareto_nbd_recovers_a_simulated_log() {
    use profitchain::analysis::clv::{self, ClvOptions};
    use profitchain::data::purchases::{simulate_pareto_log, LogTruth};
    use profitchain::stats::btyd::PurchaseModel;
    let truth = LogTruth {
        bg_nbd: [0.55, 10.5, 1.0, 1.0],
        gamma_gamma: [5.0, 3.5, 60.0],
        start: "2024-01-01".into(),
        entry_weeks: 12.0,
        end: "2025-06-29".into(),
    };
    let (s, beta) = (0.8, 40.0);
    let ids: Vec<String> = (0..20_000).map(|i| format!("P{i:05}")).collect();
    let df = simulate_pareto_log(&ids, &truth, [s, beta], 11).unwrap();
    let spec = TxSpec {
        id: "household_id".into(),
        date: "date".into(),
        amount: "amount".into(),
        date_format: None,
        unit: TimeUnit::Week,
        calibration_end: "2024-12-29".into(),
        observation_end: Some("2025-06-29".into()),
        ..Default::default()
    };
    let rfm = transactions::summarize(&df.into(), "sim", &spec).unwrap();
    let opts = ClvOptions {
        model: PurchaseModel::ParetoNbd,
        ..Default::default()
    };
    let (res, customers) = clv::run(&rfm, &opts).unwrap();
    let fit = &res.purchase;
    assert_eq!(fit.status, "converged");
    for (i, want) in [truth.bg_nbd[0], truth.bg_nbd[1], s, beta]
        .iter()
        .enumerate()
    {
        let se = fit.std_errors[i].unwrap();
        let tol = (4.0 * se).max(0.05 * want);
        assert!(
            (fit.params[i] - want).abs() < tol,
            "{}: {} vs true {want} (se {se})",
            fit.names[i],
            fit.params[i]
        );
    }
    let h = res.holdout.as_ref().unwrap();
    assert!(
        (h.expected_total / h.actual_total - 1.0).abs() < 0.05,
        "{} vs {}",
        h.expected_total,
        h.actual_total
    );
    // The exact discounted expectation against the per-period sum of the same
    // expectations, discounted at each period's end (half a week's discounting apart).
    let p = &fit.params;
    let (x, tx, t) = (
        f64_values(&customers, "x").unwrap(),
        f64_values(&customers, "t_x").unwrap(),
        f64_values(&customers, "T").unwrap(),
    );
    let delta = 1.1f64.ln() * 7.0 / 365.25;
    for i in (0..x.len()).step_by(997) {
        let exact = btyd::pnbd_discounted_numerator(p, x[i], t[i], delta, 52.0)
            * btyd::pnbd_p_alive(p, x[i], tx[i], t[i]);
        let mut summed = 0.0;
        for k in 1..=52 {
            let step = btyd::pnbd_expected(p, x[i], tx[i], t[i], f64::from(k))
                - btyd::pnbd_expected(p, x[i], tx[i], t[i], f64::from(k - 1));
            summed += step * (-delta * (f64::from(k) - 0.5)).exp();
        }
        assert!(
            (exact / summed - 1.0).abs() < 1e-4,
            "customer {i}: {exact} vs {summed}"
        );
    }
}

/// The summaries' path (what Spark's executors and a streaming pass compute): the tuple
/// counts of the customers split into k parts and added up fit the same models as the
/// whole log, and predicting each customer from the fit gives `clv::run`'s values.
#[test]
fn fits_from_summaries_split_any_way_equal_the_whole_log() {
    use profitchain::analysis::clv::{self, summaries, ClvOptions, Summaries};
    use std::collections::BTreeMap;
    let rfm = cdnow(TimeUnit::Week);
    let opts = ClvOptions::default();
    let (whole, customers) = clv::run(&rfm, &opts).unwrap();
    let col = |c: &str| f64_values(&rfm.df, c).unwrap();
    let (x, t_x, t, mean) = (col("x"), col("t_x"), col("T"), col("mean_spend"));
    for k in [1usize, 7, 64] {
        // Part i holds customers i, i + k, i + 2k, ...; each part's counts, then added up.
        let mut tuples: BTreeMap<[u64; 3], f64> = BTreeMap::new();
        let mut spend: BTreeMap<[u64; 2], f64> = BTreeMap::new();
        let mut no_spend = 0;
        for part in 0..k {
            for i in (part..x.len()).step_by(k) {
                *tuples
                    .entry([x[i].to_bits(), t_x[i].to_bits(), t[i].to_bits()])
                    .or_default() += 1.0;
                if x[i] > 0.0 && mean[i] > 0.0 {
                    *spend
                        .entry([x[i].to_bits(), mean[i].to_bits()])
                        .or_default() += 1.0;
                } else if x[i] > 0.0 {
                    no_spend += 1;
                }
            }
        }
        let s = Summaries {
            time_unit: TimeUnit::Week,
            discrete: false,
            tuples: tuples
                .iter()
                .map(|(k, n)| {
                    [
                        f64::from_bits(k[0]),
                        f64::from_bits(k[1]),
                        f64::from_bits(k[2]),
                        *n,
                    ]
                })
                .collect(),
            spend: spend
                .iter()
                .map(|(k, n)| [f64::from_bits(k[0]), f64::from_bits(k[1]), *n])
                .collect(),
            no_spend,
        };
        let fitted = summaries::fit(&s, &opts).unwrap();
        assert_eq!(fitted.purchase.params, whole.purchase.params, "k = {k}");
        assert_eq!(
            fitted.gamma_gamma.as_ref().unwrap().params,
            whole.gamma_gamma.as_ref().unwrap().params
        );
        assert_eq!(fitted.customers as usize, rfm.df.height());
        let values = summaries::predict(&fitted, &x, &t_x, &t, &mean).unwrap();
        let want_clv = f64_values(&customers, "clv").unwrap();
        let want_alive = f64_values(&customers, "p_alive").unwrap();
        for i in 0..x.len() {
            assert!((values[i].3 - want_clv[i]).abs() <= 1e-9 * want_clv[i].abs().max(1.0));
            assert!((values[i].0 - want_alive[i]).abs() <= 1e-12);
        }
    }
    // A summary that cannot be a customer's is refused, naming it.
    let fitted = summaries::fit(
        &Summaries {
            time_unit: TimeUnit::Week,
            tuples: vec![
                [1.0, 2.0, 30.0, 5.0],
                [0.0, 0.0, 30.0, 9.0],
                [2.0, 5.0, 20.0, 3.0],
                [3.0, 9.0, 25.0, 4.0],
            ],
            spend: vec![[1.0, 10.0, 5.0], [2.0, 12.0, 3.0], [3.0, 9.0, 4.0]],
            ..Default::default()
        },
        &opts,
    )
    .unwrap();
    let err = summaries::predict(&fitted, &[1.0], &[5.0], &[3.0], &[f64::NAN]).unwrap_err();
    assert!(err.to_string().contains("0 ≤ t_x ≤ T"), "{err}");
}
