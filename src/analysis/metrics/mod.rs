//! Satisfaction metrics: CSAT (mean, top-2-box), NPS (with multinomial standard error and
//! tests between groups), CES, a weighted satisfaction index (CSI) and retention, overall
//! or per group, on respondents or rolled up to customers first. Aggregation is in polars.

use polars::prelude::*;
use statrs::distribution::{ContinuousCDF, Normal};

use crate::analysis::regress::group_values;
use crate::data::load;
use crate::error::{Error, Result};
use crate::stats::correlation::normal_two_sided;
use crate::stats::regression::t_quantile;

pub use results::*;
pub use retention::wave_retention;

mod counts;
mod results;
mod retention;

pub use counts::{check as counts_check, from_counts, stream, Counts};

/// Error naming the first value outside `[lo, hi]` (or not whole when `integer`).
fn check_range(
    df: &DataFrame,
    file: &str,
    c: &str,
    lo: f64,
    hi: f64,
    integer: bool,
    what: &str,
) -> Result<()> {
    let mut bad = col(c).lt(lit(lo)).or(col(c).gt(lit(hi)));
    if integer {
        bad = bad.or(col(c).neq(col(c).cast(DataType::Int64).cast(DataType::Float64)));
    }
    let hit = df
        .clone()
        .lazy()
        .with_row_index("__row", None)
        .filter(col(c).is_not_null().and(bad))
        .select([col("__row"), col(c)])
        .limit(1)
        .collect()?;
    if hit.height() > 0 {
        let row = hit.column("__row")?.get(0)?.extract::<u64>().unwrap_or(0) as usize;
        let v = hit.column(c)?.get(0)?.extract::<f64>().unwrap_or(f64::NAN);
        return Err(Error::Usage(format!(
            "{file}: column '{c}' holds {v} at row {} (line {} of the file), outside the {what}",
            row + 1,
            row + 2
        )));
    }
    Ok(())
}

/// "declared CSAT scale 1-10", or for a defaulted scale "default CSAT scale 1-5 (no scale
/// was declared: give --csat-scale LOW-HIGH, e.g. --csat-scale 1-10)".
fn scale_words(metric: &str, flag: &str, s: &Scale, opts: &MetricsOptions) -> String {
    if opts
        .defaulted_scales
        .iter()
        .any(|m| m.eq_ignore_ascii_case(metric))
    {
        format!(
            "default {metric} scale {}-{} (no scale was declared: give {flag} LOW-HIGH, e.g. {flag} 1-10)",
            s.low, s.high
        )
    } else {
        format!("declared {metric} scale {}-{}", s.low, s.high)
    }
}

/// Wilson score interval of k successes in n, in percent (Wilson 1927).
pub(crate) fn wilson(k: f64, n: f64, z: f64) -> (f64, f64) {
    let p = k / n;
    let d = 1.0 + z * z / n;
    let c = (p + z * z / (2.0 * n)) / d;
    let h = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / d;
    (100.0 * (c - h), 100.0 * (c + h))
}

fn get_f64(df: &DataFrame, c: &str, i: usize) -> f64 {
    df.column(c)
        .ok()
        .and_then(|s| s.get(i).ok())
        .and_then(|v| v.extract::<f64>())
        .unwrap_or(f64::NAN)
}

