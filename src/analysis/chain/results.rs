//! What a chain run returns: plain serde structs, rendered by `report`.

use serde::{Deserialize, Serialize};

use super::ChainOptions;
use crate::data::Diagnostics;
use crate::stats::bootstrap::Interval;
use crate::stats::correlation::CorrelationMatrix;
use crate::stats::RegressionResult;

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
    /// Total indirect / total effect, when it means something: the total effect is
    /// significant (its bootstrap interval excludes 0, or without resamples its regression
    /// p-value is below alpha) and the indirect part lies between 0 and the whole (same sign;
    /// with the direct effect of the opposite sign — inconsistent mediation — it would exceed
    /// 1 and mislead). `None` otherwise, with the reason in `proportion_mediated_note`.
    pub proportion_mediated: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proportion_mediated_note: Option<String>,
    /// Groups resampled by the hash-block bootstrap (absent: customers were resampled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resampled_groups: Option<usize>,
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
