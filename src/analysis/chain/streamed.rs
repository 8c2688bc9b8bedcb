//! The chain on a customer table streamed in batches (`chain --streaming`): memory is set
//! by the sums, not by the number of customers.
//!
//! Every part of a segment's chain reduces to sums over its customers that add over any
//! split of the rows ([`crate::stats::moments`]):
//! 1. Pass 1, per segment: the shifted cross-product sums of the chain variables and
//!    covariates, v = (satisfaction, share of wallet, revenue, profit, covariates…). Each
//!    of the six regressions is a choice of columns of these sums, and so are the Pearson
//!    correlations and the pooled fits of the Chow tests. The same pass counts what the
//!    builder counts ([`crate::data::build::stream::Tally`]).
//! 2. Pass 2, per segment: each regression's residual sums (the robust covariances,
//!    Breusch–Pagan, the most influential customers), and the sums of the standardized
//!    variables in each of the [`BLOCKS`] hash groups of customers — all the hash-block
//!    bootstrap needs ([`crate::stats::blocks`]), so it is the bootstrap used here.
//!
//! The results are those of the in-memory chain with `--resampling blocks` on the same
//! table, up to the order of floating-point sums (tests: to 1e-9). Not on a stream:
//! Spearman correlations (ranks), the quadratic and moderated share-of-wallet equations
//! (moderator quantiles), the customer-level bootstrap and segments under
//! [`MIN_CUSTOMERS`] customers; each is refused with the fix.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use polars::prelude::*;
use rayon::prelude::*;

use super::models::{model_specs, VARS};
use super::results::*;
use super::segment::failed;
use super::{ChainOptions, FitSummary, Rows, SegmentWork};
use crate::analysis::regress_parts::fold_batches;
use crate::data::build::cols;
use crate::data::build::stream::{IdHashes, Plan, Tally, DROP};
use crate::error::{Error, Result};
use crate::stats::blocks::{self, BlockData, Resampling, BLOCKS, MIN_CUSTOMERS};
use crate::stats::correlation::{self, CorrelationMatrix};
use crate::stats::moments::{MomentFit, Residuals, Sums};
use crate::stats::RegressionResult;

/// The chain variables' columns each model regresses on, and its response (indices into
/// satisfaction, share of wallet, revenue, profit); covariates follow the regressors.
fn model_columns(id: &str) -> Option<(&'static [usize], usize)> {
    Some(match id {
        "M1" => (&[0], 1),
        "M2" => (&[0, 1], 2),
        "Y" => (&[0, 1, 2], 3),
        "T_revenue" => (&[0], 2),
        "T_profit_sow" => (&[1], 3),
        "T_profit_sat" => (&[0], 3),
        _ => return None,
    })
}

/// The columns of model `id` in the sums of (chain variables, covariates): regressors,
/// then the response.
fn model_index(id: &str, n_cov: usize) -> Result<Vec<usize>> {
    let (xs, y) = model_columns(id)
        .ok_or_else(|| Error::Internal(format!("no streamed form of model '{id}'")))?;
    let mut idx = xs.to_vec();
    idx.extend(4..4 + n_cov);
    idx.push(y);
    Ok(idx)
}

/// Model `id` fitted from the sums of the chain variables and `covariates`.
pub(super) fn model_fit(sums: &Sums, id: &str, covariates: &[String]) -> Result<MomentFit> {
    let idx = model_index(id, covariates.len())?;
    let names: Vec<String> = VARS
        .iter()
        .map(|v| v.to_string())
        .chain(covariates.iter().cloned())
        .collect();
    let (xs, y) = idx.split_at(idx.len() - 1);
    let regressors: Vec<String> = xs.iter().map(|&i| names[i].clone()).collect();
    MomentFit::fit(&sums.select(&idx), &regressors, &names[y[0]], true)
}

