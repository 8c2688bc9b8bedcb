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

use std::collections::BTreeMap;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::build::cols;
use crate::data::load;
use crate::data::{CustomerTable, Diagnostics};
use crate::error::{Error, Result};
use crate::stats::bootstrap::{self, BootData, CrossProducts, Interval};
use crate::stats::correlation::{self, CorrelationMatrix};
use crate::stats::formula::quote_name;
use crate::stats::{model_frame, CovType, Formula, OlsFit, RegressionResult};

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
}

fn profit_outcome() -> String {
    "profit".into()
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
        }
    }
}

/// One regression of the path model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelResult {
    /// `M1`, `M2`, `Y`, `T_revenue`, `T_profit_sow`, `T_profit_sat`, or `M1_extended`.
    pub model: String,
    /// What the model is for.
    pub role: String,
    #[serde(flatten)]
    pub result: RegressionResult,
}

/// A coefficient used in a test.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Path {
    pub estimate: f64,
    pub std_error: f64,
    pub p_value: f64,
}

/// Baron–Kenny steps for one simple mediation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BaronKenny {
    pub hypothesis: String,
    pub x: String,
    pub m: String,
    pub y: String,
    /// Total effect of x on y.
    pub c: Path,
    /// x → m.
    pub a: Path,
    /// m → y controlling for x.
    pub b: Path,
    /// Direct effect of x on y controlling for m.
    pub c_prime: Path,
    /// `full`, `partial` or `none` by the classic rules at α.
    pub conclusion: String,
}

/// Sobel test of a·b.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sobel {
    pub hypothesis: String,
    pub indirect: f64,
    pub std_error: f64,
    pub z: f64,
    pub p_value: f64,
}

/// A bootstrapped indirect effect.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndirectEffect {
    pub path: String,
    #[serde(flatten)]
    pub interval: Interval,
}

/// Mediation results of a segment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Mediation {
    pub baron_kenny: Vec<BaronKenny>,
    pub sobel: Vec<Sobel>,
    pub bootstrap: usize,
    pub indirect_effects: Vec<IndirectEffect>,
    /// c' of satisfaction in the profit equation.
    pub direct_effect: Path,
    /// Slope of `profit ~ satisfaction` (+ covariates) = direct + total indirect.
    pub total_effect: Path,
    /// Bootstrap interval of the total effect (c' + total indirect), the bottom line of the
    /// chain; `None` without resampling.
    pub total_effect_interval: Option<Interval>,
    /// Total indirect / total effect.
    pub proportion_mediated: f64,
}

/// A hypothesis verdict.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Hypothesis {
    pub id: String,
    pub statement: String,
    /// True when the effect is significant in the hypothesised (positive) direction.
    pub supported: bool,
    /// `supported`, `reversed` (significant in the opposite, negative direction) or
    /// `not supported`. Mediation hypotheses read the sign of the indirect effect.
    pub verdict: String,
    pub estimate: f64,
    pub p_value: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// Where the numbers come from.
    pub basis: String,
}

/// Conditional effect of satisfaction on share of wallet at a moderator value.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConditionalEffect {
    pub moderator: String,
    /// 16, 50 or 84.
    pub percentile: u8,
    pub value: f64,
    pub effect: f64,
    pub std_error: f64,
    pub p_value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// Everything reported for one segment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SegmentResult {
    pub name: String,
    pub n: usize,
    /// Why the segment could not be analysed (the other segments are still reported).
    pub error: Option<String>,
    pub regressions: Vec<ModelResult>,
    pub correlations: Option<CorrelationMatrix>,
    pub spearman: Option<CorrelationMatrix>,
    pub hypotheses: Vec<Hypothesis>,
    pub mediation: Option<Mediation>,
    pub conditional_effects: Vec<ConditionalEffect>,
}

/// Difference of one coefficient between two segments.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PathDifference {
    pub model: String,
    pub term: String,
    pub estimate_a: f64,
    pub estimate_b: f64,
    pub difference: f64,
    /// z = (b₁ − b₂)/√(se₁² + se₂²) (Clogg, Petkova & Haritou 1995).
    pub z: f64,
    pub p_value: f64,
}

/// Chow-type test that an equation's coefficients are equal in both segments.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChowTest {
    pub model: String,
    pub f_statistic: f64,
    pub df_num: f64,
    pub df_den: f64,
    pub p_value: f64,
}

/// Difference of a correlation between two segments (Fisher's z).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CorrelationDifference {
    pub variables: [String; 2],
    pub r_a: f64,
    pub r_b: f64,
    pub z: f64,
    pub p_value: f64,
}

