//! Themes linked to segments and scores: each theme's prevalence per segment (Wilson
//! intervals, Pearson's χ² test of equal prevalence across segments), and its impact on
//! each rating: OLS of the rating on the theme indicators and the comment's sentiment, per
//! segment, with HC3 standard errors (the `regress` engine), and each theme's Shapley share
//! of R² (the drivers' decomposition, Lindeman, Merenda & Gold 1980).

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use super::process::Processed;
use crate::analysis::regress::{fit_one, RegressOptions};
use crate::error::Result;
use crate::stats::bootstrap::BootData;
use crate::stats::importance::{shapley, subset_r2, MAX_DRIVERS};
use crate::stats::regression::{chi2_sf, Test};
use crate::stats::CovType;

/// A theme's prevalence in one segment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Prevalence {
    pub segment: String,
    /// Analysed comments in the segment, and those that mention the theme.
    pub comments: usize,
    pub mentions: usize,
    /// Share of the comments, in percent, with its Wilson interval.
    pub pct: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// Prevalence of theme `t` in each segment (`segments[0]` is `all`; `seg[i]` the row's
/// segment index, None for `all` only), with the χ² test across the segments proper.
pub fn prevalence(
    rows: &[Processed],
    seg: &[Option<usize>],
    segments: &[String],
    t: usize,
    confidence: f64,
) -> (Vec<Prevalence>, Option<Test>) {
    let z = Normal::standard().inverse_cdf(0.5 + confidence / 2.0);
    let k = segments.len();
    let (mut n, mut m) = (vec![0usize; k], vec![0usize; k]);
    for (p, s) in rows.iter().zip(seg) {
        if p.excluded.is_some() {
            continue;
        }
        let hit = usize::from(p.themes >> t & 1 == 1);
        n[0] += 1;
        m[0] += hit;
        if let Some(s) = s {
            n[s + 1] += 1;
            m[s + 1] += hit;
        }
    }
    let out = (0..k)
        .map(|g| {
            let (lo, hi) = if n[g] > 0 {
                crate::analysis::metrics::wilson(m[g] as f64, n[g] as f64, z)
            } else {
                (f64::NAN, f64::NAN)
            };
            Prevalence {
                segment: segments[g].clone(),
                comments: n[g],
                mentions: m[g],
                pct: if n[g] > 0 {
                    100.0 * m[g] as f64 / n[g] as f64
                } else {
                    f64::NAN
                },
                ci_low: lo,
                ci_high: hi,
            }
        })
        .collect();
    (out, chi_square(&n[1..], &m[1..]))
}

/// Pearson's χ² test of homogeneity of a 2 × g table (mentions / not, by segment): df
/// g − 1. None with fewer than two segments with comments or no variation at all.
fn chi_square(n: &[usize], m: &[usize]) -> Option<Test> {
    let used: Vec<(f64, f64)> = n
        .iter()
        .zip(m)
        .filter(|(n, _)| **n > 0)
        .map(|(n, m)| (*n as f64, *m as f64))
        .collect();
    let total: f64 = used.iter().map(|u| u.0).sum();
    let hits: f64 = used.iter().map(|u| u.1).sum();
    if used.len() < 2 || hits == 0.0 || hits == total {
        return None;
    }
    let p = hits / total;
    let x2: f64 = used
        .iter()
        .map(|(n, m)| {
            let (e1, e0) = (n * p, n * (1.0 - p));
            (m - e1).powi(2) / e1 + (n - m - e0).powi(2) / e0
        })
        .sum();
    let df = (used.len() - 1) as f64;
    Some(Test {
        statistic: x2,
        df,
        p_value: chi2_sf(x2, df),
    })
}

/// One theme's (or sentiment's) effect on a rating.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Effect {
    pub theme: String,
    /// Comments mentioning it in the regression's rows.
    pub mentions: usize,
    /// Points of the rating, HC3 standard error, interval and p-value.
    pub estimate: f64,
    pub std_error: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub p_value: f64,
    /// Shapley share of R² and its percent of R² (None beyond 15 predictors).
    pub shapley: Option<f64>,
    pub shapley_pct: Option<f64>,
}

/// The regression of one rating on the themes in one segment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Impact {
    pub rating: String,
    pub segment: String,
    pub n: usize,
    pub r_squared: f64,
    /// Mean rating of comments with no theme and neutral sentiment (the intercept).
    pub intercept: f64,
    pub se_type: String,
    pub effects: Vec<Effect>,
    /// Themes left out of this segment's regression (no comment in it mentions them, or
    /// every one does).
    pub left_out: Vec<String>,
    /// The segment's row count was too small, or the design singular: why, instead.
    pub not_fitted: Option<String>,
}

