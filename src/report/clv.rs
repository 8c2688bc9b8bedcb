//! Rendering of the CLV study.

use std::fmt::Write;

use super::format::{amount, fixed, money, num, thousands};

/// `7`, `30.4375`: a length without trailing zeros.
fn length(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.4}")
    }
}
use polars::prelude::*;

use super::clv_charts;
use super::export::{Block, Export, Table};
use crate::analysis::clv::{ClvResult, ClvTotals};
use crate::stats::btyd::MleFit;

fn model(s: &mut String, title: &str, m: &MleFit) {
    let _ = writeln!(
        s,
        "{title}: log-likelihood {}, AIC {}, BIC {} ({} customers; {} after {} iterations)",
        fixed(m.log_likelihood, 2),
        fixed(m.aic, 1),
        fixed(m.bic, 1),
        thousands(m.n, 0),
        m.status,
        m.iterations
    );
    for (i, name) in m.names.iter().enumerate() {
        let se = m.std_errors[i].map_or("n/a".to_string(), |v| num(v, 3));
        let _ = writeln!(s, "  {name:<8} {:>12}  (se {se})", num(m.params[i], 5));
    }
}

/// Terminal summary.
pub fn text(r: &ClvResult) -> String {
    let mut s = String::new();
    let d = &r.diagnostics;
    let unit = format!("{:?}", r.time_unit).to_lowercase();
    let _ = writeln!(
        s,
        "Customer lifetime value: {} purchases × Gamma-Gamma spend (time unit: {unit} = {} days{})",
        r.model_label,
        length(r.days_per_period),
        if r.discrete {
            "; one purchase opportunity per calendar period"
        } else {
            ""
        }
    );
    let _ = writeln!(
        s,
        "{} rows read; {} customers; {} calibration and {} holdout transactions (same-day purchases merged)",
        thousands(d.rows_read as f64, 0),
        thousands(d.customers as f64, 0),
        thousands(d.calibration_transactions as f64, 0),
        thousands(d.holdout_transactions as f64, 0)
    );
    for (n, what) in [
        (d.rows_missing, "rows without id, date or amount (left out)"),
        (
            d.rows_non_positive,
            "rows with amount ≤ 0 (counted as purchases, no spend)",
        ),
        (
            d.rows_after_observation_end,
            "rows after the observation end (left out)",
        ),
        (
            d.customers_after_calibration,
            "customers whose first purchase is after the calibration end (left out)",
        ),
    ] {
        if n > 0 {
            let _ = writeln!(s, "  {} {what}", thousands(n as f64, 0));
        }
    }
    for w in &r.warnings {
        let _ = writeln!(s, "warning: {w}");
    }
    let _ = writeln!(s);
    model(&mut s, &r.model_label, &r.purchase);
    for c in &r.compared {
        model(&mut s, &format!("{} (compared)", c.label), &c.fit);
    }
    if let Some(g) = &r.gamma_gamma {
        model(&mut s, "Gamma-Gamma", g);
    }
    if let Some(c) = r.spend_frequency_correlation {
        let _ = writeln!(
            s,
            "  correlation of frequency and mean spend: {}",
            fixed(c, 3)
        );
    }
    if let Some(h) = &r.holdout {
        let _ = writeln!(
            s,
            "\nHoldout ({} {unit}s): mean transactions per customer by calibration frequency",
            length(h.length)
        );
        let mut header = format!(
            "  {:>9} {:>10} {:>9} {:>11}",
            "frequency", "customers", "actual", r.model_label
        );
        for c in &r.compared {
            let _ = write!(header, " {:>11}", c.label);
        }
        let _ = writeln!(s, "{header}");
        for row in &h.by_frequency {
            let mut line = format!(
                "  {:>9} {:>10} {:>9} {:>11}",
                row.frequency,
                thousands(row.customers as f64, 0),
                fixed(row.actual_mean, 3),
                fixed(row.expected_mean, 3),
            );
            for v in &row.compared_means {
                let _ = write!(line, " {:>11}", fixed(*v, 3));
            }
            let _ = writeln!(s, "{line}");
        }
        let _ = writeln!(
            s,
            "  total: expected {} vs actual {}; per customer MAE {}, RMSE {}",
            amount(h.expected_total, 5),
            amount(h.actual_total, 5),
            fixed(h.mae, 3),
            fixed(h.rmse, 3)
        );
    }
    let t = &r.totals;
    let _ = writeln!(
        s,
        "\nNext {} {unit}s: {} expected transactions; mean P(alive) {}; CLV (margin {}, discount {}/year) total {}, mean {}",
        length(r.options.horizon),
        amount(t.expected_transactions, 5),
        fixed(t.mean_p_alive, 3),
        num(r.options.margin, 3),
        num(r.options.discount, 3),
        money(t.clv),
        money(t.mean_clv)
    );
    if !r.by_segment.is_empty() {
        let _ = writeln!(
            s,
            "  {:<16} {:>10} {:>14} {:>12} {:>9} {:>9}",
            "segment", "customers", "CLV", "mean CLV", "share", "P(alive)"
        );
        for g in &r.by_segment {
            let _ = writeln!(
                s,
                "  {:<16} {:>10} {:>14} {:>12} {:>9} {:>9}",
                g.segment,
                thousands(g.customers as f64, 0),
                money(g.clv),
                money(g.mean_clv),
                if g.share_of_clv.is_finite() {
                    format!("{}%", fixed(100.0 * g.share_of_clv, 1))
                } else {
                    "–".to_string()
                },
                fixed(g.mean_p_alive, 3)
            );
        }
    }
    s
}

