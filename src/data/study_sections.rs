//! The study file's optional analysis sections: `[clv]` (a transaction log becomes customer
//! lifetime value), `[retention]` (contractual customers' subscriptions become the sBG
//! retention model) and `[csi]` (a satisfaction-index model on the survey table).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// How a transaction table becomes customer lifetime value (`[clv]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClvSpec {
    /// Last day of the calibration period, `YYYY-MM-DD`.
    pub calibration_end: String,
    /// Last day of the holdout, to check the predictions.
    #[serde(default)]
    pub observation_end: Option<String>,
    /// `day`, `week` (default), `month` or `year`.
    #[serde(default = "week")]
    pub time_unit: String,
    /// `bgnbd` (default), `mbgnbd`, `pnbd` or `bgbb`.
    #[serde(default = "bgnbd")]
    pub model: String,
    /// Horizon in time units (default 52).
    #[serde(default = "horizon")]
    pub horizon: f64,
    /// Yearly discount rate (default 0.1).
    #[serde(default = "discount")]
    pub discount: f64,
    /// Margin as a share of spend (default 1: CLV in revenue). Ignored with
    /// `margin_from_profit`.
    #[serde(default = "unit_margin")]
    pub margin: f64,
    /// Each customer's margin is their profit / revenue from the customer table.
    #[serde(default)]
    pub margin_from_profit: bool,
    /// What a negative amount means: `net` (default), `drop` or `keep` (see
    /// `data::returns`).
    #[serde(default = "net")]
    pub returns: String,
    /// Accept a calibration or observation end more than one time unit after the log's
    /// last transaction.
    #[serde(default)]
    pub allow_end_after_data: bool,
    /// Customer-table columns (e.g. the satisfaction role's column, an index, 0/1 flags)
    /// whose effects on purchasing and dropout are estimated (Fader & Hardie 2007).
    #[serde(default)]
    pub covariates: Vec<String>,
    /// Covariates acting on purchasing only.
    #[serde(default)]
    pub covariates_purchase: Vec<String>,
    /// Covariates acting on dropout only.
    #[serde(default)]
    pub covariates_dropout: Vec<String>,
    /// Pareto/NBD: covariates with one effect on purchase and dropout rates alike.
    #[serde(default)]
    pub covariates_equal: Vec<String>,
    /// Covariates on the Gamma-Gamma's spend scale (mean spend per transaction).
    #[serde(default)]
    pub covariates_spend: Vec<String>,
}

/// Contractual retention from a subscription table (`[retention]`): the sBG for all
/// customers and per segment of the study's rule, with covariates from the built customer
/// table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSection {
    /// The subscription table (one row per customer), relative to the study file.
    pub path: PathBuf,
    /// Its customer id column (default: the study's id role).
    #[serde(default)]
    pub id: Option<String>,
    /// Start date column.
    pub start: String,
    /// End date column (blank while active).
    pub end: String,
    /// chrono format of text dates, e.g. %d/%m/%Y.
    #[serde(default)]
    pub date_format: Option<String>,
    /// Observation date, `YYYY-MM-DD` (default: the latest start or end).
    #[serde(default)]
    pub as_of: Option<String>,
    /// `day`, `week`, `month` (default) or `year`.
    #[serde(default = "month")]
    pub time_unit: String,
    /// Yearly discount rate (default 0.1).
    #[serde(default = "discount")]
    pub discount: f64,
    /// Margin per customer per period (default 1: DEL and DERL in periods).
    #[serde(default = "unit_margin")]
    pub margin: f64,
    /// Periods projected from acquisition (default: the observed ones plus five).
    #[serde(default)]
    pub horizon: Option<usize>,
    /// Fit on periods 1..K only; later periods check the projection.
    #[serde(default)]
    pub fit_periods: Option<usize>,
    /// Customer-table columns (e.g. the satisfaction role's column) whose effects on churn
    /// are estimated (the individual-level sBG).
    #[serde(default)]
    pub covariates: Vec<String>,
}

