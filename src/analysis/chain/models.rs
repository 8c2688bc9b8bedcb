//! The path model's regressions (formulas per role) and the statistic the bootstrap
//! resamples: the specific indirect effects and the total effect from a resample's
//! cross-products.

use super::results::{ModelResult, Path};
use super::ChainOptions;
use crate::data::build::cols;
use crate::stats::bootstrap::CrossProducts;
use crate::stats::formula::quote_name;
use crate::stats::RegressionResult;

pub(super) const VARS: [&str; 4] = [cols::SATISFACTION, cols::SOW, cols::REVENUE, cols::PROFIT];

/// Names of the bootstrapped statistics, in the order `path_stats` returns them.
pub const INDIRECT_PATHS: [&str; 6] = [
    "satisfaction -> share_of_wallet -> profit",
    "satisfaction -> share_of_wallet -> revenue -> profit",
    "satisfaction -> revenue -> profit",
    "total indirect",
    "satisfaction -> share_of_wallet -> revenue",
    "share_of_wallet -> revenue -> profit",
];

fn with_covs(base: &str, covs: &[String]) -> String {
    let mut f = base.to_string();
    for c in covs {
        f.push_str(" + ");
        f.push_str(&quote_name(c));
    }
    f
}

/// The six path-model regressions: (id, role, formula).
pub(super) fn model_specs(covs: &[String]) -> Vec<(&'static str, &'static str, String)> {
    vec![
        (
            "M1",
            "share of wallet on satisfaction (a1)",
            with_covs("share_of_wallet ~ satisfaction", covs),
        ),
        (
            "M2",
            "revenue on satisfaction and share of wallet (a2, d21)",
            with_covs("revenue ~ satisfaction + share_of_wallet", covs),
        ),
        (
            "Y",
            "profit on satisfaction, share of wallet and revenue (c', b1, b2)",
            with_covs("profit ~ satisfaction + share_of_wallet + revenue", covs),
        ),
        (
            "T_revenue",
            "total effect of satisfaction on revenue (H3 step 1)",
            with_covs("revenue ~ satisfaction", covs),
        ),
        (
            "T_profit_sow",
            "total effect of share of wallet on profit (H4 step 1)",
            with_covs("profit ~ share_of_wallet", covs),
        ),
        (
            "T_profit_sat",
            "total effect of satisfaction on profit",
            with_covs("profit ~ satisfaction", covs),
        ),
    ]
}

pub(super) fn extended_m1(opts: &ChainOptions) -> Option<String> {
    if !opts.quadratic && opts.moderators.is_empty() {
        return None;
    }
    let mut f = "share_of_wallet ~ satisfaction".to_string();
    if opts.quadratic {
        f.push_str(" + I(satisfaction ** 2)");
    }
    for m in &opts.moderators {
        let m = quote_name(m);
        f.push_str(&format!(" + {m} + satisfaction:{m}"));
    }
    Some(with_covs(&f, &opts.covariates))
}

/// Bootstrapped statistics from a resample's cross-products (variables: sat, sow, rev,
/// profit, covariates...).
pub(super) fn path_stats(cp: &CrossProducts, n_cov: usize) -> Option<Vec<f64>> {
    let covs: Vec<usize> = (4..4 + n_cov).collect();
    let xs = |base: &[usize]| -> Vec<usize> {
        base.iter().copied().chain(covs.iter().copied()).collect()
    };
    let m1 = cp.slopes(1, &xs(&[0]))?;
    let m2 = cp.slopes(2, &xs(&[0, 1]))?;
    let y = cp.slopes(3, &xs(&[0, 1, 2]))?;
    let (a1, a2, d21, c, b1, b2) = (m1[0], m2[0], m2[1], y[0], y[1], y[2]);
    let (i1, i2, i3) = (a1 * b1, a1 * d21 * b2, a2 * b2);
    // The last statistic is the total effect c' + Σ indirect (= the `profit ~ sat` slope).
    Some(vec![
        i1,
        i2,
        i3,
        i1 + i2 + i3,
        a1 * d21,
        d21 * b2,
        c + i1 + i2 + i3,
    ])
}

pub(super) fn coef(r: &RegressionResult, term: &str) -> Path {
    r.term(term).map_or(
        Path {
            estimate: f64::NAN,
            std_error: f64::NAN,
            p_value: f64::NAN,
        },
        |t| Path {
            estimate: t.estimate,
            std_error: t.std_error,
            p_value: t.p_value,
        },
    )
}

/// A coefficient of the fitted model `id` (NaN when the model or term is absent).
pub(super) fn coef_in(regs: &[ModelResult], id: &str, term: &str) -> Path {
    let missing = Path {
        estimate: f64::NAN,
        std_error: f64::NAN,
        p_value: f64::NAN,
    };
    regs.iter()
        .find(|m| m.model == id)
        .map_or(missing, |m| coef(&m.result, term))
}