/// Refuse what a stream cannot give, with the fix.
fn check(opts: &ChainOptions) -> Result<()> {
    let refuse = |what: &str| {
        Err(Error::Usage(format!(
            "--streaming: {what} needs the customers' rows in memory; run without --streaming"
        )))
    };
    if opts.spearman {
        return refuse("--spearman (ranks)");
    }
    if opts.quadratic || !opts.moderators.is_empty() {
        return refuse("the quadratic or moderated share-of-wallet equation (moderator quantiles)");
    }
    if opts.outcome != "profit" {
        return refuse("--outcome clv (the transaction log's CLV)");
    }
    if opts.resampling == Resampling::Customers {
        return refuse("--resampling customers (the customer-level bootstrap)");
    }
    Ok(())
}

/// The kept rows of a batch, row-major (chain variables and covariates), with their ids
/// and segments.
struct Rowset<'a> {
    values: Vec<f64>,
    ids: Vec<&'a str>,
    segments: Vec<&'a str>,
}

fn kept_rows<'a>(batch: &'a DataFrame, plan: &Plan) -> Result<Rowset<'a>> {
    let k = plan.variables.len();
    let drop = batch.column(DROP)?.u32()?;
    let id = batch.column(plan.id.as_str())?.str()?;
    let seg = batch.column(cols::SEGMENT)?.str()?;
    let cols: Vec<Float64Chunked> = plan
        .variables
        .iter()
        .map(|v| Ok(batch.column(v.as_str())?.f64()?.clone()))
        .collect::<Result<_>>()?;
    let mut out = Rowset {
        values: Vec::with_capacity(batch.height() * k),
        ids: Vec::with_capacity(batch.height()),
        segments: Vec::with_capacity(batch.height()),
    };
    for i in 0..batch.height() {
        if drop.get(i).unwrap_or(1) != 0 {
            continue;
        }
        out.values
            .extend(cols.iter().map(|c| c.get(i).unwrap_or(f64::NAN)));
        out.ids.push(id.get(i).unwrap_or(""));
        out.segments.push(seg.get(i).unwrap_or(""));
    }
    Ok(out)
}

/// Row indices of `rows` per segment, `all` (every row) first; segments in text order.
fn by_segment(rows: &Rowset) -> Vec<(String, Vec<usize>)> {
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, s) in rows.segments.iter().enumerate() {
        groups.entry(s).or_default().push(i);
    }
    let mut out = vec![("all".to_string(), (0..rows.ids.len()).collect())];
    out.extend(
        groups
            .into_iter()
            .filter(|(s, _)| *s != "all")
            .map(|(s, v)| (s.to_string(), v)),
    );
    out
}

/// Pass 1's running state: what the builder counts, and each segment's sums with the
/// rows added in the stream's order (so the sums do not depend on where batches end).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Pass1 {
    pub(super) tally: Tally,
    pub(super) sums: BTreeMap<String, Sums>,
}

pub(super) fn pass1(
    state: &mut Pass1,
    batch: &DataFrame,
    plan: &Plan,
    ids: &IdHashes,
) -> Result<()> {
    let rows = kept_rows(batch, plan)?;
    let k = plan.variables.len();
    let segments = by_segment(&rows);
    for (s, idx) in &segments {
        if let (false, Some(&first)) = (state.sums.contains_key(s), idx.first()) {
            // Shifted by the segment's first row, which is added below with the others.
            let sums = Sums {
                n: 0.0,
                shift: rows.values[first * k..(first + 1) * k].to_vec(),
                sum: vec![0.0; k],
                cross: vec![vec![0.0; k]; k],
            };
            state.sums.insert(s.clone(), sums);
        }
    }
    // Each segment's sums take its rows in order on their own thread, beside the tally.
    let Pass1 { tally, sums } = state;
    let (counted, ()) = rayon::join(
        || Tally::of_batch(plan, batch, ids),
        || {
            sums.par_iter_mut().for_each(|(s, acc)| {
                if let Some((_, idx)) = segments.iter().find(|(name, _)| name == s) {
                    for &i in idx {
                        acc.push(&rows.values[i * k..(i + 1) * k]);
                    }
                }
            })
        },
    );
    tally.merge(&counted?);
    Ok(())
}