/// Compute the metrics of `df` (named `file` in errors).
pub fn run(df: &DataFrame, file: &str, opts: &MetricsOptions) -> Result<MetricsOutput> {
    let z = Normal::new(0.0, 1.0)
        .map(|d| d.inverse_cdf(0.5 + opts.confidence / 2.0))
        .map_err(|e| Error::Internal(e.to_string()))?;
    let mut df = df.clone();
    let mut numeric: Vec<String> = Vec::new();
    numeric.extend(opts.csat.iter().map(|c| c.0.clone()));
    numeric.extend(opts.nps.iter().cloned());
    numeric.extend(opts.ces.iter().map(|c| c.0.clone()));
    if let Some((attrs, _)) = &opts.csi {
        numeric.extend(attrs.iter().map(|a| a.0.clone()));
    }
    numeric.extend(opts.retained.iter().cloned());
    if numeric.is_empty() {
        return Err(Error::Usage(
            "name at least one metric: --csat, --nps, --ces, --csi or --retained".into(),
        ));
    }
    for c in &numeric {
        df = load::require_numeric(df, file, c, &Default::default())?;
    }
    if let Some((c, s)) = &opts.csat {
        check_range(
            &df,
            file,
            c,
            s.low,
            s.high,
            false,
            &scale_words("CSAT", "--csat-scale", s, opts),
        )?;
    }
    if let Some(c) = &opts.nps {
        check_range(
            &df,
            file,
            c,
            0.0,
            10.0,
            true,
            "0-10 scale of a likelihood-to-recommend item (whole numbers)",
        )?;
    }
    if let Some((c, s)) = &opts.ces {
        check_range(
            &df,
            file,
            c,
            s.low,
            s.high,
            false,
            &scale_words("CES", "--ces-scale", s, opts),
        )?;
    }
    if let Some((attrs, s)) = &opts.csi {
        for (a, _) in attrs {
            check_range(
                &df,
                file,
                a,
                s.low,
                s.high,
                false,
                &format!("declared CSI attribute scale {}-{}", s.low, s.high),
            )?;
        }
    }
    if let Some(c) = &opts.retained {
        check_range(
            &df,
            file,
            c,
            0.0,
            1.0,
            true,
            "0/1 coding of a retained flag",
        )?;
    }
    let group_expr = match &opts.by {
        Some(by) => {
            load::require_column(&df, file, by)?;
            // A column with many values (a measure, an id) is refused here, naming it.
            group_values(&df, by)?;
            col(by.as_str()).cast(DataType::String)
        }
        None => lit("all"),
    };
    let mut lf = df.clone().lazy().with_column(group_expr.alias("__group"));
    let mut unit = "respondents".to_string();
    let mut notes = Vec::new();
    let rolled_up = opts.rollup_id.is_some();
    if let Some(id) = &opts.rollup_id {
        load::require_column(&df, file, id)?;
        // Mean per customer first; the customer's group is its first response's group.
        let mut aggs: Vec<Expr> = numeric
            .iter()
            .map(|c| col(c.as_str()).mean().alias(c.as_str()))
            .chain([col("__group").first().alias("__group")])
            .collect();
        // Account-level NPS: classify each respondent first, then each customer's score is
        // its % promoters − % detractors; customers are weighted equally.
        if let Some(c) = &opts.nps {
            let valid = col(c.as_str()).is_not_null();
            aggs.push(
                col(c.as_str())
                    .gt_eq(lit(9.0))
                    .cast(DataType::Float64)
                    .filter(valid.clone())
                    .mean()
                    .alias("__nps_p"),
            );
            aggs.push(
                col(c.as_str())
                    .lt(lit(7.0))
                    .cast(DataType::Float64)
                    .filter(valid)
                    .mean()
                    .alias("__nps_d"),
            );
            notes.push(format!(
                "NPS per customer: each respondent is classified (promoter 9–10, detractor 0–6); a customer's score is its % promoters − % detractors; customers count equally (SE = SD of customer scores / √n). Mean '{c}' per customer is not used for NPS."
            ));
        }
        lf = lf.group_by([col(id.as_str())]).agg(aggs);
        if opts.nps.is_some() {
            lf = lf
                .with_column(((col("__nps_p") - col("__nps_d")) * lit(100.0)).alias("__nps_score"));
        }
        unit = "customers".into();
    }
    // CSI per response: Σ wᵢ·(xᵢ − low)/(high − low)·100 over the attributes.
    let mut csi_weights = Vec::new();
    if let Some((attrs, s)) = &opts.csi {
        let total: f64 = attrs.iter().map(|a| a.1).sum();
        if total.is_nan() || total <= 0.0 || attrs.iter().any(|a| a.1 < 0.0) {
            return Err(Error::Usage(
                "CSI weights must be non-negative with a positive sum".into(),
            ));
        }
        let mut e = lit(0.0);
        for (a, w) in attrs {
            csi_weights.push((a.clone(), w / total));
            e = e + lit(w / total) * (col(a.as_str()) - lit(s.low)) / lit(s.high - s.low)
                * lit(100.0);
        }
        lf = lf.with_column(e.alias("__csi"));
    }
    let mut aggs = vec![len().alias("__n")];
    let stats = |c: &str, tag: &str| -> Vec<Expr> {
        vec![
            col(c)
                .count()
                .cast(DataType::Float64)
                .alias(format!("{tag}_n")),
            col(c).mean().alias(format!("{tag}_mean")),
            col(c).std(1).alias(format!("{tag}_sd")),
        ]
    };
    if let Some((c, s)) = &opts.csat {
        aggs.extend(stats(c, "csat"));
        aggs.push(
            col(c.as_str())
                .gt_eq(lit(s.high - 1.0))
                .cast(DataType::Float64)
                .sum()
                .alias("csat_top2"),
        );
    }
    if opts.nps.is_some() && rolled_up {
        aggs.push(
            col("__nps_score")
                .count()
                .cast(DataType::Float64)
                .alias("nps_n"),
        );
        aggs.push(col("__nps_p").sum().alias("nps_p"));
        aggs.push(col("__nps_d").sum().alias("nps_d"));
        aggs.push(col("__nps_score").std(1).alias("nps_sd"));
    } else if let Some(c) = &opts.nps {
        aggs.push(
            col(c.as_str())
                .count()
                .cast(DataType::Float64)
                .alias("nps_n"),
        );
        aggs.push(
            col(c.as_str())
                .gt_eq(lit(9.0))
                .cast(DataType::Float64)
                .sum()
                .alias("nps_p"),
        );
        aggs.push(
            col(c.as_str())
                .lt(lit(7.0))
                .cast(DataType::Float64)
                .sum()
                .alias("nps_d"),
        );
    }
    if let Some((c, _)) = &opts.ces {
        aggs.extend(stats(c, "ces"));
    }
    if opts.csi.is_some() {
        aggs.extend(stats("__csi", "csi"));
    }
    if let Some(c) = &opts.retained {
        aggs.extend(stats(c, "ret"));
    }
    let lf = lf.collect()?.lazy();
    let agg = lf
        .clone()
        .group_by([col("__group")])
        .agg(aggs)
        .sort(["__group"], Default::default())
        .collect()?;
    let ces_dist = match &opts.ces {
        Some((c, _)) => Some(
            lf.clone()
                .filter(col(c.as_str()).is_not_null())
                .group_by([col("__group"), col(c.as_str()).alias("__v")])
                .agg([len().alias("__k")])
                .sort(["__group", "__v"], Default::default())
                .collect()?,
        ),
        None => None,
    };
    summarize(
        &agg,
        ces_dist.as_ref(),
        opts,
        Summarized {
            z,
            rolled_up,
            unit,
            notes,
            csi_weights,
        },
    )
}

