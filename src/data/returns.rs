//! Returns in a purchase log: a negative amount is a refund, not a purchase without spend.
//!
//! Policies (`--returns`, `[clv] returns = …`):
//! * **`net`** (default): a return reverses the purchase it refunds — the same customer's
//!   purchase on or before the return's date whose amount is at least the refund, preferring
//!   an exact amount, then the latest such purchase (each purchase can absorb refunds up to
//!   its amount). A full refund removes that transaction (it did not happen); a partial one
//!   reduces its spend. Returns that match no purchase are dropped and counted. A customer
//!   whose every purchase was returned is not a customer of the log (counted).
//! * **`drop`**: returns are removed; the purchases stay as they were.
//! * **`keep`**: the earlier convention — a negative amount counts as a purchase without
//!   spend (like a zero amount, which every policy keeps, as the CDNOW data does).
//!
//! The candidates are found with a polars join (returns × the same customer's earlier
//! purchases, usually a handful); assigning each return to one purchase is a greedy pass in
//! return order over the sorted candidates, so the result does not depend on threads.

use std::collections::HashMap;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What a negative amount means.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Returns {
    #[default]
    Net,
    Drop,
    Keep,
}

impl Returns {
    /// Parse `net|drop|keep`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "net" => Ok(Returns::Net),
            "drop" => Ok(Returns::Drop),
            "keep" => Ok(Returns::Keep),
            _ => Err(Error::Usage(format!(
                "returns '{s}': use net (a refund reverses its purchase), drop (refunds removed) or keep (a refund counts as a purchase without spend)"
            ))),
        }
    }
}

/// What the policy did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ReturnCounts {
    /// Rows with a negative amount.
    pub returns: usize,
    /// Purchases reversed in full by their returns (removed with them).
    pub netted_full: usize,
    /// Matched returns beyond those: refunds that reduced a purchase's spend.
    pub netted_partial: usize,
    /// Returns that matched no purchase (dropped).
    pub unmatched: usize,
    /// Returns removed by `drop`.
    pub dropped: usize,
    /// Returns kept as purchases without spend (`keep`).
    pub kept: usize,
    /// Customers left without any purchase once their returns were netted.
    pub customers_emptied: usize,
}

/// Apply `policy` to the valid rows of a log (columns `id`, `day`, `amount`, in file
/// order); the rows keep their order.
pub fn apply(rows: DataFrame, policy: Returns) -> Result<(DataFrame, ReturnCounts)> {
    let negative = col("amount").lt(lit(0.0));
    let n = rows
        .clone()
        .lazy()
        .select([negative.clone().sum().cast(DataType::UInt64).alias("n")])
        .collect()?
        .column("n")?
        .get(0)?
        .extract::<u64>()
        .unwrap_or(0) as usize;
    let mut counts = ReturnCounts {
        returns: n,
        ..Default::default()
    };
    if n == 0 {
        return Ok((rows, counts));
    }
    match policy {
        Returns::Keep => {
            counts.kept = n;
            Ok((rows, counts))
        }
        Returns::Drop => {
            counts.dropped = n;
            Ok((rows.lazy().filter(negative.not()).collect()?, counts))
        }
        Returns::Net => net(rows, counts),
    }
}