/// Fit rating `name` (values per row, NaN where missing) on the themes and sentiment, in
/// the rows `rows` (analysed comments of one segment).
#[allow(clippy::too_many_arguments)]
pub fn impact(
    name: &str,
    values: &[f64],
    processed: &[Processed],
    rows: &[usize],
    themes: &[String],
    segment: &str,
    confidence: f64,
) -> Result<Impact> {
    let rows: Vec<usize> = rows
        .iter()
        .copied()
        .filter(|&i| values[i].is_finite())
        .collect();
    let mut out = Impact {
        rating: name.to_string(),
        segment: segment.to_string(),
        n: rows.len(),
        r_squared: f64::NAN,
        intercept: f64::NAN,
        se_type: CovType::HC3.label().to_string(),
        effects: vec![],
        left_out: vec![],
        not_fitted: None,
    };
    let mut used = Vec::new();
    for (t, theme) in themes.iter().enumerate() {
        let m = rows
            .iter()
            .filter(|&&i| processed[i].themes >> t & 1 == 1)
            .count();
        if m == 0 || m == rows.len() {
            out.left_out.push(theme.clone());
        } else {
            used.push((t, m));
        }
    }
    // At least 10 residual degrees of freedom: with fewer, HC3's leverage corrections
    // are undefined for the rows that determine a coefficient alone.
    if rows.len() < used.len() + 12 {
        out.not_fitted = Some(format!(
            "{} comments with a '{name}' rating: too few for {} themes and sentiment (at least {} are needed)",
            rows.len(),
            used.len(),
            used.len() + 12
        ));
        return Ok(out);
    }
    let y: Vec<f64> = rows.iter().map(|&i| values[i]).collect();
    let sent: Vec<f64> = rows
        .iter()
        .map(|&i| processed[i].sentiment.unwrap_or(0.0))
        .collect();
    let mut cols = vec![Column::new("y".into(), &y)];
    let mut terms = Vec::new();
    for (j, (t, _)) in used.iter().enumerate() {
        let x: Vec<f64> = rows
            .iter()
            .map(|&i| f64::from(processed[i].themes >> t & 1 == 1))
            .collect();
        cols.push(Column::new(format!("t{j}").into(), x));
        terms.push(format!("t{j}"));
    }
    // Without a lexicon word in any comment (or the same score in all), sentiment is a
    // constant: left out, as a theme nobody mentions.
    if sent.iter().any(|s| *s != sent[0]) {
        cols.push(Column::new("sentiment".into(), &sent));
        terms.push("sentiment".into());
    } else {
        out.left_out.push("sentiment".into());
    }
    if terms.is_empty() {
        out.not_fitted = Some(format!(
            "no theme is mentioned by some but not all of the {} comments with a '{name}' rating, and their sentiment does not vary: nothing to compare",
            rows.len()
        ));
        return Ok(out);
    }
    let df = DataFrame::new_infer_height(cols)?;
    let opts = RegressOptions {
        formula: format!("y ~ {}", terms.join(" + ")),
        by: None,
        se: CovType::HC3,
        confidence,
        id: None,
    };
    let fit = match fit_one(&df, "comments", &opts, segment) {
        Ok(f) => f,
        Err(e) => {
            out.not_fitted = Some(e.to_string());
            return Ok(out);
        }
    };
    out.r_squared = fit.r_squared;
    out.intercept = fit.term("Intercept").map_or(f64::NAN, |t| t.estimate);
    let shap = shapley_shares(&df, terms.len());
    for (j, term) in terms.iter().enumerate() {
        let Some(r) = fit.term(term) else { continue };
        let (theme, mentions) = match used.get(j) {
            Some((t, m)) => (themes[*t].clone(), *m),
            None => (
                "sentiment".to_string(),
                sent.iter().filter(|s| **s != 0.0).count(),
            ),
        };
        out.effects.push(Effect {
            theme,
            mentions,
            estimate: r.estimate,
            std_error: r.std_error,
            ci_low: r.ci_low,
            ci_high: r.ci_high,
            p_value: r.p_value,
            shapley: shap.as_ref().map(|s| s[j]),
            shapley_pct: shap
                .as_ref()
                .map(|s| 100.0 * s[j] / fit.r_squared.max(f64::MIN_POSITIVE)),
        });
    }
    Ok(out)
}

/// Shapley shares of R² of the `p` predictors (columns 1..=p of `df`, outcome column 0).
fn shapley_shares(df: &DataFrame, p: usize) -> Option<Vec<f64>> {
    if p > MAX_DRIVERS {
        return None;
    }
    let cols: Vec<Vec<f64>> = df
        .columns()
        .iter()
        .map(|c| {
            c.f64()
                .map(|s| s.into_no_null_iter().collect())
                .unwrap_or_default()
        })
        .collect();
    // Order (predictors..., outcome) as the decomposition expects.
    let order: Vec<&[f64]> = (1..=p).chain([0]).map(|j| cols[j].as_slice()).collect();
    let corr = BootData::new(&order).ok()?.full().correlation();
    let r2 = subset_r2(&corr).ok()?;
    let s = shapley(&r2);
    s.iter().all(|v| v.is_finite()).then_some(s)
}