/// The per-customer table as CSV text.
pub fn customers_csv(customers: &mut polars::prelude::DataFrame) -> crate::Result<String> {
    use polars::prelude::{CsvWriter, SerWriter};
    let mut buf = Vec::new();
    CsvWriter::new(&mut buf)
        .finish(customers)
        .map_err(|e| crate::Error::Internal(format!("csv: {e}")))?;
    String::from_utf8(buf).map_err(|e| crate::Error::Internal(e.to_string()))
}

/// Tables (customers, parameters, holdout by frequency, tracking, segments), the JSON,
/// workbook and the charts of a CLV run.
pub fn export(r: &ClvResult, customers: DataFrame) -> crate::Result<Export> {
    let mut fits: Vec<(&str, &MleFit)> = vec![(r.model_label.as_str(), &r.purchase)];
    fits.extend(r.compared.iter().map(|c| (c.label.as_str(), &c.fit)));
    if let Some(g) = &r.gamma_gamma {
        fits.push(("Gamma-Gamma", g));
    }
    let (mut model, mut name, mut est, mut se, mut ll) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (label, f) in &fits {
        for (i, n) in f.names.iter().enumerate() {
            model.push(label.to_string());
            name.push(n.clone());
            est.push(f.params[i]);
            se.push(f.std_errors[i]);
            ll.push(f.log_likelihood);
        }
    }
    let parameters = df!(
        "model" => model, "parameter" => name, "estimate" => est, "std_error" => se,
        "log_likelihood" => ll
    )?;
    let mut tables = vec![
        Table {
            name: "customers".into(),
            df: customers,
        },
        Table {
            name: "parameters".into(),
            df: parameters.clone(),
        },
    ];
    let mut files = vec![(
        "charts/clv_p_alive.svg".to_string(),
        clv_charts::p_alive_svg(r, Default::default())?,
    )];
    if let Some(h) = &r.holdout {
        let mut cols = vec![
            Column::new(
                "frequency".into(),
                h.by_frequency
                    .iter()
                    .map(|b| b.frequency.clone())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "customers".into(),
                h.by_frequency
                    .iter()
                    .map(|b| b.customers as u64)
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "actual_mean".into(),
                h.by_frequency
                    .iter()
                    .map(|b| b.actual_mean)
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                format!("{}_expected_mean", key(&r.model_label)).into(),
                h.by_frequency
                    .iter()
                    .map(|b| b.expected_mean)
                    .collect::<Vec<_>>(),
            ),
        ];
        for (k, c) in r.compared.iter().enumerate() {
            cols.push(Column::new(
                format!("{}_expected_mean", key(&c.label)).into(),
                h.by_frequency
                    .iter()
                    .map(|b| b.compared_means[k])
                    .collect::<Vec<_>>(),
            ));
        }
        tables.push(Table {
            name: "holdout_by_frequency".into(),
            df: DataFrame::new_infer_height(cols)?,
        });
        let t = &h.tracking;
        tables.push(Table {
            name: "holdout_tracking".into(),
            df: df!(
                "period" => t.iter().map(|r| r.period as u64).collect::<Vec<_>>(),
                "expected" => t.iter().map(|r| r.expected).collect::<Vec<_>>(),
                "actual" => t.iter().map(|r| r.actual).collect::<Vec<_>>(),
                "expected_cumulative" => t.iter().map(|r| r.expected_cumulative).collect::<Vec<_>>(),
                "actual_cumulative" => t.iter().map(|r| r.actual_cumulative).collect::<Vec<_>>()
            )?,
        });
        files.push((
            "charts/clv_tracking_cumulative.svg".into(),
            clv_charts::tracking_svg(r, h, true, Default::default())?,
        ));
        files.push((
            "charts/clv_tracking.svg".into(),
            clv_charts::tracking_svg(r, h, false, Default::default())?,
        ));
        files.push((
            "charts/clv_by_frequency.svg".into(),
            clv_charts::frequency_svg(r, h, Default::default())?,
        ));
    }
    let groups: Vec<&ClvTotals> = std::iter::once(&r.totals).chain(&r.by_segment).collect();
    let segments = df!(
        "segment" => groups.iter().map(|g| g.segment.clone()).collect::<Vec<_>>(),
        "customers" => groups.iter().map(|g| g.customers as u64).collect::<Vec<_>>(),
        "expected_transactions" => groups.iter().map(|g| g.expected_transactions).collect::<Vec<_>>(),
        "clv" => groups.iter().map(|g| g.clv).collect::<Vec<_>>(),
        "mean_clv" => groups.iter().map(|g| g.mean_clv).collect::<Vec<_>>(),
        "share_of_clv" => groups.iter().map(|g| g.share_of_clv).collect::<Vec<_>>(),
        "mean_p_alive" => groups.iter().map(|g| g.mean_p_alive).collect::<Vec<_>>()
    )?;
    tables.push(Table {
        name: "clv_totals".into(),
        df: segments.clone(),
    });
    let json =
        serde_json::to_string_pretty(r).map_err(|e| crate::Error::Internal(e.to_string()))?;
    Ok(Export {
        lang: Default::default(),
        overview: vec![
            Block::Heading(format!(
                "Customer lifetime value ({} × Gamma-Gamma)",
                r.model_label
            )),
            Block::Table(segments),
            Block::Heading("Model parameters".into()),
            Block::Table(parameters),
        ],
        tables,
        json: json + "\n",
        latex: None,
        files,
    })
}

/// `BG/NBD` → `bgnbd`: a model label as a column-name prefix.
fn key(label: &str) -> String {
    label
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase()
}
