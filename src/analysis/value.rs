//! Customer value: profit distribution (whale curve, deciles), size vs profitability,
//! customer lifetime value and the Wallet Allocation Rule.

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::load;
use crate::error::{Error, Result};
use crate::stats::correlation;
use crate::stats::formula::RowsDropped;

/// Retention for CLV: one rate for everyone, or a per-customer column.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum Retention {
    Rate(f64),
    Column(String),
}

/// Columns and parameters of a value analysis.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ValueOptions {
    pub id: String,
    pub revenue: String,
    /// Profit column, or else `cost` (profit = revenue − cost).
    pub profit: Option<String>,
    pub cost: Option<String>,
    /// Retention for CLV (None: no CLV).
    pub retention: Option<Retention>,
    /// Annual discount rate d for CLV.
    pub discount: f64,
    /// Per-customer margin m for CLV (default: profit).
    pub margin: Option<String>,
    /// Wallet Allocation Rule: (rank of our brand, number of brands used, observed SOW).
    pub war: Option<[String; 3]>,
}

/// A point of the whale curve.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WhalePoint {
    /// Share of customers, most profitable first (0–100).
    pub customer_pct: f64,
    /// Cumulative profit as a share of total profit (0–100 at the end).
    pub profit_pct: f64,
}

/// One decile (1 = top 10%).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Decile {
    pub decile: u32,
    pub customers: u64,
    pub revenue: f64,
    pub profit: f64,
    pub mean_profit: f64,
    /// This decile's profit as % of total profit.
    pub profit_share_pct: f64,
}

/// Customer lifetime value summary.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Clv {
    /// m·r/(1 + d − r), the infinite-horizon CLV with constant margin and retention
    /// (Gupta & Lehmann 2003).
    pub formula: String,
    pub discount: f64,
    pub total: f64,
    pub mean: f64,
    /// Totals for profitable (profit > 0) and unprofitable customers.
    pub profitable_total: f64,
    pub unprofitable_total: f64,
}

/// Wallet Allocation Rule result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct War {
    /// SOW = (1 − rank/(n + 1))·(2/n) (Keiningham et al. 2011).
    pub formula: String,
    pub n: usize,
    pub mean_predicted_sow: f64,
    pub mean_observed_sow: f64,
    /// Pearson correlation of predicted with observed SOW.
    pub correlation: f64,
    pub p_value: f64,
}

/// The `value` output.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ValueResult {
    pub customers: usize,
    pub total_revenue: f64,
    pub total_profit: f64,
    /// % of customers with profit ≤ 0.
    pub unprofitable_share: f64,
    /// Highest point of the whale curve (% of total profit) and where it is reached.
    pub peak_profit_pct: f64,
    /// What the profit percentages are relative to: `total profit`, or — when total profit
    /// is not positive — `profit of the profitable customers`.
    pub profit_base: String,
    pub peak_customer_pct: f64,
    pub whale_curve: Vec<WhalePoint>,
    /// Deciles by profit (1 = most profitable).
    pub deciles: Vec<Decile>,
    /// Deciles by revenue (1 = largest customers): are the biggest the most profitable?
    pub revenue_deciles: Vec<Decile>,
    pub clv: Option<Clv>,
    pub war: Option<War>,
    pub rows_dropped: Vec<RowsDropped>,
    /// What was read and what the input audit found.
    #[serde(default)]
    pub diagnostics: crate::data::Diagnostics,
}

impl ValueOptions {
    /// The columns the analysis reads as numbers.
    pub fn numeric_columns(&self) -> Vec<String> {
        let mut numeric: Vec<String> = vec![self.revenue.clone()];
        numeric.extend(self.profit.iter().cloned());
        numeric.extend(self.cost.iter().cloned());
        numeric.extend(self.margin.iter().cloned());
        if let Some(Retention::Column(c)) = &self.retention {
            numeric.push(c.clone());
        }
        if let Some(w) = &self.war {
            numeric.extend(w.iter().cloned());
        }
        numeric
    }
}

/// Most points a whale curve carries (every customer below this count).
pub const WHALE_POINTS: usize = 1000;

