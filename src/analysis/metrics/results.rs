//! What a metrics run returns: plain serde structs, rendered by `report`.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A rating scale [low, high].
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Scale {
    pub low: f64,
    pub high: f64,
}

impl Scale {
    /// Parse `1-5`, `1-10`, `0-10`...
    pub fn parse(s: &str) -> Result<Self> {
        let bad = || Error::Usage(format!("scale '{s}' must look like 1-5 or 1-10"));
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let (low, high) = (
            a.trim().parse::<f64>().map_err(|_| bad())?,
            b.trim().parse::<f64>().map_err(|_| bad())?,
        );
        if low >= high {
            return Err(bad());
        }
        Ok(Scale { low, high })
    }
}

/// Options of a metrics run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricsOptions {
    pub csat: Option<(String, Scale)>,
    pub nps: Option<String>,
    pub ces: Option<(String, Scale)>,
    /// Attribute columns with weights (normalized to sum to 1) and their common scale.
    pub csi: Option<(Vec<(String, f64)>, Scale)>,
    pub retained: Option<String>,
    pub by: Option<String>,
    /// With an id column, roll respondents up to customers (mean per customer) first.
    pub rollup_id: Option<String>,
    pub confidence: f64,
    /// Metrics (`csat`, `ces`) whose scale was not declared but defaulted (1-5, 1-7):
    /// a value outside it then says so and how to declare the scale.
    #[serde(default)]
    pub defaulted_scales: Vec<String>,
}

/// CSAT of a group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Csat {
    pub n: usize,
    pub mean: f64,
    /// % of responses in the top two scale points.
    pub top2box: f64,
    /// Standard error of the mean, sd/√n.
    pub se: f64,
    /// CI of the mean (t).
    pub ci_low: f64,
    pub ci_high: f64,
    /// CI of the top-2-box % (Wilson score interval).
    pub top2box_ci_low: f64,
    pub top2box_ci_high: f64,
}

/// NPS of a group (all on the 0–100 / −100–100 scale).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Nps {
    pub n: usize,
    pub score: f64,
    pub promoters: f64,
    pub passives: f64,
    pub detractors: f64,
    /// √((p + d − (p − d)²)/n)·100, the multinomial standard error; rolled up to
    /// customers, the SD of the customers' scores / √n.
    pub se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// CES of a group: mean effort and the distribution over scale points.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Ces {
    pub n: usize,
    pub mean: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// (scale point, % of responses).
    pub distribution: Vec<(f64, f64)>,
    pub note: String,
}

/// A 0–100 index (CSI) or a rate (retention) with its CI.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Index {
    pub n: usize,
    pub value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// Metrics of one group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GroupMetrics {
    pub group: String,
    /// Responses (or customers, when rolled up) in the group.
    pub n: usize,
    pub csat: Option<Csat>,
    pub nps: Option<Nps>,
    pub ces: Option<Ces>,
    pub csi: Option<Index>,
    pub retention: Option<Index>,
}

/// Test of a difference between two groups.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GroupTest {
    pub metric: String,
    pub group_a: String,
    pub group_b: String,
    pub difference: f64,
    pub z: f64,
    pub p_value: f64,
}

/// The `metrics` output.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricsOutput {
    /// `respondents` or `customers`.
    pub unit: String,
    pub csi_weights: Vec<(String, f64)>,
    pub groups: Vec<GroupMetrics>,
    pub tests: Vec<GroupTest>,
    /// Groups or metrics left out, and why.
    pub notes: Vec<String>,
    /// Retention between two waves of customer ids (`--next-wave`).
    pub wave_retention: Option<Index>,
    /// What was read and what the input audit found.
    #[serde(default)]
    pub diagnostics: crate::data::Diagnostics,
}
