//! Two segments compared: path differences (z tests), Chow tests per equation, Fisher z
//! tests of the correlations, and bootstrap differences of the indirect effects.

use super::models::{coef, model_specs, INDIRECT_PATHS, VARS};
use super::results::*;
use super::{ChainOptions, Rows, SegmentWork};
use crate::error::Result;
use crate::stats::{bootstrap, correlation};
use crate::stats::{model_frame, Formula, OlsFit, RegressionResult};

#[allow(clippy::needless_range_loop)] // pairs (i, j) of the correlation matrix
pub(super) fn compare(a: &SegmentWork, b: &SegmentWork, opts: &ChainOptions) -> Result<Comparison> {
    let (ra, rb) = (&a.result, &b.result);
    let model = |r: &SegmentResult, id: &str| -> Option<RegressionResult> {
        r.regressions
            .iter()
            .find(|m| m.model == id)
            .map(|m| m.result.clone())
    };
    let mut paths = Vec::new();
    for (id, term) in [
        ("M1", "satisfaction"),
        ("M2", "satisfaction"),
        ("M2", "share_of_wallet"),
        ("Y", "satisfaction"),
        ("Y", "share_of_wallet"),
        ("Y", "revenue"),
    ] {
        let (Some(ma), Some(mb)) = (model(ra, id), model(rb, id)) else {
            continue;
        };
        let (pa, pb) = (coef(&ma, term), coef(&mb, term));
        let z = (pa.estimate - pb.estimate) / (pa.std_error.powi(2) + pb.std_error.powi(2)).sqrt();
        paths.push(PathDifference {
            model: id.into(),
            term: term.into(),
            estimate_a: pa.estimate,
            estimate_b: pb.estimate,
            difference: pa.estimate - pb.estimate,
            z,
            p_value: correlation::normal_two_sided(z),
        });
    }

    // Chow: pooled fit on both segments vs separate fits.
    let pooled_df = match (&a.rows, &b.rows) {
        (Rows::Table(x), Rows::Table(y)) => Some(x.vstack(y)?),
        _ => None,
    };
    let pooled_sums = match (&a.rows, &b.rows) {
        (Rows::Sums(x), Rows::Sums(y)) => {
            let mut s = x.clone();
            s.add(y)?;
            Some(s)
        }
        _ => None,
    };
    let mut chow = Vec::new();
    for (id, _, f) in model_specs(&opts.covariates).into_iter().take(3) {
        let (Some(fa), Some(fb)) = (a.fits.get(id), b.fits.get(id)) else {
            continue;
        };
        let pooled_rss = if let Some(df) = &pooled_df {
            let formula = Formula::parse(&f)?;
            let frame = model_frame(&formula, df, "customer table")?;
            OlsFit::fit(&frame.design).ok().map(|p| p.rss)
        } else if let Some(s) = &pooled_sums {
            super::streamed::model_fit(s, id, &opts.covariates)
                .ok()
                .map(|p| p.rss)
        } else {
            None
        };
        let Some(pooled_rss) = pooled_rss else {
            continue;
        };
        let k = fa.p as f64;
        let rss_sep = fa.rss + fb.rss;
        let df_den = (fa.n + fb.n) as f64 - 2.0 * k;
        let fstat = ((pooled_rss - rss_sep) / k) / (rss_sep / df_den);
        let p = crate::stats::regression::f_sf(fstat, k, df_den);
        chow.push(ChowTest {
            model: id.into(),
            f_statistic: fstat,
            df_num: k,
            df_den,
            p_value: p,
        });
    }

    let mut correlations = Vec::new();
    if let (Some(ca), Some(cb)) = (&ra.correlations, &rb.correlations) {
        for i in 0..VARS.len() {
            for j in (i + 1)..VARS.len() {
                let (z, p) = correlation::fisher_z_test(ca.r[i][j], ca.n, cb.r[i][j], cb.n);
                correlations.push(CorrelationDifference {
                    variables: [VARS[i].into(), VARS[j].into()],
                    r_a: ca.r[i][j],
                    r_b: cb.r[i][j],
                    z,
                    p_value: p,
                });
            }
        }
    }

    let mut indirect_effects = Vec::new();
    if let (Some(ma), Some(mb)) = (&ra.mediation, &rb.mediation) {
        for (k, path) in INDIRECT_PATHS.iter().enumerate() {
            let diff =
                ma.indirect_effects[k].interval.estimate - mb.indirect_effects[k].interval.estimate;
            let mut d: Vec<f64> = a
                .draws
                .iter()
                .zip(&b.draws)
                .map(|(x, y)| x[k] - y[k])
                .filter(|v| v.is_finite())
                .collect();
            d.sort_by(f64::total_cmp);
            let alpha = 1.0 - opts.confidence;
            indirect_effects.push(IndirectDifference {
                path: path.to_string(),
                difference: diff,
                ci_low: bootstrap::quantile_sorted(&d, alpha / 2.0),
                ci_high: bootstrap::quantile_sorted(&d, 1.0 - alpha / 2.0),
            });
        }
    }

    let summary = ra
        .hypotheses
        .iter()
        .zip(&rb.hypotheses)
        .map(|(ha, hb)| {
            crate::analysis::chain_summary::comparison_line_in(
                ha,
                &ra.name,
                hb,
                &rb.name,
                super::outcome_word(opts),
                opts.units.as_deref(),
            )
        })
        .collect();
    Ok(Comparison {
        segment_a: ra.name.clone(),
        segment_b: rb.name.clone(),
        paths,
        chow,
        correlations,
        indirect_effects,
        summary,
    })
}
