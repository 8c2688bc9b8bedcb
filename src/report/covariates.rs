//! Text of a lifetime model's covariate effects (shared by `clv` and `retention`).

use std::fmt::Write as _;

use super::i18n::Lang;
use super::text::{pad, rpad};

use crate::analysis::covariates::CovariateModel;
use crate::format::num;

fn opt(v: Option<f64>, f: fn(f64) -> String) -> String {
    v.map(f).unwrap_or_else(|| "—".into())
}

/// A p-value after its symbol: "= 0.023", "< 0.001".
pub fn p_is(p: f64) -> String {
    let s = crate::format::pvalue(p);
    match s.strip_prefix('<') {
        Some(rest) => format!("< {rest}"),
        None => format!("= {s}"),
    }
}

/// A quantity's name in `lang` (`cov_q_` + its words joined by underscores).
pub fn quantity(q: &str, lang: Lang) -> String {
    let slug: String = q
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let key = format!("cov_q_{}", slug.trim_matches('_'));
    match lang.messages().get(&key) {
        Some(t) => t.clone(),
        None => q.to_string(),
    }
}

/// The covariate block under `title`: the likelihood-ratio test, the centring, each
/// covariate's effects with their intervals, and the parameters with z and p.
pub fn text(s: &mut String, m: &CovariateModel, title: &str, lang: Lang) {
    let _ = writeln!(s, "\n{title}");
    let _ = writeln!(
        s,
        "  {}",
        lang.f(
            "cov_lr",
            &[
                ("stat", &num(m.lr_statistic, 4)),
                ("df", &m.lr_df),
                ("p", &p_is(m.lr_p)),
            ]
        )
    );
    for c in &m.covariates {
        let _ = writeln!(
            s,
            "  {}",
            lang.f(
                "cov_centred",
                &[
                    ("name", &c.name),
                    ("mean", &num(c.mean, 4)),
                    ("sd", &num(c.sd, 3))
                ]
            )
        );
    }
    for e in &m.effects {
        let ci = match (e.ci_low, e.ci_high) {
            (Some(a), Some(b)) => lang.f("cov_ci", &[("low", &num(a, 3)), ("high", &num(b, 3))]),
            _ => String::new(),
        };
        let key = if e.kind == "ratio" {
            "cov_effect_ratio"
        } else {
            "cov_effect_diff"
        };
        let _ = writeln!(
            s,
            "  {}",
            lang.f(
                key,
                &[
                    ("name", &e.covariate),
                    ("quantity", &quantity(&e.quantity, lang)),
                    (
                        "effect",
                        &if e.kind == "ratio" || e.estimate < 0.0 {
                            num(e.estimate, 4)
                        } else {
                            format!("+{}", num(e.estimate, 4))
                        }
                    ),
                    ("ci", &ci),
                    ("mean", &num(e.at_mean, 4)),
                    ("up", &num(e.one_unit_up, 4)),
                ]
            )
        );
    }
    let _ = writeln!(
        s,
        "  {}{}{}{}{}",
        pad(lang.t("cov_param"), 30),
        rpad(lang.t("cov_estimate"), 12),
        rpad(lang.t("cov_se"), 12),
        rpad("z", 10),
        rpad(lang.t("cov_p"), 10)
    );
    for (i, n) in m.fit.names.iter().enumerate() {
        let _ = writeln!(
            s,
            "  {}{}{}{}{}",
            pad(n, 30),
            rpad(&num(m.fit.params[i], 5), 12),
            rpad(&opt(m.fit.std_errors[i], |v| num(v, 3)), 12),
            rpad(&opt(m.z[i], |v| num(v, 3)), 10),
            rpad(&opt(m.p[i], crate::format::pvalue), 10)
        );
    }
}