/// A satisfaction-index model on a survey table (`[csi]`): its construct indices (0–100)
/// are added to that table as `<Construct>_index` columns, so `roles.satisfaction` can
/// name one (e.g. "Satisfaction_index").
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsiSpec {
    /// Model file (TOML; see `profitchain csi --help`), relative to the study file.
    pub model: PathBuf,
    /// The survey table (default: the respondent-level table).
    #[serde(default)]
    pub table: Option<String>,
    /// Bootstrap resamples for the CSI section of `report` (default 1,000).
    #[serde(default = "thousand")]
    pub bootstrap: usize,
    /// `path` (default), `centroid` or `factorial`.
    #[serde(default = "path_scheme")]
    pub scheme: String,
    /// Consistent PLS (PLSc).
    #[serde(default)]
    pub consistent: bool,
    /// Item scale [low, high] for the indices (default: the model file's, else the
    /// observed range).
    #[serde(default)]
    pub scale: Option<[f64; 2]>,
}

/// Return-on-satisfaction scenarios (`[invest]`, `[[invest.scenario]]`): what raising
/// satisfaction is worth over a horizon, against a programme's cost.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvestSpec {
    /// Years the annual gain is valued over (default 1).
    #[serde(default)]
    pub horizon: Option<u32>,
    /// Discount rate per year (default 0).
    #[serde(default)]
    pub discount: Option<f64>,
    /// Retention rate per year (default 1), or "clv": each customer's from the study's
    /// purchase model.
    #[serde(default)]
    pub retention: Option<RetentionSpec>,
    #[serde(default, rename = "scenario")]
    pub scenarios: Vec<ScenarioSpec>,
}

/// `retention` in `[invest]`: a yearly rate, or "clv".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RetentionSpec {
    Rate(f64),
    Source(String),
}

/// One scenario: exactly one of `add`, `to`, `gap`; optionally a `segment` and a `rule`;
/// the programme's costs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    pub name: String,
    /// Satisfaction points gained by every customer reached.
    #[serde(default)]
    pub add: Option<f64>,
    /// Raise the customers below this satisfaction to it.
    #[serde(default)]
    pub to: Option<f64>,
    /// Close this share (0–1) of each customer's distance to the top of the scale.
    #[serde(default)]
    pub gap: Option<f64>,
    #[serde(default)]
    pub segment: Option<String>,
    /// Customers selected by a rule, e.g. "satisfaction < 6 and tenure_years > 5".
    #[serde(default)]
    pub rule: Option<String>,
    /// The change applies to this attribute rating (one of `roles.attributes`), and
    /// satisfaction moves through the key-driver regression.
    #[serde(default)]
    pub driver: Option<String>,
    #[serde(default)]
    pub fixed_cost: f64,
    #[serde(default)]
    pub cost_per_customer: f64,
    #[serde(default)]
    pub cost_per_point: f64,
}

fn thousand() -> usize {
    1000
}
fn path_scheme() -> String {
    "path".into()
}

fn net() -> String {
    "net".into()
}
fn month() -> String {
    "month".into()
}
fn week() -> String {
    "week".into()
}
fn bgnbd() -> String {
    "bgnbd".into()
}
fn horizon() -> f64 {
    52.0
}
fn discount() -> f64 {
    0.1
}
fn unit_margin() -> f64 {
    1.0
}

/// Open-ended comments on the survey table (`[feedback]`, `profitchain feedback`):
/// themes from a codebook, linked to the ratings and, through the chain, to profit.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackSpec {
    /// The comment column of the respondent-level table.
    pub comment: String,
    /// The codebook (TOML), relative to the study file; default: the starter codebook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codebook: Option<PathBuf>,
    /// Ratings the themes are linked to (default: the satisfaction role, then the
    /// recommend and effort roles when the study has them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ratings: Vec<String>,
    /// Extra words for the Chinese segmenter (a jieba user dictionary), relative to the
    /// study file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_dictionary: Option<PathBuf>,
    /// Example comments per theme and segment (default 2; 0 for none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub examples: Option<usize>,
    /// Mask digits and e-mail addresses in the examples.
    #[serde(default)]
    pub mask: bool,
}