/// What pass 2 needs of a segment: its fits and how to standardize and group.
pub(super) struct Fitted {
    segment: String,
    seed: u64,
    fits: Vec<(String, MomentFit, Vec<usize>)>,
    means: Vec<f64>,
    sds: Vec<f64>,
}

/// Pass 2's running state per segment: each model's residual sums and the hash groups'
/// sums of the standardized variables.
pub type Pass2 = BTreeMap<String, (Vec<Residuals>, Vec<Vec<f64>>)>;

pub(super) fn pass2(
    state: &mut Pass2,
    batch: &DataFrame,
    plan: &Plan,
    fitted: &[Fitted],
) -> Result<()> {
    let rows = kept_rows(batch, plan)?;
    let k = plan.variables.len();
    let segments = by_segment(&rows);
    for (segment, _) in &segments {
        if let Some(f) = fitted.iter().find(|f| &f.segment == segment) {
            state.entry(segment.clone()).or_insert_with(|| {
                (
                    f.fits
                        .iter()
                        .map(|(_, fit, _)| Residuals::zero(fit.p))
                        .collect(),
                    vec![vec![0.0; blocks::terms(k)]; BLOCKS],
                )
            });
        }
    }
    // Every accumulator (a model's residual sums, a segment's group sums) takes its rows
    // in order on its own thread, so the sums do not depend on the threads.
    let errors: Mutex<Vec<Error>> = Mutex::new(Vec::new());
    let rows = &rows;
    rayon::scope(|scope| {
        for (segment, (residuals, groups)) in state.iter_mut() {
            let (Some(f), Some((_, idx))) = (
                fitted.iter().find(|f| &f.segment == segment),
                segments.iter().find(|(s, _)| s == segment),
            ) else {
                continue;
            };
            let errors = &errors;
            for ((_, fit, cols), acc) in f.fits.iter().zip(residuals.iter_mut()) {
                scope.spawn(move |_| {
                    let mut buf = Vec::with_capacity(idx.len() * cols.len());
                    for &i in idx {
                        buf.extend(cols.iter().map(|&c| rows.values[i * k + c]));
                    }
                    let labels = idx.iter().map(|&i| rows.ids[i]);
                    if let Err(e) = fit.add_residuals(acc, buf.chunks(cols.len()).zip(labels)) {
                        if let Ok(mut v) = errors.lock() {
                            v.push(e);
                        }
                    }
                });
            }
            scope.spawn(move |_| {
                let mut z = vec![0.0; k];
                for &i in idx {
                    let row = &rows.values[i * k..(i + 1) * k];
                    for (j, zj) in z.iter_mut().enumerate() {
                        *zj = (row[j] - f.means[j]) / f.sds[j];
                    }
                    blocks::add_row(&mut groups[blocks::group_of(rows.ids[i], f.seed)], &z);
                }
            });
        }
    });
    let mut errors = errors
        .into_inner()
        .map_err(|_| Error::Internal("a batch of the stream failed".into()))?;
    match errors.pop() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Pearson correlations of the four chain variables from the sums.
fn correlations(s: &Sums) -> CorrelationMatrix {
    let n = s.n as usize;
    let cov = |a: usize, b: usize| s.cross[a][b] - s.sum[a] * s.sum[b] / s.n;
    let k = VARS.len();
    let mut r = vec![vec![1.0; k]; k];
    let mut p = vec![vec![0.0; k]; k];
    for i in 0..k {
        for j in (i + 1)..k {
            let v = cov(i, j) / (cov(i, i) * cov(j, j)).sqrt();
            r[i][j] = v;
            r[j][i] = v;
            let pv = correlation::r_pvalue(v, n);
            p[i][j] = pv;
            p[j][i] = pv;
        }
    }
    CorrelationMatrix {
        method: "pearson".into(),
        variables: VARS.iter().map(|v| v.to_string()).collect(),
        n,
        r,
        p_value: p,
    }
}

/// The chain study on the customer table `plan` describes, read in batches.
pub fn run_streaming(plan: &Plan, opts: &ChainOptions) -> Result<ChainResult> {
    let opts = &stream_options(opts)?;
    if plan.variables.len() != 4 + opts.covariates.len() {
        return Err(Error::Internal(
            "the streamed table's covariates differ from the chain's".into(),
        ));
    }

    // Pass 1: the tally and the sums per segment.
    let ids: IdHashes = Arc::new(Mutex::new(Default::default()));
    let p = plan.clone();
    let Pass1 { tally, sums } =
        fold_batches(plan.lf.clone(), None, Pass1::default(), move |st, b| {
            pass1(st, b, &p, &ids)
        })?;
    if tally_is_empty(&sums) {
        return Err(Error::Empty {
            what: format!("the table ({})", plan.id),
            hint: "It has no rows to analyse.".into(),
        });
    }
    let (diagnostics, segments) = tally.finish(plan)?;
    let names = segment_names(segments);
    let (fitted, early) = fit_segments(&names, &sums, opts)?;

    // Pass 2: residual sums and the hash groups' sums.
    let fitted = Arc::new(fitted);
    let (p, f) = (plan.clone(), Arc::clone(&fitted));
    let residuals = fold_batches(
        plan.lf.clone().filter(col(DROP).eq(lit(0u32))),
        None,
        Pass2::new(),
        move |st, b| pass2(st, b, &p, &f),
    )?;
    results(&names, sums, &fitted, early, residuals, &diagnostics, opts)
}

/// The options a streamed chain runs with: checked, and the bootstrap resampling hash
/// blocks (the result says so).
pub(super) fn stream_options(opts: &ChainOptions) -> Result<ChainOptions> {
    super::check_options(opts)?;
    check(opts)?;
    Ok(ChainOptions {
        resampling: Resampling::Blocks,
        ..opts.clone()
    })
}

/// `all`, then the segments in report order.
pub(super) fn segment_names(segments: Vec<String>) -> Vec<String> {
    let mut names = vec!["all".to_string()];
    names.extend(segments.into_iter().filter(|s| s != "all"));
    names
}

/// The fits of every segment of `names` from the merged pass-1 sums, and the segments
/// that cannot be estimated (too few customers, a degenerate equation), with why.
pub(super) fn fit_segments(
    names: &[String],
    merged: &BTreeMap<String, Sums>,
    opts: &ChainOptions,
) -> Result<(Vec<Fitted>, BTreeMap<String, SegmentWork>)> {
    let n_cov = opts.covariates.len();
    let specs = model_specs(&opts.covariates);
    let needed = 4 + n_cov + 2;
    let mut fitted = Vec::new();
    let mut early: BTreeMap<String, SegmentWork> = BTreeMap::new();
    for (i, name) in names.iter().enumerate() {
        let sums = merged.get(name).cloned().unwrap_or_default();
        let n = sums.n as usize;
        if n < needed {
            early.insert(name.clone(), failed(name, n, format!(
                "segment '{name}' has {n} customers; the chain needs at least {needed} (parameters of the largest equation + 2)"
            )));
            continue;
        }
        if opts.bootstrap > 0 && n < MIN_CUSTOMERS {
            return Err(Error::Usage(format!(
                "--streaming: segment '{name}' has {n} customers; the bootstrap on a stream resamples {BLOCKS} hash blocks of customers, which needs at least {MIN_CUSTOMERS}. Run without --streaming (the customer bootstrap is exact and fast at this size), or --bootstrap 0."
            )));
        }
        let mut fits = Vec::new();
        let mut failure = None;
        for (id, _, f) in &specs {
            match model_fit(&sums, id, &opts.covariates) {
                Ok(fit) => fits.push((id.to_string(), fit, model_index(id, n_cov)?)),
                Err(Error::Degenerate(m)) => {
                    failure = Some(format!("segment '{name}' ({id}: {f}): {m}"));
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        if let Some(msg) = failure {
            early.insert(name.clone(), failed(name, n, msg));
            continue;
        }
        let (means, sds): (Vec<f64>, Vec<f64>) = (0..sums.shift.len())
            .map(|j| {
                let (m, sd) = sums.mean_sd(j);
                (m, if sd > 0.0 { sd } else { 1.0 })
            })
            .unzip();
        fitted.push(Fitted {
            segment: name.clone(),
            seed: super::segment_seed(opts, i),
            fits,
            means,
            sds,
        });
    }
    Ok((fitted, early))
}

/// The chain's result from the pass-1 sums, the fits and the pass-2 sums.
pub(super) fn results(
    names: &[String],
    mut merged: BTreeMap<String, Sums>,
    fitted: &[Fitted],
    mut early: BTreeMap<String, SegmentWork>,
    mut residuals: Pass2,
    diagnostics: &crate::data::Diagnostics,
    opts: &ChainOptions,
) -> Result<ChainResult> {
    let progress = crate::progress::bar(
        (opts.bootstrap * fitted.len()) as u64,
        "bootstrap {bar:40} {pos}/{len} resamples ({eta})",
    );
    let mut work = Vec::new();
    for name in names {
        if let Some(w) = early.remove(name) {
            work.push(w);
            continue;
        }
        let Some(f) = fitted.iter().find(|f| &f.segment == name) else {
            continue;
        };
        let Some((res, groups)) = residuals.remove(name) else {
            return Err(Error::Internal(format!(
                "no pass-2 sums for segment '{name}'"
            )));
        };
        let sums = merged.remove(name).unwrap_or_default();
        work.push(segment_work(name, f, res, groups, sums, opts, &progress)?);
    }
    progress.finish_and_clear();
    super::assemble(diagnostics, work, opts)
}

pub(super) fn tally_is_empty(merged: &BTreeMap<String, Sums>) -> bool {
    merged.get("all").is_none_or(|s| s.n == 0.0)
}

/// A segment's results from its fits, residual sums and group sums.
fn segment_work(
    name: &str,
    f: &Fitted,
    res: Vec<Residuals>,
    groups: Vec<Vec<f64>>,
    sums: Sums,
    opts: &ChainOptions,
    progress: &indicatif::ProgressBar,
) -> Result<SegmentWork> {
    let specs = model_specs(&opts.covariates);
    let mut regressions = Vec::new();
    let mut fits = BTreeMap::new();
    for (((id, role, formula), (_, fit, _)), r) in specs.iter().zip(&f.fits).zip(res) {
        let result =
            RegressionResult::from_moments(fit, &r, opts.se, opts.confidence, formula, name)?;
        fits.insert(
            id.to_string(),
            FitSummary {
                n: fit.n,
                p: fit.p,
                rss: r.powers[1],
            },
        );
        regressions.push(ModelResult {
            model: id.to_string(),
            role: role.to_string(),
            result,
        });
    }
    let resampled = if opts.bootstrap > 0 {
        let bl = BlockData::from_group_sums(groups, f.sds.clone())?;
        super::mediation::resample_blocks(&bl, opts, f.seed, progress)
    } else {
        super::mediation::Resampled {
            draws: vec![],
            jack: vec![],
            blocks: false,
        }
    };
    let est = super::mediation::estimate(&regressions, resampled, opts);
    let hypotheses = super::hypotheses::verdicts(&regressions, &est.mediation, opts);
    Ok(SegmentWork {
        result: SegmentResult {
            name: name.to_string(),
            n: sums.n as usize,
            error: None,
            regressions,
            correlations: Some(correlations(&sums)),
            spearman: None,
            hypotheses,
            mediation: Some(est.mediation),
            conditional_effects: vec![],
        },
        fits,
        draws: est.draws,
        rows: Rows::Sums(sums),
    })
}
