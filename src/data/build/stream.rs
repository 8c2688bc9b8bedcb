//! The customer table of a one-table study, built batch by batch on polars' streaming
//! engine (`chain --streaming`): the same derivations, missing-value rules, range checks
//! and segment rule as [`super::build`], written as one lazy plan that marks each row kept
//! or dropped (and why) instead of splitting the table, so the table is never in memory.
//!
//! A [`Tally`] per batch counts what the builder counts — rows read, rows without an id,
//! customers dropped per reason with the first ids (sorted, as the builder lists them),
//! shares of wallet and ratings outside their range, customers per segment — and the
//! tallies of all batches add up to the builder's [`Diagnostics`]. Repeated ids are found
//! by a set of 64-bit hashes of the ids (8 bytes a customer); a repeated hash is
//! confirmed on the ids themselves before it is reported.
//!
//! Not run on a stream: the input audit's whole-table checks (Total rows, non-answer codes
//! on an inferred scale, numbers stored as text). The diagnostics say so, and declared
//! `missing_codes` and `satisfaction_scale` are applied as the builder applies them.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use polars::prelude::*;

use super::{cols, derive_lazy, missing_reason, required_columns, segment_expr, segment_order};
use crate::data::audit::MissingCodes;
use crate::data::diagnostics::{
    Diagnostics, Dropped, InputReport, RangeWarning, SegmentCount, EXAMPLES,
};
use crate::data::load;
use crate::data::study::{Level, SegmentRule, Study};
use crate::error::{Error, Result};

/// The column of the plan that says why a row is dropped: 0 kept, k the k-th reason.
pub const DROP: &str = "__drop";

/// The lazy plan of the customer table and what its columns are.
#[derive(Clone)]
pub struct Plan {
    /// Columns: the id (text), `segment`, [`DROP`], then [`Plan::variables`] (f64).
    pub lf: LazyFrame,
    pub id: String,
    /// satisfaction, share_of_wallet, revenue, profit, then the covariates.
    pub variables: Vec<String>,
    /// Reason k (1-based in [`DROP`]): (stage, reason, unit).
    reasons: Vec<(String, String, &'static str)>,
    file: String,
    study: Study,
}

/// Why a row is dropped, in the order the reasons are tried (index k − 1 of [`DROP`]'s k):
/// (stage, reason, unit).
pub(crate) fn reasons(study: &Study) -> Vec<(String, String, &'static str)> {
    let spec = &study.tables[0];
    let mut out = vec![(
        spec.name.clone(),
        format!("missing id in '{}'", study.table_id(spec)),
        "rows",
    )];
    for c in required_columns(study) {
        out.push(("customers".into(), missing_reason(study, &c), "customers"));
    }
    out
}

/// The plan for `study`, which must hold one customer-level table (a pre-joined `--data`
/// file, or a study of one table) of Parquet, IPC or CSV.
pub fn plan(study: &Study) -> Result<Plan> {
    if study.segments.found() {
        return Err(Error::Usage(format!(
            "--streaming: the segment rule '{}' finds segments from the whole table in memory; run without --streaming, or build the customer table with its segments first (profitchain build --study … -o customers.parquet) and stream that with --segment-rule column:segment",
            study.segments.describe()
        )));
    }
    let [spec] = study.tables.as_slice() else {
        return Err(Error::Usage(format!(
            "--streaming reads one table with a row per customer (--data FILE, or a study of one table); this study joins {} tables. Build the customer table first (profitchain build --study … --streaming -o customers.parquet) and stream that.",
            study.tables.len()
        )));
    };
    if spec.level != Level::Customer {
        return Err(Error::Usage(format!(
            "--streaming reads a table with a row per customer; table '{}' is declared level = \"{}\". Build the customer table first (profitchain build --streaming -o customers.parquet) and stream that.",
            spec.name,
            format!("{:?}", spec.level).to_lowercase()
        )));
    }
    let path = study.resolve(spec);
    let file = path.display().to_string();
    let id_col = study.table_id(spec).to_string();
    let mut lf = load::sources::stream_scan(&path)?;
    let schema = lf.collect_schema()?;
    let names: Vec<String> = schema.iter_names().map(|s| s.to_string()).collect();
    let mut wanted = vec![id_col.clone()];
    wanted.extend(super::numeric_role_columns(study));
    if let Some(c) = super::segment_column(study) {
        wanted.push(c);
    }
    wanted.dedup();
    for c in &wanted {
        if !schema.contains(c.as_str()) {
            return Err(Error::MissingColumn {
                file: file.clone(),
                column: c.clone(),
                suggestion: crate::error::closest(c, names.iter().map(String::as_str)),
                available: names.join(", "),
            });
        }
    }
    let segment_col = super::segment_column(study);
    let mut exprs = vec![col(id_col.as_str())
        .cast(DataType::String)
        .str()
        .strip_chars(lit(NULL))
        .alias(study.roles.id.as_str())];
    for c in super::numeric_role_columns(study) {
        let dtype = schema.get(c.as_str()).cloned().unwrap_or(DataType::Null);
        if !(dtype.is_primitive_numeric() || dtype == DataType::Null) {
            return Err(Error::InvalidData(format!(
                "{file}: column '{c}' is {dtype}, not numbers. --streaming reads numbers as numbers only; run without --streaming (which reads number forms in text and says what it changed), or convert the column."
            )));
        }
        let codes = match &study.options.missing_codes {
            MissingCodes::All(v) if c == study.roles.satisfaction => v.clone(),
            MissingCodes::ByColumn(m) => m.get(&c).cloned().unwrap_or_default(),
            _ => vec![],
        };
        let mut e = col(c.as_str()).cast(DataType::Float64);
        for code in codes {
            e = when(e.clone().eq(lit(code)))
                .then(lit(NULL).cast(DataType::Float64))
                .otherwise(e);
        }
        exprs.push(e.alias(c.as_str()));
    }
    if let Some(c) = &segment_col {
        if !super::numeric_role_columns(study).contains(c) {
            exprs.push(col(c.as_str()));
        }
    }
    let id = study.roles.id.clone();
    let lf = derive_lazy(lf.select(exprs), study)?;

    // Why a row goes, first reason first: no id, then each required column in order.
    let mut conditions = vec![col(id.as_str())
        .is_null()
        .or(col(id.as_str()).str().len_chars().eq(lit(0)))];
    let required = required_columns(study);
    for c in &required {
        let numeric = segment_col.as_deref() != Some(c.as_str())
            || super::numeric_role_columns(study).contains(c);
        let bad = super::no_value(c, numeric);
        conditions.push(bad);
    }
    let reasons = reasons(study);
    // The first condition that holds gives the reason (nested from the last).
    let drop = conditions
        .into_iter()
        .enumerate()
        .rev()
        .fold(lit(0u32), |rest, (k, bad)| {
            when(bad).then(lit(k as u32 + 1)).otherwise(rest)
        });
    let mut variables: Vec<String> = [cols::SATISFACTION, cols::SOW, cols::REVENUE, cols::PROFIT]
        .map(String::from)
        .to_vec();
    variables.extend(study.roles.covariates.iter().cloned());
    let mut out = vec![
        col(id.as_str()),
        segment_expr(&study.segments)?,
        drop.cast(DataType::UInt32).alias(DROP),
    ];
    out.extend(variables.iter().map(|v| col(v.as_str())));
    Ok(Plan {
        lf: lf.select(out),
        id,
        variables,
        reasons,
        file,
        study: study.clone(),
    })
}

/// A count with the first ids (sorted) of what was counted.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Counted {
    count: usize,
    examples: Vec<String>,
}