/// Deciles of `by` (descending), with revenue and profit sums, computed in polars.
fn deciles(df: &DataFrame, by: &str, total_profit: f64) -> Result<Vec<Decile>> {
    let n = df.height() as i64;
    let out = df
        .clone()
        .lazy()
        .sort(
            [by],
            SortMultipleOptions::default()
                .with_order_descending(true)
                .with_maintain_order(true),
        )
        .with_row_index("__rank", None)
        .with_column(
            // floor(10·rank/n) + 1; the quotient of integers below 2^53 is exact enough
            // that truncation never crosses a decile boundary.
            ((col("__rank").cast(DataType::Float64) * lit(10.0) / lit(n as f64))
                .cast(DataType::Int64)
                + lit(1i64))
            .alias("decile"),
        )
        .group_by([col("decile")])
        .agg([
            len().alias("customers"),
            col("__revenue").sum().alias("revenue"),
            col("__profit").sum().alias("profit"),
            col("__profit").mean().alias("mean_profit"),
        ])
        .sort(["decile"], Default::default())
        .collect()?;
    let get = |c: &str| load::f64_values(&out, c);
    let (dec, cust, rev, prof, mean) = (
        get("decile")?,
        get("customers")?,
        get("revenue")?,
        get("profit")?,
        get("mean_profit")?,
    );
    Ok((0..out.height())
        .map(|i| Decile {
            decile: dec[i] as u32,
            customers: cust[i] as u64,
            revenue: rev[i],
            profit: prof[i],
            mean_profit: mean[i],
            profit_share_pct: 100.0 * prof[i] / total_profit,
        })
        .collect())
}

