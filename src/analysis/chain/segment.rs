//! One segment: the regressions, the correlations of the chain variables, the bootstrap,
//! mediation and hypotheses, and the moderated share-of-wallet equation.

use std::collections::BTreeMap;

use indicatif::ProgressBar;
use polars::prelude::*;

use super::models::{extended_m1, model_specs, VARS};
use super::results::*;
use super::{ChainOptions, SegmentWork};
use crate::data::load;
use crate::error::{Error, Result};
use crate::stats::bootstrap;
use crate::stats::correlation;
use crate::stats::{model_frame, Formula, OlsFit, RegressionResult};

/// A segment that cannot be estimated, with why.
pub(super) fn failed(name: &str, n: usize, error: String) -> SegmentWork {
    SegmentWork {
        result: SegmentResult {
            name: name.to_string(),
            n,
            error: Some(error),
            regressions: vec![],
            correlations: None,
            spearman: None,
            hypotheses: vec![],
            mediation: None,
            conditional_effects: vec![],
        },
        fits: BTreeMap::new(),
        draws: vec![],
        rows: super::Rows::Table(DataFrame::empty()),
    }
}

pub(super) fn segment(
    name: &str,
    df: DataFrame,
    opts: &ChainOptions,
    seed: u64,
    progress: &ProgressBar,
) -> Result<SegmentWork> {
    let n = df.height();
    let mut specs = model_specs(&opts.covariates);
    if let Some(f) = extended_m1(opts) {
        specs.push((
            "M1_extended",
            "share of wallet on satisfaction with nonlinear / moderated terms",
            f,
        ));
    }
    let needed = specs
        .iter()
        .map(|(_, _, f)| Formula::parse(f).map(|p| p.terms.len() + 1))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .max()
        .unwrap_or(4)
        + 2;
    let fail = |msg: String| failed(name, n, msg);
    if n > bootstrap::MAX_ROWS {
        return Err(Error::Usage(format!(
            "segment '{name}' has {n} customers; the bootstrap supports at most {}",
            bootstrap::MAX_ROWS
        )));
    }
    if n < needed {
        progress.inc(opts.bootstrap as u64);
        return Ok(fail(format!(
            "segment '{name}' has {n} customers; the chain needs at least {needed} (parameters of the largest equation + 2)"
        )));
    }

    let mut regressions = Vec::new();
    let mut fits = BTreeMap::new();
    for (id, role, f) in &specs {
        let formula = Formula::parse(f)?;
        let frame = model_frame(&formula, &df, "customer table")?;
        let fit = match OlsFit::fit(&frame.design) {
            Ok(fit) => fit,
            Err(Error::Degenerate(m)) => {
                progress.inc(opts.bootstrap as u64);
                return Ok(fail(format!("segment '{name}' ({id}: {f}): {m}")));
            }
            Err(e) => return Err(e),
        };
        let result = RegressionResult::new(&fit, opts.se, opts.confidence, f, name, None)?;
        regressions.push(ModelResult {
            model: id.to_string(),
            role: role.to_string(),
            result,
        });
        fits.insert(id.to_string(), fit);
    }

    // Correlations of the four chain variables.
    let data: Vec<Vec<f64>> = VARS
        .iter()
        .map(|v| load::f64_values(&df, v))
        .collect::<Result<_>>()?;
    let var_names: Vec<String> = VARS.iter().map(|s| s.to_string()).collect();
    let slices: Vec<&[f64]> = data.iter().map(Vec::as_slice).collect();
    let correlations = correlation::matrix(&var_names, &slices, false);
    let spearman = opts
        .spearman
        .then(|| correlation::matrix(&var_names, &slices, true));

    let resampled = super::mediation::resample_rows(&data, &df, opts, seed, progress, name)?;
    let est = super::mediation::estimate(&regressions, resampled, opts);
    let hypotheses = super::hypotheses::verdicts(&regressions, &est.mediation, opts);

    let conditional_effects = match fits.get("M1_extended") {
        Some(fit) => super::moderation::conditional(fit, &df, opts)?,
        None => vec![],
    };

    Ok(SegmentWork {
        result: SegmentResult {
            name: name.to_string(),
            n,
            error: None,
            regressions,
            correlations: Some(correlations),
            spearman,
            hypotheses,
            mediation: Some(est.mediation),
            conditional_effects,
        },
        fits: fits
            .into_iter()
            .map(|(k, f)| {
                let s = super::FitSummary {
                    n: f.n,
                    p: f.p,
                    rss: f.rss,
                };
                (k, s)
            })
            .collect(),
        draws: est.draws,
        rows: super::Rows::Table(df),
    })
}