impl Counted {
    fn add(&mut self, id: &str) {
        self.count += 1;
        if self.examples.len() < EXAMPLES || self.examples.last().is_some_and(|l| id < l.as_str()) {
            let at = self.examples.partition_point(|e| e.as_str() < id);
            self.examples.insert(at, id.to_string());
            self.examples.truncate(EXAMPLES);
        }
    }

    fn merge(&mut self, other: &Counted) {
        self.count += other.count;
        for e in &other.examples {
            if self.examples.len() < EXAMPLES
                || self
                    .examples
                    .last()
                    .is_some_and(|l| e.as_str() < l.as_str())
            {
                let at = self.examples.partition_point(|x| x < e);
                self.examples.insert(at, e.clone());
                self.examples.truncate(EXAMPLES);
            }
        }
    }
}

/// What a batch (or all batches so far) held; see the module docs.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    rows: usize,
    /// Per reason of [`Plan`] (index k − 1).
    dropped: Vec<Counted>,
    sow_out: Counted,
    /// Out-of-range shares of wallet as `'id' = value`, the first ids'.
    sow_values: BTreeMap<String, f64>,
    sow_max: f64,
    sat_out: Counted,
    segments: BTreeMap<String, usize>,
    /// Ids whose hash was seen before (checked on the ids at the end).
    repeats: Vec<String>,
}

/// The id hashes seen so far, shared by the batches of one pass.
pub type IdHashes = Arc<Mutex<HashSet<u64>>>;