/// Run the value analysis on a customer table (`file` names it in errors).
pub fn run(df: &DataFrame, file: &str, opts: &ValueOptions) -> Result<ValueResult> {
    if opts.profit.is_none() == opts.cost.is_none() {
        return Err(Error::Usage(
            "give exactly one of --profit COL and --cost COL".into(),
        ));
    }
    load::require_column(df, file, &opts.id)?;
    let mut df = df.clone();
    for c in &opts.numeric_columns() {
        df = load::require_numeric(df, file, c, &Default::default())?;
    }
    let profit = match (&opts.profit, &opts.cost) {
        (Some(p), _) => col(p.as_str()),
        (None, Some(c)) => col(opts.revenue.as_str()) - col(c.as_str()),
        _ => unreachable!("checked above"),
    };
    let df = df
        .lazy()
        .with_columns([
            col(opts.revenue.as_str()).alias("__revenue"),
            profit.alias("__profit"),
        ])
        .collect()?;

    // Drop (and report) rows without finite revenue/profit.
    let mut rows_dropped = Vec::new();
    let mut keep = df;
    for (c, label) in [
        ("__revenue", opts.revenue.clone()),
        ("__profit", "profit".to_string()),
    ] {
        let before = keep.height();
        keep = keep
            .lazy()
            .filter(col(c).is_not_null().and(col(c).is_finite()))
            .collect()?;
        if keep.height() < before {
            rows_dropped.push(RowsDropped {
                column: label,
                rows: before - keep.height(),
            });
        }
    }
    let n = keep.height();
    if n == 0 {
        return Err(Error::Empty {
            what: format!("{file} (after removing rows without revenue and profit)"),
            hint: "Check the revenue and profit/cost columns.".into(),
        });
    }

    // Whale curve: customers sorted by profit, most profitable first.
    let sorted = keep
        .clone()
        .lazy()
        .sort(
            ["__profit"],
            SortMultipleOptions::default()
                .with_order_descending(true)
                .with_maintain_order(true),
        )
        .select([col("__profit").cum_sum(false).alias("cum")])
        .collect()?;
    let cum = load::f64_values(&sorted, "cum")?;
    let total_profit = cum[n - 1];
    let revenue = load::f64_values(&keep, "__revenue")?;
    let profit = load::f64_values(&keep, "__profit")?;
    let total_revenue: f64 = revenue.iter().sum();
    let (peak_k, peak) = cum
        .iter()
        .enumerate()
        .fold((0, f64::NEG_INFINITY), |acc, (k, v)| {
            if *v > acc.1 {
                (k, *v)
            } else {
                acc
            }
        });
    let pct = |k: usize| 100.0 * k as f64 / n as f64;
    // Percentages are of total profit; when the customer base loses money overall, they
    // are of the profit the profitable customers make (the curve's peak) instead.
    let base = if total_profit > 0.0 {
        total_profit
    } else {
        peak
    };
    let mut whale_curve = vec![WhalePoint {
        customer_pct: 0.0,
        profit_pct: 0.0,
    }];
    let steps = n.min(WHALE_POINTS);
    for i in 1..=steps {
        let k = (i * n).div_ceil(steps); // customers included
        whale_curve.push(WhalePoint {
            customer_pct: pct(k),
            profit_pct: 100.0 * cum[k - 1] / base,
        });
    }
    let unprofitable = profit.iter().filter(|p| **p <= 0.0).count();

    let clv = match &opts.retention {
        None => None,
        Some(ret) => {
            let d = opts.discount;
            if !(d >= 0.0 && d.is_finite()) {
                return Err(Error::Usage(format!(
                    "--discount {d} must be a rate ≥ 0 (e.g. 0.1)"
                )));
            }
            let r: Vec<f64> = match ret {
                Retention::Rate(r) => vec![*r; n],
                Retention::Column(c) => load::f64_values(&keep, c)?,
            };
            if let Some((i, bad)) = r
                .iter()
                .enumerate()
                .find(|(_, v)| !(**v >= 0.0 && **v < 1.0))
            {
                return Err(Error::Usage(match ret {
                    Retention::Rate(_) if *bad >= 5.0 && *bad <= 100.0 => format!(
                        "--retention {bad}: a retention rate is a fraction in [0, 1), e.g. 0.8 for 80% of customers kept per year; write --retention {}",
                        bad / 100.0
                    ),
                    Retention::Rate(_) => format!(
                        "--retention {bad}: a retention rate is a fraction in [0, 1), e.g. 0.8 for 80% of customers kept per year"
                    ),
                    Retention::Column(c) => format!(
                        "{file}: retention column '{c}' must hold yearly rates in [0, 1), but customer '{}' has {bad}{}",
                        keep.column(&opts.id)?.get(i)?.str_value(),
                        if *bad >= 1.0 && *bad <= 100.0 {
                            " (percentages? divide the column by 100)"
                        } else {
                            ""
                        }
                    ),
                }));
            }
            let m = match &opts.margin {
                Some(c) => load::f64_values(&keep, c)?,
                None => profit.clone(),
            };
            let values: Vec<f64> = m
                .iter()
                .zip(&r)
                .map(|(m, r)| m * r / (1.0 + d - r))
                .collect();
            let total: f64 = values.iter().filter(|v| v.is_finite()).sum();
            let split = |profitable: bool| -> f64 {
                values
                    .iter()
                    .zip(&profit)
                    .filter(|(v, p)| v.is_finite() && ((**p > 0.0) == profitable))
                    .map(|(v, _)| v)
                    .sum()
            };
            Some(Clv {
                formula: "m * r / (1 + d - r)".into(),
                discount: d,
                total,
                mean: total / n as f64,
                profitable_total: split(true),
                unprofitable_total: split(false),
            })
        }
    };

    let war = match &opts.war {
        None => None,
        Some([rank, brands, sow]) => {
            let sel = keep
                .clone()
                .lazy()
                .select([col(rank.as_str()), col(brands.as_str()), col(sow.as_str())])
                .drop_nulls(None)
                .collect()?;
            let (rk, nb, obs) = (
                load::f64_values(&sel, rank)?,
                load::f64_values(&sel, brands)?,
                load::f64_values(&sel, sow)?,
            );
            if let Some(i) =
                (0..rk.len()).find(|&i| !(nb[i] >= 1.0 && rk[i] >= 1.0 && rk[i] <= nb[i]))
            {
                return Err(Error::Usage(format!(
                    "Wallet Allocation Rule: row {} has rank {} among {} brands; rank must be between 1 and the number of brands",
                    i + 1,
                    rk[i],
                    nb[i]
                )));
            }
            let pred: Vec<f64> = rk.iter().zip(&nb).map(|(r, n)| war_sow(*r, *n)).collect();
            let r = correlation::pearson(&pred, &obs);
            let m = pred.len();
            Some(War {
                formula: "(1 - rank / (n + 1)) * (2 / n)".into(),
                n: m,
                mean_predicted_sow: pred.iter().sum::<f64>() / m as f64,
                mean_observed_sow: obs.iter().sum::<f64>() / m as f64,
                correlation: r,
                p_value: correlation::r_pvalue(r, m),
            })
        }
    };

    Ok(ValueResult {
        customers: n,
        total_revenue,
        total_profit,
        unprofitable_share: pct(unprofitable),
        peak_profit_pct: 100.0 * peak / base,
        profit_base: if total_profit > 0.0 {
            "total profit"
        } else {
            "profit of the profitable customers"
        }
        .into(),
        peak_customer_pct: pct(peak_k + 1),
        whale_curve,
        deciles: deciles(&keep, "__profit", total_profit)?,
        revenue_deciles: deciles(&keep, "__revenue", total_profit)?,
        clv,
        war,
        diagnostics: Default::default(),
        rows_dropped,
    })
}