fn net(rows: DataFrame, mut counts: ReturnCounts) -> Result<(DataFrame, ReturnCounts)> {
    let rows = rows.lazy().with_row_index("__r", None).collect()?;
    let returns = rows
        .clone()
        .lazy()
        .filter(col("amount").lt(lit(0.0)))
        .select([
            col("id"),
            col("day").alias("rday"),
            (-col("amount")).alias("refund"),
            col("__r").alias("__rr"),
        ]);
    let purchases = rows
        .clone()
        .lazy()
        .filter(col("amount").gt(lit(0.0)))
        .select([
            col("id"),
            col("day").alias("pday"),
            col("amount").alias("paid"),
            col("__r").alias("__pr"),
        ]);
    let exact = crate::data::audit::abs(col("paid") - col("refund")).lt_eq(lit(1e-9) * col("paid"));
    let candidates = returns
        .join(
            purchases,
            [col("id")],
            [col("id")],
            JoinArgs::new(JoinType::Inner),
        )
        .filter(
            col("pday")
                .lt_eq(col("rday"))
                .and(col("paid").gt_eq(col("refund") * lit(1.0 - 1e-12))),
        )
        .with_column(exact.alias("exact"))
        .sort_by_exprs(
            [col("__rr"), col("exact"), col("pday"), col("__pr")],
            SortMultipleOptions::default().with_order_descending_multi([false, true, true, true]),
        )
        .select([col("__rr"), col("__pr"), col("refund"), col("paid")])
        .collect()?;
    let (rr, pr) = (
        candidates.column("__rr")?.idx()?.clone(),
        candidates.column("__pr")?.idx()?.clone(),
    );
    let (refund, paid) = (
        candidates.column("refund")?.f64()?.clone(),
        candidates.column("paid")?.f64()?.clone(),
    );
    // Greedy, in return order: the first candidate that can still absorb the refund.
    // Each purchase's (amount, what it can still absorb).
    let mut left: HashMap<IdxSize, (f64, f64)> = HashMap::new();
    let mut done: Option<IdxSize> = None;
    let mut matched = 0usize;
    for i in 0..candidates.height() {
        let (Some(r), Some(p), Some(x), Some(a)) =
            (rr.get(i), pr.get(i), refund.get(i), paid.get(i))
        else {
            continue;
        };
        if done == Some(r) {
            continue;
        }
        let (_, rest) = left.entry(p).or_insert((a, a));
        if *rest >= x * (1.0 - 1e-12) {
            *rest -= x;
            done = Some(r);
            matched += 1;
        }
    }
    counts.unmatched = counts.returns - matched;
    let mut reversed: Vec<IdxSize> = Vec::new();
    let mut reduced: Vec<(IdxSize, f64)> = Vec::new();
    let mut adjusted: Vec<(IdxSize, (f64, f64))> = left
        .into_iter()
        .filter(|(_, (orig, rest))| rest < orig)
        .collect();
    adjusted.sort_by_key(|(p, _)| *p);
    for (p, (orig, rest)) in adjusted {
        if rest <= 1e-9 * orig {
            reversed.push(p);
        } else {
            reduced.push((p, rest));
        }
    }
    counts.netted_full = reversed.len();
    counts.netted_partial = matched - reversed.len().min(matched);
    let adj = DataFrame::new_infer_height(vec![
        Column::new(
            "__r".into(),
            reduced
                .iter()
                .map(|(p, _)| *p)
                .chain(reversed.iter().copied())
                .collect::<Vec<IdxSize>>(),
        ),
        Column::new(
            "__new".into(),
            reduced
                .iter()
                .map(|(_, v)| *v)
                .chain(reversed.iter().map(|_| 0.0))
                .collect::<Vec<f64>>(),
        ),
    ])?;
    let before = customers(&rows)?;
    let out = rows
        .lazy()
        .join(
            adj.lazy(),
            [col("__r")],
            [col("__r")],
            JoinArgs::new(JoinType::Left),
        )
        .filter(
            col("amount")
                .gt_eq(lit(0.0))
                .and(col("__new").is_null().or(col("__new").gt(lit(0.0)))),
        )
        .sort(["__r"], Default::default())
        .with_column(
            when(col("__new").is_not_null())
                .then(col("__new"))
                .otherwise(col("amount"))
                .alias("amount"),
        )
        .drop(by_name(["__r", "__new"], true, false))
        .collect()?;
    let after = customers(&out)?;
    counts.customers_emptied = before - after;
    Ok((out, counts))
}

/// The number of distinct customer ids.
fn customers(df: &DataFrame) -> Result<usize> {
    Ok(df.column("id")?.n_unique()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(rows: &[(&str, i32, f64)]) -> DataFrame {
        df!(
            "id" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            "day" => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            "amount" => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
        )
        .unwrap()
    }

    fn amounts(df: &DataFrame) -> Vec<(String, f64)> {
        let id = df.column("id").unwrap().str().unwrap().clone();
        let a = df.column("amount").unwrap().f64().unwrap().clone();
        id.iter()
            .zip(a.iter())
            .map(|(i, a)| (i.unwrap().to_string(), a.unwrap()))
            .collect()
    }

    #[test]
    fn a_refund_reverses_its_purchase() {
        let rows = log(&[
            ("A", 1, 50.0),
            ("A", 12, -50.0), // refunds the 50 eleven days later
            ("B", 1, 30.0),
            ("B", 3, 80.0),
            ("B", 5, -20.0), // partial: the latest purchase it fits, 80 → 60
            ("C", 2, -10.0), // nothing to refund
            ("C", 4, 10.0),  // bought after the refund: not matched
            ("D", 1, 0.0),   // zero amount: a purchase without spend
        ]);
        let (out, c) = apply(rows, Returns::Net).unwrap();
        assert_eq!(
            amounts(&out),
            [
                ("B".to_string(), 30.0),
                ("B".into(), 60.0),
                ("C".into(), 10.0),
                ("D".into(), 0.0)
            ]
        );
        assert_eq!(
            (
                c.returns,
                c.netted_full,
                c.netted_partial,
                c.unmatched,
                c.customers_emptied
            ),
            (3, 1, 1, 1, 1)
        );
    }

    #[test]
    fn an_exact_amount_is_preferred_and_each_purchase_absorbs_its_amount_once() {
        let rows = log(&[
            ("A", 1, 40.0),
            ("A", 2, 100.0),
            ("A", 3, -40.0), // exact: the 40, although the 100 is later
            ("A", 4, -70.0), // the 100 → 30
            ("A", 5, -70.0), // nothing left that can absorb 70
        ]);
        let (out, c) = apply(rows, Returns::Net).unwrap();
        assert_eq!(amounts(&out), [("A".to_string(), 30.0)]);
        assert_eq!((c.netted_full, c.netted_partial, c.unmatched), (1, 1, 1));
    }

    #[test]
    fn drop_and_keep() {
        let rows = log(&[("A", 1, 50.0), ("A", 12, -50.0)]);
        let (out, c) = apply(rows.clone(), Returns::Drop).unwrap();
        assert_eq!(amounts(&out), [("A".to_string(), 50.0)]);
        assert_eq!(c.dropped, 1);
        let (out, c) = apply(rows, Returns::Keep).unwrap();
        assert_eq!(out.height(), 2);
        assert_eq!(c.kept, 1);
    }
}
