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
use crate::analysis::clv::ClvResult;
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
        "Customer lifetime value: BG/NBD purchases × Gamma-Gamma spend (time unit: {unit} = {} days)",
        length(r.days_per_period)
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
    model(&mut s, "BG/NBD", &r.bg_nbd);
    if let Some(p) = &r.pareto_nbd {
        model(&mut s, "Pareto/NBD", p);
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
    if !r.holdout.is_empty() {
        let _ = writeln!(
            s,
            "\nHoldout ({} {unit}s): mean transactions per customer by calibration frequency",
            length(r.holdout_length)
        );
        let _ = writeln!(
            s,
            "  {:>9} {:>10} {:>9} {:>9} {:>11}",
            "frequency", "customers", "actual", "BG/NBD", "Pareto/NBD"
        );
        for h in &r.holdout {
            let _ = writeln!(
                s,
                "  {:>9} {:>10} {:>9} {:>9} {:>11}",
                h.frequency,
                thousands(h.customers as f64, 0),
                fixed(h.actual_mean, 3),
                fixed(h.expected_mean, 3),
                h.pareto_expected_mean
                    .map_or(String::new(), |v| fixed(v, 3))
            );
        }
        if let (Some(e), Some(a), Some(mae), Some(rmse)) = (
            r.holdout_expected_total,
            r.holdout_actual_total,
            r.holdout_mae,
            r.holdout_rmse,
        ) {
            let _ = writeln!(
                s,
                "  total: expected {} vs actual {}; per customer MAE {}, RMSE {}",
                amount(e, 5),
                amount(a, 5),
                fixed(mae, 3),
                fixed(rmse, 3)
            );
        }
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
    s
}