impl Tally {
    /// Count one batch of the plan; `ids` collects the hashes of its ids.
    pub fn of_batch(plan: &Plan, batch: &DataFrame, ids: &IdHashes) -> Result<Tally> {
        let mut t = Tally {
            dropped: vec![Counted::default(); plan.reasons.len()],
            sow_max: f64::NEG_INFINITY,
            ..Default::default()
        };
        t.rows = batch.height();
        let id = batch.column(plan.id.as_str())?.str()?.clone();
        let seg = batch.column(cols::SEGMENT)?.str()?.clone();
        let drop = batch.column(DROP)?.u32()?.clone();
        let values: Vec<Float64Chunked> = plan
            .variables
            .iter()
            .map(|v| Ok(batch.column(v.as_str())?.f64()?.clone()))
            .collect::<Result<_>>()?;
        let scale = plan.study.options.satisfaction_scale;
        let mut hashes = Vec::with_capacity(batch.height());
        for i in 0..batch.height() {
            let who = id.get(i).unwrap_or("");
            let d = drop.get(i).unwrap_or(0) as usize;
            if d > 0 {
                t.dropped[d - 1].add(who);
                continue;
            }
            hashes.push((xxhash_rust::xxh3::xxh3_64(who.as_bytes()), i));
            for (v, name) in values.iter().zip(&plan.variables) {
                let x = v.get(i).unwrap_or(f64::NAN);
                if x.abs() > crate::stats::formula::MAX_MAGNITUDE {
                    return Err(Error::InvalidData(format!(
                        "{}: column '{name}' holds {x:e} for customer '{who}': values beyond ±1e150 overflow the regressions' squares and products, so nothing estimated from them would mean anything. Check the cell (a mistyped exponent?) or rescale the column.",
                        plan.file
                    )));
                }
            }
            let sow = values[1].get(i).unwrap_or(f64::NAN);
            t.sow_max = t.sow_max.max(sow);
            if !(0.0..=1.0).contains(&sow) {
                t.sow_out.add(who);
                t.sow_values.insert(who.to_string(), sow);
            }
            if let Some([lo, hi]) = scale {
                let s = values[0].get(i).unwrap_or(f64::NAN);
                if s < lo || s > hi {
                    t.sat_out.add(who);
                }
            }
            *t.segments
                .entry(seg.get(i).unwrap_or("").to_string())
                .or_default() += 1;
        }
        t.sow_values.retain(|k, _| t.sow_out.examples.contains(k));
        let mut seen = ids
            .lock()
            .map_err(|_| Error::Internal("the id check of a batch failed".into()))?;
        for (h, i) in hashes {
            if !seen.insert(h) {
                t.repeats.push(id.get(i).unwrap_or("").to_string());
            }
        }
        Ok(t)
    }

    /// Add another batch's tally.
    pub fn merge(&mut self, other: &Tally) {
        self.rows += other.rows;
        if self.dropped.is_empty() {
            self.dropped = other.dropped.clone();
        } else {
            for (a, b) in self.dropped.iter_mut().zip(&other.dropped) {
                a.merge(b);
            }
        }
        self.sow_out.merge(&other.sow_out);
        self.sow_values.extend(other.sow_values.clone());
        let keep = self.sow_out.examples.clone();
        self.sow_values.retain(|k, _| keep.contains(k));
        self.sow_max = self.sow_max.max(other.sow_max);
        self.sat_out.merge(&other.sat_out);
        for (s, n) in &other.segments {
            *self.segments.entry(s.clone()).or_default() += n;
        }
        self.repeats.extend(other.repeats.iter().cloned());
    }

    /// The builder's diagnostics and segments (in report order) from the tally of every
    /// batch; stops as the builder stops (repeated ids, impossible shares of wallet,
    /// out-of-scale ratings unless allowed, too many segments, nothing left).
    pub fn finish(self, plan: &Plan) -> Result<(Diagnostics, Vec<String>)> {
        if !self.repeats.is_empty() {
            confirm_repeats(plan, &self.repeats)?;
        }
        self.summarize(&plan.study, &plan.file)
    }