/// Difference of an indirect effect with its bootstrap percentile interval.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndirectDifference {
    pub path: String,
    pub difference: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// Comparison of two segments.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Comparison {
    pub segment_a: String,
    pub segment_b: String,
    pub paths: Vec<PathDifference>,
    pub chow: Vec<ChowTest>,
    pub correlations: Vec<CorrelationDifference>,
    pub indirect_effects: Vec<IndirectDifference>,
    /// One plain-language line per hypothesis.
    pub summary: Vec<String>,
}

/// The whole chain study.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChainResult {
    pub study: String,
    pub options: ChainOptions,
    pub diagnostics: Diagnostics,
    pub segments: Vec<SegmentResult>,
    pub comparisons: Vec<Comparison>,
    /// The plain-language bottom line: the total effect of satisfaction on profit per
    /// segment, pooled reversals, then each comparison's lines.
    pub summary: Vec<String>,
}

const VARS: [&str; 4] = [cols::SATISFACTION, cols::SOW, cols::REVENUE, cols::PROFIT];

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
fn model_specs(covs: &[String]) -> Vec<(&'static str, &'static str, String)> {
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

fn extended_m1(opts: &ChainOptions) -> Option<String> {
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
fn path_stats(cp: &CrossProducts, n_cov: usize) -> Option<Vec<f64>> {
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

fn coef(r: &RegressionResult, term: &str) -> Path {
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

/// Internal per-segment state kept for comparisons.
struct SegmentWork {
    result: SegmentResult,
    fits: BTreeMap<String, OlsFit>,
    draws: Vec<Vec<f64>>,
    df: DataFrame,
}

/// Run the chain study on a built customer table.
pub fn run(table: &CustomerTable, opts: &ChainOptions) -> Result<ChainResult> {
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
    for c in opts.covariates.iter().chain(&opts.moderators) {
        crate::data::load::require_column(&table.df, "customer table", c)?;
    }
    let mut names = vec!["all".to_string()];
    // With `--segment-rule none` the only segment is `all` itself.
    names.extend(table.segments.iter().filter(|s| *s != "all").cloned());
    let total_resamples = (opts.bootstrap * names.len()) as u64;
    let progress = if opts.bootstrap > 0 {
        let pb = ProgressBar::with_draw_target(Some(total_resamples), ProgressDrawTarget::stderr());
        pb.set_style(
            ProgressStyle::with_template("bootstrap {bar:40} {pos}/{len} resamples ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        pb
    } else {
        ProgressBar::hidden()
    };
    let mut work = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let df = if name == "all" {
            table.df.clone()
        } else {
            crate::analysis::regress::subset(&table.df, cols::SEGMENT, name)?
        };
        let seed = opts.seed.wrapping_add(i as u64 * 0x9E37_79B9_7F4A_7C15);
        work.push(segment(name, df, opts, seed, &progress)?);
    }
    progress.finish_and_clear();

    let mut comparisons = Vec::new();
    let ok: Vec<&SegmentWork> = work
        .iter()
        .filter(|w| w.result.name != "all" && w.result.error.is_none())
        .collect();
    for i in 0..ok.len() {
        for j in (i + 1)..ok.len() {
            comparisons.push(compare(ok[i], ok[j], opts)?);
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
    let mut summary = super::chain_summary::summary(&segments, &comparisons, opts);
    if opts.outcome != "profit" {
        summary.insert(
            0,
            format!(
                "Outcome: {0} (customer lifetime value from the transaction log) takes profit's place in the Y equation; read \"profit\" in the model names and paths as {0}. Segments are still formed from observed profit.",
                opts.outcome
            ),
        );
    }
    Ok(ChainResult {
        study: table.diagnostics.study.clone(),
        options: opts.clone(),
        diagnostics: table.diagnostics.clone(),
        segments,
        comparisons,
        summary,
    })
}

/// `supported` / `reversed` / `not supported` from significance and sign.
fn verdict_of(significant: bool, estimate: f64) -> &'static str {
    match (significant, estimate > 0.0) {
        (true, true) => "supported",
        (true, false) => "reversed",
        _ => "not supported",
    }
}

fn empty_segment(name: &str, n: usize, error: String) -> SegmentResult {
    SegmentResult {
        name: name.to_string(),
        n,
        error: Some(error),
        regressions: vec![],
        correlations: None,
        spearman: None,
        hypotheses: vec![],
        mediation: None,
        conditional_effects: vec![],
    }
}

fn segment(
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
    let fail = |msg: String| SegmentWork {
        result: empty_segment(name, n, msg),
        fits: BTreeMap::new(),
        draws: vec![],
        df: DataFrame::empty(),
    };
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
    let get = |id: &str| -> &RegressionResult {
        &regressions
            .iter()
            .find(|m| m.model == id)
            .expect("model fitted above")
            .result
    };

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

    // Bootstrap of the serial model (+ covariates).
    let mut boot_cols = data.clone();
    for c in &opts.covariates {
        boot_cols.push(load::f64_values(&df, c)?);
    }
    let boot_slices: Vec<&[f64]> = boot_cols.iter().map(Vec::as_slice).collect();
    let bd = BootData::new(&boot_slices)?;
    let n_cov = opts.covariates.len();
    let stat = |cp: &CrossProducts| path_stats(cp, n_cov);
    let (m1, m2, y) = (get("M1"), get("M2"), get("Y"));
    let (a1, a2, d21) = (
        coef(m1, "satisfaction"),
        coef(m2, "satisfaction"),
        coef(m2, "share_of_wallet"),
    );
    let (cp_, b1, b2) = (
        coef(y, "satisfaction"),
        coef(y, "share_of_wallet"),
        coef(y, "revenue"),
    );
    let point = {
        let (i1, i2, i3) = (
            a1.estimate * b1.estimate,
            a1.estimate * d21.estimate * b2.estimate,
            a2.estimate * b2.estimate,
        );
        vec![
            i1,
            i2,
            i3,
            i1 + i2 + i3,
            a1.estimate * d21.estimate,
            d21.estimate * b2.estimate,
            cp_.estimate + i1 + i2 + i3,
        ]
    };
    let (draws, jack) = if opts.bootstrap > 0 {
        (
            bootstrap::resample(&bd, opts.bootstrap, seed, &stat, progress),
            bootstrap::jackknife(&bd, &stat),
        )
    } else {
        (vec![], vec![])
    };
    let indirect_effects: Vec<IndirectEffect> = INDIRECT_PATHS
        .iter()
        .enumerate()
        .map(|(k, path)| {
            let d: Vec<f64> = draws.iter().map(|r| r[k]).collect();
            let j: Vec<f64> = jack.iter().map(|r| r[k]).collect();
            IndirectEffect {
                path: path.to_string(),
                interval: if opts.bootstrap > 0 {
                    bootstrap::interval(point[k], &d, &j, opts.confidence)
                } else {
                    Interval::point(point[k])
                },
            }
        })
        .collect();

    // Baron–Kenny and Sobel for H3 (sat → sow → revenue) and H4 (sow → revenue → profit).
    let alpha = opts.alpha;
    let bk = |h: &str, x: &str, m: &str, yv: &str, c: Path, a: Path, b: Path, c_prime: Path| {
        let sig = |p: &Path| p.p_value < alpha;
        let conclusion = if sig(&a) && sig(&b) {
            if sig(&c_prime) {
                "partial"
            } else {
                "full"
            }
        } else {
            "none"
        };
        BaronKenny {
            hypothesis: h.into(),
            x: x.into(),
            m: m.into(),
            y: yv.into(),
            c,
            a,
            b,
            c_prime,
            conclusion: conclusion.into(),
        }
    };
    let sobel = |h: &str, a: &Path, b: &Path| {
        let ind = a.estimate * b.estimate;
        let se = (b.estimate.powi(2) * a.std_error.powi(2)
            + a.estimate.powi(2) * b.std_error.powi(2))
        .sqrt();
        let z = ind / se;
        Sobel {
            hypothesis: h.into(),
            indirect: ind,
            std_error: se,
            z,
            p_value: correlation::normal_two_sided(z),
        }
    };
    let baron_kenny = vec![
        bk(
            "H3",
            cols::SATISFACTION,
            cols::SOW,
            cols::REVENUE,
            coef(get("T_revenue"), "satisfaction"),
            a1.clone(),
            d21.clone(),
            a2.clone(),
        ),
        bk(
            "H4",
            cols::SOW,
            cols::REVENUE,
            cols::PROFIT,
            coef(get("T_profit_sow"), "share_of_wallet"),
            d21.clone(),
            b2.clone(),
            b1.clone(),
        ),
    ];
    let sobels = vec![sobel("H3", &a1, &d21), sobel("H4", &d21, &b2)];
    let total = coef(get("T_profit_sat"), "satisfaction");
    let proportion = point[3] / total.estimate;
    let total_effect_interval = (opts.bootstrap > 0).then(|| {
        let k = INDIRECT_PATHS.len();
        let d: Vec<f64> = draws.iter().map(|r| r[k]).collect();
        let j: Vec<f64> = jack.iter().map(|r| r[k]).collect();
        bootstrap::interval(point[k], &d, &j, opts.confidence)
    });

    // Hypotheses.
    let positive = |id: &str, statement: &str, p: &Path, basis: &str| Hypothesis {
        id: id.into(),
        statement: statement.into(),
        supported: p.estimate > 0.0 && p.p_value < alpha,
        verdict: verdict_of(p.p_value < alpha, p.estimate).into(),
        estimate: p.estimate,
        p_value: Some(p.p_value),
        ci_low: None,
        ci_high: None,
        basis: basis.into(),
    };
    let mediated = |id: &str, statement: &str, k: usize, s: &Sobel| {
        let iv = &indirect_effects[k].interval;
        let (significant, basis) = if opts.bootstrap > 0 {
            (
                iv.ci_low > 0.0 || iv.ci_high < 0.0,
                format!(
                    "bootstrap {:.0}% percentile CI of {} excludes 0",
                    opts.confidence * 100.0,
                    INDIRECT_PATHS[k]
                ),
            )
        } else {
            (
                s.p_value < alpha,
                format!("Sobel test of {}", INDIRECT_PATHS[k]),
            )
        };
        Hypothesis {
            id: id.into(),
            statement: statement.into(),
            supported: significant && iv.estimate > 0.0,
            verdict: verdict_of(significant, iv.estimate).into(),
            estimate: iv.estimate,
            p_value: Some(s.p_value),
            ci_low: (opts.bootstrap > 0).then_some(iv.ci_low),
            ci_high: (opts.bootstrap > 0).then_some(iv.ci_high),
            basis,
        }
    };
    let hypotheses = vec![
        positive(
            "H1",
            "Share of wallet is positively related to revenue",
            &d21,
            "M2: coefficient of share_of_wallet",
        ),
        positive(
            "H2",
            "Revenue is positively related to profit",
            &b2,
            "Y: coefficient of revenue",
        ),
        mediated(
            "H3",
            "Share of wallet mediates satisfaction -> revenue",
            4,
            &sobels[0],
        ),
        mediated(
            "H4",
            "Revenue mediates share of wallet -> profit",
            5,
            &sobels[1],
        ),
    ];

    let conditional_effects = match fits.get("M1_extended") {
        Some(fit) => conditional(fit, &df, opts)?,
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
            mediation: Some(Mediation {
                baron_kenny,
                sobel: sobels,
                bootstrap: opts.bootstrap,
                indirect_effects,
                direct_effect: cp_,
                total_effect: total,
                total_effect_interval,
                proportion_mediated: proportion,
            }),
            conditional_effects,
        },
        fits,
        draws,
        df,
    })
}

/// Conditional effect of satisfaction on SOW at each moderator's 16th/50th/84th percentile
/// (PROCESS convention), other moderators at their means and, with the quadratic term, at
/// mean satisfaction: θ = b_sat + 2·b_sq·mean(sat) + Σ b_sat:m·m, SE = √(gᵀVg).
fn conditional(
    fit: &OlsFit,
    df: &DataFrame,
    opts: &ChainOptions,
) -> Result<Vec<ConditionalEffect>> {
    let v = fit.cov(opts.se);
    let idx = |name: &str| fit.names.iter().position(|n| n == name);
    let sat = load::f64_values(df, cols::SATISFACTION)?;
    let sat_mean = sat.iter().sum::<f64>() / sat.len() as f64;
    let mut base = vec![0.0; fit.p];
    if let Some(i) = idx("satisfaction") {
        base[i] = 1.0;
    }
    if let Some(i) = idx("I(satisfaction ** 2)") {
        base[i] = 2.0 * sat_mean;
    }
    let mut mod_values = Vec::new();
    for m in &opts.moderators {
        let mut vals = load::f64_values(df, m)?;
        let mean = vals.iter().sum::<f64>() / vals.len() as f64;
        vals.sort_by(f64::total_cmp);
        mod_values.push((m.clone(), mean, vals));
    }
    for (m, mean, _) in &mod_values {
        if let Some(i) = idx(&format!("satisfaction:{m}")) {
            base[i] = *mean;
        }
    }
    let df_resid = fit.df_resid();
    let tcrit = crate::stats::regression::t_quantile(0.5 + opts.confidence / 2.0, df_resid);
    let mut out = Vec::new();
    for (m, _, sorted) in &mod_values {
        let Some(i) = idx(&format!("satisfaction:{m}")) else {
            continue;
        };
        for pct in [16u8, 50, 84] {
            let value = bootstrap::quantile_sorted(sorted, f64::from(pct) / 100.0);
            let mut g = base.clone();
            g[i] = value;
            let effect: f64 = g.iter().zip(fit.params.iter()).map(|(a, b)| a * b).sum();
            let var: f64 = (0..fit.p)
                .map(|a| (0..fit.p).map(|b| g[a] * v[[a, b]] * g[b]).sum::<f64>())
                .sum();
            let se = var.max(0.0).sqrt();
            out.push(ConditionalEffect {
                moderator: m.clone(),
                percentile: pct,
                value,
                effect,
                std_error: se,
                p_value: crate::stats::regression::t_pvalue(effect / se, df_resid),
                ci_low: effect - tcrit * se,
                ci_high: effect + tcrit * se,
            });
        }
    }
    Ok(out)
}

#[allow(clippy::needless_range_loop)] // pairs (i, j) of the correlation matrix
fn compare(a: &SegmentWork, b: &SegmentWork, opts: &ChainOptions) -> Result<Comparison> {
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
    let pooled_df = a.df.vstack(&b.df)?;
    let mut chow = Vec::new();
    for (id, _, f) in model_specs(&opts.covariates).into_iter().take(3) {
        let (Some(fa), Some(fb)) = (a.fits.get(id), b.fits.get(id)) else {
            continue;
        };
        let formula = Formula::parse(&f)?;
        let frame = model_frame(&formula, &pooled_df, "customer table")?;
        let Ok(pooled) = OlsFit::fit(&frame.design) else {
            continue;
        };
        let k = fa.p as f64;
        let rss_sep = fa.rss + fb.rss;
        let df_den = (fa.n + fb.n) as f64 - 2.0 * k;
        let fstat = ((pooled.rss - rss_sep) / k) / (rss_sep / df_den);
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
        .map(|(ha, hb)| super::chain_summary::comparison_line(ha, &ra.name, hb, &rb.name))
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

/// Most points per segment a scatter plot shows; larger segments are thinned evenly.
pub const MAX_SCATTER_POINTS: usize = 3000;

/// One segment's points and simple-regression line for a chain link.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkSeries {
    pub segment: String,
    /// (x, y) points, at most [`MAX_SCATTER_POINTS`] (every k-th customer when thinned).
    pub points: Vec<(f64, f64)>,
    /// Customers in the segment (≥ points.len()).
    pub n: usize,
    pub intercept: f64,
    pub slope: f64,
}

/// A chain link (x → y) for scatter plots.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Link {
    pub x: String,
    pub y: String,
    pub series: Vec<LinkSeries>,
    /// True when some segment was thinned to [`MAX_SCATTER_POINTS`].
    pub thinned: bool,
}

/// The three links satisfaction → SOW → revenue → profit, per segment, with the
/// simple OLS line of y on x (fitted by the regression engine).
pub fn links(table: &CustomerTable) -> Result<Vec<Link>> {
    let pairs = [
        (cols::SATISFACTION, cols::SOW),
        (cols::SOW, cols::REVENUE),
        (cols::REVENUE, cols::PROFIT),
    ];
    let mut out = Vec::new();
    for (x, y) in pairs {
        let mut series = Vec::new();
        let mut thinned = false;
        for seg in &table.segments {
            let df = crate::analysis::regress::subset(&table.df, cols::SEGMENT, seg)?;
            let (xs, ys) = (load::f64_values(&df, x)?, load::f64_values(&df, y)?);
            let n = xs.len();
            let formula = Formula::parse(&format!("{y} ~ {x}"))?;
            let line = model_frame(&formula, &df, "customer table")
                .and_then(|f| OlsFit::fit(&f.design))
                .ok();
            let step = n.div_ceil(MAX_SCATTER_POINTS).max(1);
            thinned |= step > 1;
            series.push(LinkSeries {
                segment: seg.clone(),
                points: xs
                    .iter()
                    .zip(&ys)
                    .step_by(step)
                    .map(|(a, b)| (*a, *b))
                    .collect(),
                n,
                intercept: line.as_ref().map_or(f64::NAN, |f| f.params[0]),
                slope: line.as_ref().map_or(f64::NAN, |f| f.params[1]),
            });
        }
        out.push(Link {
            x: x.into(),
            y: y.into(),
            series,
            thinned,
        });
    }
    Ok(out)
}
