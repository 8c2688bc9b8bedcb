//! The chain study: satisfaction → share of wallet → revenue → profit, per segment, with
//! mediation (Baron–Kenny, Sobel, bootstrap percentile and BCa intervals) and segment
//! comparison.
//!
//! Path model per segment (Hayes' PROCESS model 6, X = satisfaction, M1 = share of wallet,
//! M2 = revenue, Y = profit, covariates in every equation):
//!   M1: sow = i1 + a1·sat                    M2: rev = i2 + a2·sat + d21·sow
//!   Y:  profit = i3 + c'·sat + b1·sow + b2·rev
//! Specific indirect effects: a1·b1 (sat→sow→profit), a1·d21·b2 (serial), a2·b2
//! (sat→rev→profit); their sum plus c' is the total effect (the `profit ~ sat` slope).
//! H3's indirect effect is a1·d21 (sat→sow→revenue), H4's is d21·b2 (sow→revenue→profit).
//!
//! The module reads top to bottom by concern: [`results`] (what a run returns), `models`
//! (the regressions and the bootstrapped statistic), `segment` (one segment's fits and
//! correlations), `mediation` (indirect effects, Baron–Kenny, Sobel), `hypotheses`
//! (H1–H4 verdicts), `moderation` (conditional effects), `compare` (segments against each
//! other) and `links` (the data of the report's scatter plots), and [`summary`] (the plain-language
//! summary lines).

mod compare;
mod hypotheses;
mod links;
mod mediation;
mod models;
mod moderation;
pub mod parts;
pub mod results;
mod segment;
mod streamed;
pub mod summary;

use std::collections::BTreeMap;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::build::cols;
use crate::data::CustomerTable;
use crate::error::{Error, Result};
use crate::stats::CovType;

pub use links::{links, Density, Link, LinkSeries, DENSITY_ABOVE, MAX_SCATTER_POINTS};
pub(crate) use mediation::block_groups;
pub use models::INDIRECT_PATHS;
pub use results::*;
pub use streamed::{run_streaming, Pass1, Pass2};

/// Default bootstrap seed (fixed, so a run without --seed is reproducible).
pub const DEFAULT_SEED: u64 = 20_050_601;

/// Options of a chain run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChainOptions {
    pub bootstrap: usize,
    pub seed: u64,
    pub confidence: f64,
    pub alpha: f64,
    pub se: CovType,
    pub covariates: Vec<String>,
    pub moderators: Vec<String>,
    pub quadratic: bool,
    pub spearman: bool,
    /// What the Y equation models: `profit` (default), or `clv` (customer lifetime value
    /// from the study's transaction log, in the profit column's place).
    #[serde(default = "profit_outcome")]
    pub outcome: String,
    /// With `outcome = clv`: the purchase model that made each customer's CLV, e.g.
    /// `BG/NBD with covariates (satisfaction)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome_model: Option<String>,
    /// The unit of money amounts (revenue, profit, CLV), e.g. `USD k`: said with every
    /// amount in the summary, the text header and the charts' axes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<String>,
    /// What the bootstrap resamples: customers, or hash blocks of customers in large
    /// segments (see [`crate::stats::blocks`]); `auto` chooses by segment size.
    #[serde(default, skip_serializing_if = "is_auto")]
    pub resampling: crate::stats::blocks::Resampling,
    /// The customer id column, whose values key the hash blocks (row numbers without it).
    #[serde(skip)]
    pub id: Option<String>,
}

fn is_auto(r: &crate::stats::blocks::Resampling) -> bool {
    *r == crate::stats::blocks::Resampling::Auto
}

fn profit_outcome() -> String {
    "profit".into()
}

/// The chain's Y in words: `profit`, or `CLV` with `--outcome clv`.
pub fn outcome_word(opts: &ChainOptions) -> &'static str {
    if opts.outcome == "clv" {
        "CLV"
    } else {
        "profit"
    }
}

impl Default for ChainOptions {
    fn default() -> Self {
        ChainOptions {
            bootstrap: 5000,
            seed: DEFAULT_SEED,
            confidence: 0.95,
            alpha: 0.05,
            se: CovType::Nonrobust,
            covariates: vec![],
            moderators: vec![],
            quadratic: false,
            spearman: false,
            outcome: profit_outcome(),
            outcome_model: None,
            resampling: Default::default(),
            id: None,
            units: None,
        }
    }
}

/// A fit's size and residual sum of squares (the Chow test's inputs).
#[derive(Debug, Clone, Copy)]
pub(crate) struct FitSummary {
    pub(crate) n: usize,
    pub(crate) p: usize,
    pub(crate) rss: f64,
}