    /// [`Tally::finish`] for parts counted elsewhere (Spark partitions, whose repeated ids
    /// the caller has checked on the whole table): `file` names the table in messages.
    pub fn summarize(self, study: &Study, file: &str) -> Result<(Diagnostics, Vec<String>)> {
        let reasons = reasons(study);
        let mut diag = Diagnostics {
            study: study.name.clone(),
            ..Default::default()
        };
        let missing_id = self.dropped.first().map_or(0, |c| c.count);
        let customers_read = self.rows - missing_id;
        let kept: usize = self.segments.values().sum();
        diag.inputs.push(InputReport {
            name: study.tables[0].name.clone(),
            path: study.tables[0].path.display().to_string(),
            level: "customer".into(),
            rows_read: self.rows,
            customers: customers_read,
            customers_kept: customers_read,
            declared_missing: vec![],
        });
        for ((stage, reason, unit), c) in reasons.iter().zip(&self.dropped) {
            if c.count > 0 {
                diag.dropped.push(Dropped {
                    stage: stage.clone(),
                    reason: reason.clone(),
                    unit: unit.to_string(),
                    count: c.count,
                    examples: if *unit == "rows" {
                        vec![]
                    } else {
                        c.examples.clone()
                    },
                });
            }
        }
        diag.customers_read = customers_read;
        diag.joined_customers = customers_read;
        if kept == 0 {
            return Err(Error::Empty {
                what: "the customer table after removing missing values".into(),
                hint: "Every customer lacks a value in some model column; see the columns named above with `profitchain inspect`.".into(),
            });
        }
        if self.sow_out.count > 0 {
            let w = RangeWarning {
                column: cols::SOW.into(),
                range: "[0, 1]".into(),
                count: self.sow_out.count,
                examples: self.sow_out.examples.clone(),
            };
            if !study.options.allow_out_of_range {
                let examples: Vec<String> = self
                    .sow_values
                    .iter()
                    .map(|(i, v)| format!("'{i}' = {v}"))
                    .collect();
                return Err(super::checks::sow_error(
                    w.count,
                    self.sow_max,
                    &examples,
                    study,
                ));
            }
            diag.warnings.push(format!(
                "{} customers have share of wallet outside [0, 1], kept because allow_out_of_range is set (e.g. {})",
                w.count,
                crate::data::diagnostics::quote_ids(&w.examples)
            ));
            diag.out_of_range.push(w);
        }
        if let (Some([lo, hi]), true) = (study.options.satisfaction_scale, self.sat_out.count > 0) {
            let w = RangeWarning {
                column: cols::SATISFACTION.into(),
                range: format!("[{lo}, {hi}]"),
                count: self.sat_out.count,
                examples: self.sat_out.examples.clone(),
            };
            if !study.options.allow_out_of_range {
                return Err(Error::InvalidData(format!(
                    "{}: {} customers have satisfaction outside the declared scale [{lo}, {hi}] (e.g. {}). Declare non-answer codes with missing_codes = [..] in [options] (--missing-codes), correct the scale, or keep the values with allow_out_of_range = true (--allow-out-of-range).",
                    file,
                    w.count,
                    crate::data::diagnostics::quote_ids(&w.examples)
                )));
            }
            diag.warnings.push(format!(
                "{} customers have satisfaction outside the declared scale [{lo}, {hi}] (kept; e.g. {})",
                w.count,
                crate::data::diagnostics::quote_ids(&w.examples)
            ));
            diag.out_of_range.push(w);
        }
        diag.warnings.push(
            "read with --streaming: the input audit's whole-table checks (Total rows, non-answer codes such as 99 on an inferred rating scale, numbers stored as text) were not run; declared missing_codes and satisfaction_scale were applied".into(),
        );

        let counts = DataFrame::new(
            self.segments.len(),
            vec![Column::new(
                cols::SEGMENT.into(),
                self.segments.keys().cloned().collect::<Vec<_>>(),
            )],
        )?;
        let segments = segment_order(&counts, &study.segments)?;
        if let SegmentRule::Column { column } = &study.segments {
            if segments.len() > super::MAX_SEGMENTS && !study.options.allow_many_segments {
                return Err(crate::data::audit::Finding::new(
                    "segment-many-values",
                    "segments",
                    Some(column),
                    segments.len(),
                    segments.iter().take(5).cloned().collect(),
                    &[("median", "VALUE".into())],
                )
                .into_error());
            }
        }
        diag.warnings
            .extend(super::one_segment_warning(study, &segments));
        for s in &segments {
            diag.segments.push(SegmentCount {
                segment: s.clone(),
                customers: self.segments.get(s).copied().unwrap_or(0),
            });
        }
        diag.customers = kept;
        Ok((diag, segments))
    }
}

/// A repeated hash is a repeated id unless two ids share a hash (about one chance in 10⁴
/// at 10⁸ customers): count the suspects' rows and report those that occur twice.
fn confirm_repeats(plan: &Plan, suspects: &[String]) -> Result<()> {
    let id = plan.id.as_str();
    let wanted = Series::new("__ids".into(), suspects);
    let dup = plan
        .lf
        .clone()
        .filter(col(DROP).eq(lit(0u32)))
        .filter(col(id).is_in(lit(wanted).implode(false), false))
        .group_by([col(id)])
        .agg([len().alias("__n")])
        .filter(col("__n").gt(lit(1)))
        .sort([id], Default::default())
        .collect_with_engine(Engine::Streaming)?
        .unwrap_single();
    if dup.height() == 0 {
        return Ok(());
    }
    let ids = super::first_ids(&dup, id)?;
    Err(Error::DuplicateId {
        file: plan.file.clone(),
        column: plan.id.clone(),
        count: dup.height(),
        examples: crate::data::diagnostics::quote_ids(&ids),
        hint: super::checks::duplicate_hint(&plan.study).to_string(),
    })
}
