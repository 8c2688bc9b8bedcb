//! Rendering of the CLV study.

use std::fmt::Write;

use super::format::{amount, fixed, money, num, thousands};
use super::i18n::Lang;

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

fn model(s: &mut String, title: &str, m: &MleFit, lang: Lang) {
    let _ = writeln!(
        s,
        "{}",
        lang.f(
            "c_model",
            &[
                ("title", &title),
                ("ll", &fixed(m.log_likelihood, 2)),
                ("aic", &fixed(m.aic, 1)),
                ("bic", &fixed(m.bic, 1)),
                ("n", &thousands(m.n, 0)),
                ("status", &lang.t(&format!("c_status_{}", m.status))),
                ("it", &m.iterations),
            ]
        )
    );
    for (i, name) in m.names.iter().enumerate() {
        let se = m.std_errors[i].map_or("n/a".to_string(), |v| num(v, 3));
        let _ = writeln!(
            s,
            "  {name:<8} {:>12}  ({} {se})",
            num(m.params[i], 5),
            lang.t("c_se")
        );
    }
}

/// Terminal summary.
pub fn text(r: &ClvResult) -> String {
    text_in(r, Lang::En)
}

/// [`text`] in `lang`.
pub fn text_in(r: &ClvResult, lang: Lang) -> String {
    use super::text::rpad;
    let mut s = String::new();
    let d = &r.diagnostics;
    let unit_en = format!("{:?}", r.time_unit).to_lowercase();
    let unit = lang.t(&format!("unit_{unit_en}")).to_string();
    let _ = writeln!(
        s,
        "{}",
        lang.f(
            "c_title",
            &[
                ("model", &r.model_label),
                ("unit", &unit),
                ("days", &length(r.days_per_period)),
                (
                    "discrete",
                    &if r.discrete { lang.t("c_discrete") } else { "" }
                ),
            ]
        )
    );
    let _ = writeln!(
        s,
        "{}",
        lang.f(
            "c_read",
            &[
                ("rows", &thousands(d.rows_read as f64, 0)),
                ("c", &thousands(d.customers as f64, 0)),
                ("cal", &thousands(d.calibration_transactions as f64, 0)),
                ("hold", &thousands(d.holdout_transactions as f64, 0)),
            ]
        )
    );
    for (n, what) in [
        (d.rows_missing, "c_rows_missing"),
        (d.rows_non_positive, "c_rows_non_positive"),
        (d.rows_after_observation_end, "c_rows_after"),
        (d.customers_after_calibration, "c_customers_after"),
    ] {
        if n > 0 {
            let _ = writeln!(s, "  {} {}", thousands(n as f64, 0), lang.t(what));
        }
    }
    let rt = &d.returns;
    if rt.returns > 0 {
        let _ = writeln!(
            s,
            "  {}",
            lang.f(
                "c_returns",
                &[
                    ("n", &thousands(rt.returns as f64, 0)),
                    ("full", &thousands(rt.netted_full as f64, 0)),
                    ("partial", &thousands(rt.netted_partial as f64, 0)),
                    ("unmatched", &thousands(rt.unmatched as f64, 0)),
                    ("dropped", &thousands(rt.dropped as f64, 0)),
                    ("kept", &thousands(rt.kept as f64, 0)),
                    ("emptied", &thousands(rt.customers_emptied as f64, 0)),
                ]
            )
        );
    }
    for f in &d.audit {
        let (label, text) = match (f.severity, lang) {
            (crate::data::audit::Severity::Note, Lang::Zh) => ("d_note", &f.message_zh),
            (crate::data::audit::Severity::Note, _) => ("d_note", &f.message),
            (_, Lang::Zh) => ("txt_warning", &f.message_zh),
            _ => ("txt_warning", &f.message),
        };
        let _ = writeln!(s, "{}{text}", lang.t(label));
    }
    for w in &r.warnings {
        let _ = writeln!(s, "{}{}", lang.t("txt_warning"), lang.message(w));
    }
    let _ = writeln!(s);
    model(&mut s, &r.model_label, &r.purchase, lang);
    for c in &r.compared {
        model(
            &mut s,
            &lang.f("c_compared", &[("m", &c.label)]),
            &c.fit,
            lang,
        );
    }
    if let Some(g) = &r.gamma_gamma {
        model(&mut s, "Gamma-Gamma", g, lang);
    }
    if let Some(c) = r.spend_frequency_correlation {
        let _ = writeln!(s, "  {}", lang.f("c_corr", &[("r", &fixed(c, 3))]));
    }
    if let Some(h) = &r.holdout {
        let _ = writeln!(
            s,
            "\n{}",
            lang.f("c_holdout", &[("n", &length(h.length)), ("unit", &unit)])
        );
        let mut header = format!(
            "  {} {} {} {:>11}",
            rpad(lang.t("c_frequency"), 9),
            rpad(lang.t("customers_h"), 10),
            rpad(lang.t("clv_actual"), 9),
            r.model_label
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
            "  {}",
            lang.f(
                "c_total",
                &[
                    ("e", &amount(h.expected_total, 5)),
                    ("a", &amount(h.actual_total, 5)),
                    ("mae", &fixed(h.mae, 3)),
                    ("rmse", &fixed(h.rmse, 3)),
                ]
            )
        );
    }
    let t = &r.totals;
    let _ = writeln!(
        s,
        "\n{}",
        lang.f(
            "c_next",
            &[
                ("h", &length(r.options.horizon)),
                ("unit", &unit),
                ("tx", &amount(t.expected_transactions, 5)),
                ("alive", &fixed(t.mean_p_alive, 3)),
                ("m", &num(r.options.margin, 3)),
                ("d", &num(r.options.discount, 3)),
                ("clv", &money(t.clv)),
                ("mean", &money(t.mean_clv)),
            ]
        )
    );
    if let Some(n) = &r.p_alive_note {
        let _ = writeln!(s, "  P(alive): {}", lang.message(n));
    }
    if !r.by_segment.is_empty() {
        let _ = writeln!(
            s,
            "  {} {} {:>14} {} {} {}",
            super::text::pad(lang.t("segment"), 16),
            rpad(lang.t("customers_h"), 10),
            "CLV",
            rpad(lang.t("c_mean_clv"), 12),
            rpad(lang.t("c_share"), 9),
            rpad(lang.t("c_alive"), 9)
        );
        for g in &r.by_segment {
            let _ = writeln!(
                s,
                "  {} {:>10} {:>14} {:>12} {:>9} {:>9}",
                super::text::pad(&lang.name(&g.segment), 16),
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
    if let Some(m) = &r.covariates {
        let title = covariates_title(r, m, lang);
        super::covariates::text(&mut s, m, &title, lang);
        for g in &r.covariates_by_segment {
            super::covariates::text(
                &mut s,
                &g.model,
                &segment_covariates_title(r, g, lang),
                lang,
            );
        }
    }
    if let Some(m) = &r.spend_covariates {
        super::covariates::text(&mut s, m, &spend_covariates_title(m, lang), lang);
    }
    if r.covariates.is_some() || r.spend_covariates.is_some() {
        for line in covariates_note(r, lang) {
            let _ = writeln!(s, "  {line}");
        }
    }
    s
}

/// The heading of the spend model's covariate block.
pub fn spend_covariates_title(
    m: &crate::analysis::covariates::CovariateModel,
    lang: Lang,
) -> String {
    lang.f(
        "clv_cov_spend_title",
        &[("n", &thousands(m.customers as f64, 0))],
    )
}

/// A model's name as the analysis gives it (`BG/NBD with covariates (satisfaction)`) in
/// `lang`.
pub fn model_words(model: &str, lang: Lang) -> String {
    model
        .split("; ")
        .map(|part| match part.split_once(" with covariates (") {
            Some((m, names)) => lang.f(
                "clv_cov_model",
                &[("model", &m), ("names", &names.trim_end_matches(')'))],
            ),
            None => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join(match lang {
            Lang::En => "; ",
            Lang::Zh => "；",
        })
}

/// Which model made the per-customer predictions and CLV, and (with the covariate model)
/// what a unit of each covariate adds to the customers' CLV.
pub fn covariates_note(r: &ClvResult, lang: Lang) -> Vec<String> {
    let Some(p) = &r.per_customer else {
        return vec![lang.t("clv_cov_note").to_string()];
    };
    let model = model_words(&p.model, lang);
    let mut out = vec![lang.f(
        "clv_cov_used",
        &[("model", &model), ("n", &thousands(p.customers as f64, 0))],
    )];
    if let Some(total) = p.total_without_covariates {
        out.push(lang.f("clv_cov_total", &[("total", &thousands(total, 0))]));
    }
    if p.without_covariates > 0 {
        out.push(lang.f(
            "clv_cov_used_missing",
            &[("k", &thousands(p.without_covariates as f64, 0))],
        ));
    }
    for g in &p.gains {
        out.push(lang.f(
            "clv_cov_gain",
            &[
                ("name", &g.covariate),
                ("mean", &fixed(g.mean, 2)),
                ("total", &thousands(g.total, 0)),
                ("column", &g.column),
            ],
        ));
    }
    out
}

/// The heading of the covariate model's block: the model, its customers and its form.
pub fn covariates_title(
    r: &ClvResult,
    m: &crate::analysis::covariates::CovariateModel,
    lang: Lang,
) -> String {
    let form = if r.options.model == crate::stats::btyd::PurchaseModel::ParetoNbd {
        "αᵢ = α₀·exp(−γ₁ᵀz), βᵢ = β₀·exp(−γ₂ᵀz)"
    } else {
        "αᵢ = α₀·exp(−γ₁ᵀz), aᵢ = a₀·exp(γ₂ᵀz), bᵢ = b₀·exp(γ₃ᵀz)"
    };
    lang.f(
        "clv_cov_title",
        &[
            ("model", &r.model_label),
            ("n", &thousands(m.customers as f64, 0)),
            ("form", &form),
        ],
    )
}

/// The heading of one segment's covariate model.
pub fn segment_covariates_title(
    r: &ClvResult,
    g: &crate::analysis::clv::SegmentCovariates,
    lang: Lang,
) -> String {
    lang.f(
        "clv_cov_segment_title",
        &[
            ("segment", &lang.name(&g.segment)),
            ("model", &r.model_label),
            ("n", &thousands(g.model.customers as f64, 0)),
        ],
    )
}

/// The per-customer table as CSV text.
pub fn customers_csv(customers: &mut polars::prelude::DataFrame) -> crate::Result<String> {
    crate::output::csv_text(customers)
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