/// Expected share of wallet of a brand ranked `rank` among `n` brands used
/// (Wallet Allocation Rule, Keiningham, Aksoy, Buoye & Cooil 2011).
pub fn war_sow(rank: f64, n: f64) -> f64 {
    (1.0 - rank / (n + 1.0)) * (2.0 / n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn war_shares_sum_to_one() {
        // Ranks 1..n of n brands share the whole wallet: Σ(1 − k/(n+1))·2/n = 1.
        for n in 1..8 {
            let s: f64 = (1..=n).map(|k| war_sow(f64::from(k), f64::from(n))).sum();
            assert!((s - 1.0).abs() < 1e-12, "n = {n}: {s}");
        }
        // Hand values: the single brand gets everything; first of two gets 2/3.
        assert!((war_sow(1.0, 1.0) - 1.0).abs() < 1e-12);
        assert!((war_sow(1.0, 2.0) - 2.0 / 3.0).abs() < 1e-12);
    }
}

/// Customers, total profit and share of total profit per segment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SegmentProfit {
    pub segment: String,
    pub customers: u64,
    pub profit: f64,
    /// Share of total profit; NaN (null in JSON) when the total is not positive.
    pub share_pct: f64,
    /// Sum of the segment's positive profits, and its share of all customers' positive
    /// profits (gross profit): meaningful whatever the sign of the total.
    pub gross_profit: f64,
    pub gross_profit_share_pct: f64,
    /// Sum of the segment's losses (negative profits, as a negative number), and its share
    /// of all customers' losses (gross loss).
    pub gross_loss: f64,
    pub gross_loss_share_pct: f64,
}

/// Profit by segment of a built customer table (columns `segment`, `profit`).
pub fn segment_profit(df: &DataFrame, order: &[String]) -> Result<Vec<SegmentProfit>> {
    use crate::data::build::cols;
    let g = df
        .clone()
        .lazy()
        .group_by([col(cols::SEGMENT)])
        .agg([
            len().cast(DataType::Float64).alias("n"),
            col(cols::PROFIT).sum().alias("p"),
            col(cols::PROFIT)
                .filter(col(cols::PROFIT).gt(lit(0.0)))
                .sum()
                .alias("gp"),
            col(cols::PROFIT)
                .filter(col(cols::PROFIT).lt(lit(0.0)))
                .sum()
                .alias("gl"),
        ])
        .collect()?;
    let total: f64 = load::f64_values(&g, "p")?.iter().sum();
    let (gp, gl) = (load::f64_values(&g, "gp")?, load::f64_values(&g, "gl")?);
    let (gp_total, gl_total): (f64, f64) = (gp.iter().sum(), gl.iter().sum());
    // `+ 0.0` turns a -0.0 (no losses in this segment) into 0.
    let share = |x: f64, of: f64| {
        if of != 0.0 {
            100.0 * x / of + 0.0
        } else {
            f64::NAN
        }
    };
    // A share of a non-positive total means nothing: report it as missing.
    let total = if total > 0.0 { total } else { f64::NAN };
    let names: Vec<String> = g
        .column(cols::SEGMENT)?
        .as_materialized_series()
        .str()?
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect();
    let (n, p) = (load::f64_values(&g, "n")?, load::f64_values(&g, "p")?);
    Ok(order
        .iter()
        .filter_map(|s| names.iter().position(|x| x == s))
        .map(|i| SegmentProfit {
            segment: names[i].clone(),
            customers: n[i] as u64,
            profit: p[i],
            share_pct: 100.0 * p[i] / total,
            gross_profit: gp[i],
            gross_profit_share_pct: share(gp[i], gp_total),
            gross_loss: gl[i],
            gross_loss_share_pct: share(gl[i], gl_total),
        })
        .collect())
}