/// What [`summarize`] takes besides the aggregates.
pub(crate) struct Summarized {
    pub z: f64,
    pub rolled_up: bool,
    pub unit: String,
    pub notes: Vec<String>,
    pub csi_weights: Vec<(String, f64)>,
}

/// The metrics of each group from its aggregates (`agg`: one row per `__group` with
/// `__n`, `{tag}_n`, `{tag}_mean`, `{tag}_sd`, `csat_top2`, `nps_n`, `nps_p`, `nps_d`,
/// `nps_sd`) and the CES distribution (`__group`, `__v`, `__k`), and the tests between
/// groups.
pub(crate) fn summarize(
    agg: &DataFrame,
    ces_dist: Option<&DataFrame>,
    opts: &MetricsOptions,
    with: Summarized,
) -> Result<MetricsOutput> {
    let Summarized {
        z,
        rolled_up,
        unit,
        mut notes,
        csi_weights,
    } = with;
    let groups_sorted = group_values(agg, "__group")?;
    let mut groups = Vec::new();
    for (i, g) in groups_sorted.iter().enumerate() {
        let f = |c: &str| get_f64(agg, c, i);
        let n = f("__n") as usize;
        let mean_ci = |tag: &str| -> Option<(usize, f64, f64, f64)> {
            let k = f(&format!("{tag}_n"));
            if k.is_nan() || k < 1.0 {
                return None;
            }
            let m = f(&format!("{tag}_mean"));
            let sd = f(&format!("{tag}_sd"));
            let h = if k >= 2.0 {
                t_quantile(0.5 + opts.confidence / 2.0, k - 1.0) * sd / k.sqrt()
            } else {
                f64::NAN
            };
            Some((k as usize, m, m - h, m + h))
        };
        let missing = |what: &str, notes: &mut Vec<String>| {
            notes.push(format!("group '{g}': no {what} responses; {what} left out"))
        };
        let csat = match &opts.csat {
            Some(_) => match mean_ci("csat") {
                Some((k, m, lo, hi)) => {
                    let (wl, wh) = wilson(f("csat_top2"), k as f64, z);
                    Some(Csat {
                        n: k,
                        mean: m,
                        se: f("csat_sd") / (k as f64).sqrt(),
                        top2box: 100.0 * f("csat_top2") / k as f64,
                        ci_low: lo,
                        ci_high: hi,
                        top2box_ci_low: wl,
                        top2box_ci_high: wh,
                    })
                }
                None => {
                    missing("CSAT", &mut notes);
                    None
                }
            },
            None => None,
        };
        let nps = match &opts.nps {
            Some(_) if f("nps_n") >= 1.0 => {
                let k = f("nps_n");
                let (p, d) = (f("nps_p") / k, f("nps_d") / k);
                let score = 100.0 * (p - d);
                let se = if rolled_up {
                    f("nps_sd") / k.sqrt()
                } else {
                    100.0 * ((p + d - (p - d).powi(2)) / k).sqrt()
                };
                Some(Nps {
                    n: k as usize,
                    score,
                    promoters: 100.0 * p,
                    passives: 100.0 * (1.0 - p - d),
                    detractors: 100.0 * d,
                    se,
                    ci_low: score - z * se,
                    ci_high: score + z * se,
                })
            }
            Some(_) => {
                missing("NPS", &mut notes);
                None
            }
            None => None,
        };
        let ces = match &opts.ces {
            Some(_) => match mean_ci("ces") {
                Some((k, m, lo, hi)) => {
                    let dist = ces_dist.map(|d| {
                        let sub = d
                            .clone()
                            .lazy()
                            .filter(col("__group").eq(lit(g.as_str())))
                            .collect()
                            .unwrap_or_default();
                        (0..sub.height())
                            .map(|j| {
                                (
                                    get_f64(&sub, "__v", j),
                                    100.0 * get_f64(&sub, "__k", j) / k as f64,
                                )
                            })
                            .collect()
                    });
                    Some(Ces {
                        n: k,
                        mean: m,
                        ci_low: lo,
                        ci_high: hi,
                        distribution: dist.unwrap_or_default(),
                        note: "lower effort is better".into(),
                    })
                }
                None => {
                    missing("CES", &mut notes);
                    None
                }
            },
            None => None,
        };
        let index = |tag: &str, scale: f64| {
            mean_ci(tag).map(|(k, m, lo, hi)| Index {
                n: k,
                value: m * scale,
                ci_low: lo * scale,
                ci_high: hi * scale,
            })
        };
        let csi = opts.csi.as_ref().and_then(|_| index("csi", 1.0));
        let retention = opts.retained.as_ref().and_then(|_| index("ret", 100.0));
        groups.push(GroupMetrics {
            group: g.clone(),
            n,
            csat,
            nps,
            ces,
            csi,
            retention,
        });
    }
    // Pairwise tests between groups (two-sample z on the metric's standard errors).
    let mut tests = Vec::new();
    for a in 0..groups.len() {
        for b in (a + 1)..groups.len() {
            let (ga, gb) = (&groups[a], &groups[b]);
            let mut push = |metric: &str, va: f64, sa: f64, vb: f64, sb: f64| {
                let zz = (va - vb) / (sa * sa + sb * sb).sqrt();
                tests.push(GroupTest {
                    metric: metric.into(),
                    group_a: ga.group.clone(),
                    group_b: gb.group.clone(),
                    difference: va - vb,
                    z: zz,
                    p_value: normal_two_sided(zz),
                });
            };
            if let (Some(x), Some(y)) = (&ga.nps, &gb.nps) {
                push("nps", x.score, x.se, y.score, y.se);
            }
            if let (Some(x), Some(y)) = (&ga.csat, &gb.csat) {
                push("csat_mean", x.mean, x.se, y.mean, y.se);
            }
        }
    }
    Ok(MetricsOutput {
        unit,
        csi_weights,
        groups,
        tests,
        notes,
        wave_retention: None,
        diagnostics: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_wave_retention() {
        let w1 =
            DataFrame::new_infer_height(vec![Column::new("id".into(), ["a", "b", "c", "d", "d"])])
                .unwrap();
        let w2 =
            DataFrame::new_infer_height(vec![Column::new("id".into(), ["b", "d", "e"])]).unwrap();
        let r = wave_retention(&w1, &w2, "id", 0.95).unwrap();
        // 4 distinct wave-1 customers, 2 of them (b, d) seen again.
        assert_eq!(r.n, 4);
        assert!((r.value - 50.0).abs() < 1e-12);
    }

    #[test]
    fn scales_parse() {
        assert_eq!(
            Scale::parse("1-5").unwrap(),
            Scale {
                low: 1.0,
                high: 5.0
            }
        );
        assert!(Scale::parse("5-1").is_err());
        assert!(Scale::parse("ten").is_err());
    }

    #[test]
    fn wilson_by_hand() {
        // k = 8 of n = 10, z = 1.96: centre (0.8 + 0.19208)/1.38416 = 0.7167379,
        // half-width 1.96·√(0.016 + 0.0096040)/1.38416 = 0.2265811 (Wilson 1927).
        let (lo, hi) = wilson(8.0, 10.0, 1.96);
        assert!(
            (lo - 49.015_685).abs() < 1e-5 && (hi - 94.331_905).abs() < 1e-5,
            "{lo} {hi}"
        );
    }
}