/// Internal per-segment state kept for comparisons.
pub(crate) struct SegmentWork {
    pub(crate) result: SegmentResult,
    /// What the segment comparisons need of each fit (not the fit itself: its n × p
    /// matrices would be held for every segment at once).
    pub(crate) fits: BTreeMap<String, FitSummary>,
    pub(crate) draws: Vec<Vec<f64>>,
    /// What a pooled fit of two segments (the Chow tests) needs of this one.
    pub(crate) rows: Rows,
}

/// A segment's data for pooled fits: its rows, or (streamed) the sums of its chain
/// variables and covariates.
pub(crate) enum Rows {
    Table(DataFrame),
    Sums(crate::stats::moments::Sums),
}

/// Run the chain study on a built customer table.
pub fn run(table: &CustomerTable, opts: &ChainOptions) -> Result<ChainResult> {
    check_options(opts)?;
    for c in opts.covariates.iter().chain(&opts.moderators) {
        crate::data::load::require_column(&table.df, "customer table", c)?;
    }
    let mut names = vec!["all".to_string()];
    // With `--segment-rule none` the only segment is `all` itself.
    names.extend(table.segments.iter().filter(|s| *s != "all").cloned());
    let total_resamples = (opts.bootstrap * names.len()) as u64;
    let progress = crate::progress::bar(
        total_resamples,
        "bootstrap {bar:40} {pos}/{len} resamples ({eta})",
    );
    let mut work = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let df = if name == "all" {
            table.df.clone()
        } else {
            crate::analysis::regress::subset(&table.df, cols::SEGMENT, name)?
        };
        let seed = segment_seed(opts, i);
        work.push(segment::segment(name, df, opts, seed, &progress)?);
    }
    progress.finish_and_clear();
    assemble(&table.diagnostics, work, opts)
}

/// The bootstrap seed of the i-th segment (`all` first).
pub(crate) fn segment_seed(opts: &ChainOptions, i: usize) -> u64 {
    opts.seed.wrapping_add(i as u64 * 0x9E37_79B9_7F4A_7C15)
}

/// Check the options every chain run shares.
fn check_options(opts: &ChainOptions) -> Result<()> {
    if !(opts.confidence > 0.0 && opts.confidence < 1.0) {
        return Err(Error::Usage(format!(
            "--confidence {} must be between 0 and 1",
            opts.confidence
        )));
    }
    if !(opts.alpha > 0.0 && opts.alpha < 1.0) {
        return Err(Error::Usage(format!(
            "--alpha {} must be between 0 and 1",
            opts.alpha
        )));
    }
    crate::stats::bootstrap::check_resamples(opts.bootstrap, opts.confidence)
}

/// The segments compared pairwise, the summary and the result.
fn assemble(
    diagnostics: &crate::data::Diagnostics,
    work: Vec<SegmentWork>,
    opts: &ChainOptions,
) -> Result<ChainResult> {
    let mut comparisons = Vec::new();
    let ok: Vec<&SegmentWork> = work
        .iter()
        .filter(|w| w.result.name != "all" && w.result.error.is_none())
        .collect();
    for i in 0..ok.len() {
        for j in (i + 1)..ok.len() {
            comparisons.push(compare::compare(ok[i], ok[j], opts)?);
        }
    }
    let segments: Vec<SegmentResult> = work.into_iter().map(|w| w.result).collect();
    if segments.iter().all(|s| s.error.is_some()) {
        // Nothing estimated: an error (exit 2), not an empty result a script would go on with.
        return Err(Error::Degenerate(format!(
            "no segment could be analysed:\n{}",
            segments
                .iter()
                .map(|s| format!("  - {}", s.error.as_deref().unwrap_or("")))
                .collect::<Vec<_>>()
                .join("\n")
        )));
    }
    let mut summary = summary::summary(&segments, &comparisons, opts);
    if opts.outcome != "profit" {
        summary.insert(
            0,
            format!(
                "Outcome: {0} (customer lifetime value from the transaction log) takes profit's place in the Y equation; read \"profit\" in the model names and paths as {0}. Segments are still formed from observed profit.",
                opts.outcome
            ),
        );
        if let Some(m) = &opts.outcome_model {
            summary.insert(1, outcome_model_line(m));
        }
    }
    Ok(ChainResult {
        study: diagnostics.study.clone(),
        options: opts.clone(),
        diagnostics: diagnostics.clone(),
        segments,
        comparisons,
        summary,
    })
}

/// Which model made the CLV the chain explains; with covariates, what that means.
fn outcome_model_line(model: &str) -> String {
    if model.contains(" with covariates") {
        format!("Each customer's CLV comes from the {model}, so the covariates' effects on purchasing and dropout are part of the outcome by construction.")
    } else {
        format!("Each customer's CLV comes from the {model}.")
    }
}

/// `supported` / `reversed` / `not supported` from significance and sign.
pub(crate) fn verdict_of(significant: bool, estimate: f64) -> &'static str {
    match (significant, estimate > 0.0) {
        (true, true) => "supported",
        (true, false) => "reversed",
        _ => "not supported",
    }
}
