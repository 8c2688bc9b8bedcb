//! `csi` on a survey that is never in memory: batches of a file on polars' streaming
//! engine (`csi --streaming`) or the partitions of a Spark DataFrame
//! (`profitchain.spark.csi`). PLS path modeling needs only the items' correlation matrix
//! ([`crate::stats::pls::algorithm`]), and the indices and the importance–performance map
//! need only the items' means, covariances and range ([`super::ItemMoments`]), so the
//! survey reduces to additive sums in two passes:
//!
//! 1. [`Pass1`]: rows read; per item the answered values' shifted sums and range; the
//!    complete respondents' shifted sums of all items ([`Sums`]) and their ranges; why
//!    respondents are left out; the first value outside the declared scale and the first
//!    non-finite one (to stop with the row named).
//! 2. [`Pass2`], given the [`Stage`] (the item means that fill missing cells under
//!    `--missing mean`, and the centre and scale of each item): the analysed rows' sums
//!    (mean replacement) and each hash block's cross-products of the standardized items
//!    for the hash-block bootstrap ([`crate::stats::blocks`]), keyed by the respondent id.
//!
//! A stream adds its rows to one running state in order; a partition's sums start empty
//! and the driver merges them ([`Sums::add`]); both give the same study to rounding.
//! Not on this path: group comparisons (`--by`), the per-respondent scores file and the
//! input audit's whole-table checks (declared missing codes and the declared scale are
//! applied).

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::{estimate, CsiOptions, CsiResult, ItemMoments, Missing, Resampler};
use crate::error::{Error, Result};
use crate::stats::blocks::{self, BlockData, Resampling, BLOCKS, MIN_CUSTOMERS};
use crate::stats::bootstrap::CrossProducts;
use crate::stats::moments::Sums;
use crate::stats::pls::PlsModel;

/// What every pass needs: the model, the options, the id column of the hash blocks,
/// the declared non-answer codes per item (block order) and the table's name.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CsiSpec {
    pub model: PlsModel,
    pub options: CsiOptions,
    /// Respondent (else customer) id column: the key of the hash blocks.
    pub key: Option<String>,
    pub codes: Vec<Vec<f64>>,
    pub table: String,
}

impl CsiSpec {
    /// The columns the passes read.
    pub fn columns(&self) -> Vec<String> {
        let mut c = self.model.items();
        c.extend(self.key.iter().cloned());
        c
    }
}

/// A value that stops the run, where it was found.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Found {
    pub item: String,
    /// The value as read (text: it may be infinite).
    pub value: String,
    /// "row 12" (a stream), "respondent 'R12'" (a partition with an id), or "a row".
    pub at: String,
}

/// Pass 1 of one part (or merged over parts).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Pass1 {
    pub rows: f64,
    /// Per item: one-column sums of its answered values, and their [min, max].
    pub answered: Vec<Sums>,
    pub answered_range: Vec<Option<[f64; 2]>>,
    /// The complete respondents' sums of all items (block order), and each item's range
    /// over them.
    pub complete: Sums,
    pub complete_range: Vec<Option<[f64; 2]>>,
    /// Respondents left out casewise, by the first item they lack.
    pub first_missing: Vec<f64>,
    /// Respondents without a value in the key column.
    pub no_key: f64,
    pub first_no_key: Option<String>,
    pub outside: Option<Found>,
    pub non_finite: Option<Found>,
}

/// What pass 2 needs from pass 1, decided on the merged pass 1.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stage {
    pub pass1: Pass1,
    /// Item means filling missing cells (mean replacement).
    pub fill: Option<Vec<f64>>,
    /// Centre and scale of each item for the hash blocks' sums.
    pub center: Vec<f64>,
    pub sds: Vec<f64>,
    /// Whether pass 2 sums hash blocks (a bootstrap).
    pub blocks: bool,
}

/// Pass 2 of one part (or merged).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Pass2 {
    /// Sums of the analysed rows (mean replacement only).
    pub analysed: Sums,
    /// Per hash block: packed sums of the standardized items ([`blocks::terms`]).
    pub groups: Vec<Vec<f64>>,
}

/// One batch's rows: items (None: missing), key, and where each row is.
struct Rows {
    items: Vec<Vec<Option<f64>>>,
    /// The key column as text.
    keys: Option<StringChunked>,
    /// A stream's 0-based row number of the batch's first row (a partition has none).
    first: Option<u64>,
}

impl Rows {
    /// Row `i`'s key, trimmed (None: missing or blank).
    fn key(&self, i: usize) -> Option<&str> {
        self.keys
            .as_ref()
            .and_then(|k| k.get(i))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    /// Where row `i` is, in messages.
    fn at(&self, i: usize) -> String {
        match (self.first, self.key(i)) {
            (Some(r), _) => format!("row {}", r + i as u64 + 1),
            (None, Some(id)) => format!("respondent '{id}'"),
            (None, None) => "a row".to_string(),
        }
    }
}

fn rows_of(df: &DataFrame, spec: &CsiSpec, first: Option<u64>) -> Result<Rows> {
    let names = spec.model.items();
    if spec.codes.len() != names.len() {
        return Err(Error::Internal(format!(
            "the csi spec has non-answer codes for {} of {} items",
            spec.codes.len(),
            names.len()
        )));
    }
    let mut items = Vec::with_capacity(names.len());
    for (name, codes) in names.iter().zip(&spec.codes) {
        let c = df.column(name)?.cast(&DataType::Float64)?;
        let v: Vec<Option<f64>> = c
            .f64()?
            .iter()
            .map(|x| x.filter(|x| !x.is_nan() && !codes.contains(x)))
            .collect();
        items.push(v);
    }
    let keys = match &spec.key {
        Some(k) => Some(
            df.column(k)?
                .cast(&DataType::String)?
                .str()?
                .rechunk()
                .into_owned(),
        ),
        None => None,
    };
    Ok(Rows { items, keys, first })
}

/// Widen a range (None: empty) to hold `v`.
fn widen(r: &mut Option<[f64; 2]>, v: f64) {
    *r = Some(match *r {
        Some([lo, hi]) => [lo.min(v), hi.max(v)],
        None => [v, v],
    });
}

/// Pass 1: add the rows of `df` to `acc`, in order; `numbered` when `acc` has seen every
/// earlier row of the table (a stream), so rows are named by their number.
pub fn add1(acc: &mut Pass1, df: &DataFrame, spec: &CsiSpec, numbered: bool) -> Result<()> {
    let p = spec.model.items().len();
    if acc.answered.is_empty() {
        acc.answered = vec![Sums::default(); p];
        acc.answered_range = vec![None; p];
        acc.complete_range = vec![None; p];
        acc.first_missing = vec![0.0; p];
    }
    let rows = rows_of(df, spec, numbered.then_some(acc.rows as u64))?;
    let names = spec.model.items();
    let scale = spec.options.scale;
    let mut row = vec![0.0; p];
    for i in 0..df.height() {
        acc.rows += 1.0;
        let mut first_missing = None;
        for j in 0..p {
            match rows.items[j][i] {
                Some(v) if !v.is_finite() => {
                    acc.non_finite.get_or_insert_with(|| Found {
                        item: names[j].clone(),
                        value: v.to_string(),
                        at: rows.at(i),
                    });
                    first_missing.get_or_insert(j);
                }
                Some(v) => {
                    row[j] = v;
                    acc.answered[j].push(&[v]);
                    widen(&mut acc.answered_range[j], v);
                    if let Some([lo, hi]) = scale {
                        if v < lo || v > hi {
                            acc.outside.get_or_insert_with(|| Found {
                                item: names[j].clone(),
                                value: v.to_string(),
                                at: rows.at(i),
                            });
                        }
                    }
                }
                None => {
                    first_missing.get_or_insert(j);
                }
            }
        }
        if rows.keys.is_some() && rows.key(i).is_none() {
            acc.no_key += 1.0;
            acc.first_no_key.get_or_insert_with(|| rows.at(i));
        }
        match first_missing {
            Some(j) => acc.first_missing[j] += 1.0,
            None => {
                acc.complete.push(&row);
                for (r, v) in acc.complete_range.iter_mut().zip(&row) {
                    widen(r, *v);
                }
            }
        }
    }
    Ok(())
}

/// Pass 1 on one part (from an empty start).
pub fn part1(df: DataFrame, spec: &CsiSpec) -> Result<Pass1> {
    let mut acc = Pass1::default();
    add1(&mut acc, &df, spec, false)?;
    Ok(acc)
}

fn merge_range(a: &mut [Option<[f64; 2]>], b: &[Option<[f64; 2]>]) {
    for (x, y) in a.iter_mut().zip(b) {
        for v in y.iter().flatten() {
            widen(x, *v);
        }
    }
}

/// Merge the parts' pass 1 (in part order: the first value found stays first).
pub fn merge1(parts: Vec<Pass1>) -> Result<Pass1> {
    let mut out = Pass1::default();
    for p in parts.into_iter().filter(|p| p.rows > 0.0) {
        if out.answered.is_empty() {
            out = p;
            continue;
        }
        out.rows += p.rows;
        for (a, b) in out.answered.iter_mut().zip(&p.answered) {
            a.add(b)?;
        }
        merge_range(&mut out.answered_range, &p.answered_range);
        out.complete.add(&p.complete)?;
        merge_range(&mut out.complete_range, &p.complete_range);
        for (a, b) in out.first_missing.iter_mut().zip(&p.first_missing) {
            *a += b;
        }
        out.no_key += p.no_key;
        out.first_no_key = out.first_no_key.or(p.first_no_key);
        out.outside = out.outside.or(p.outside);
        out.non_finite = out.non_finite.or(p.non_finite);
    }
    Ok(out)
}

/// Check the merged pass 1 and decide pass 2: stops at a value outside the declared
/// scale, a non-finite value, an item without answers, a missing key where the
/// bootstrap needs one, or too few respondents for the hash blocks.
pub fn stage(pass1: Pass1, spec: &CsiSpec) -> Result<Stage> {
    let file = &spec.table;
    let opts = &spec.options;
    let names = spec.model.items();
    if pass1.rows == 0.0 {
        return Err(Error::Empty {
            what: file.clone(),
            hint: "It has no respondents to analyse.".into(),
        });
    }
    if let Some(f) = &pass1.non_finite {
        return Err(Error::InvalidData(format!(
            "{file}: {}: item '{}' is {}; clean it (blank cells are left out casewise, or filled with --missing mean)",
            f.at, f.item, f.value
        )));
    }
    if let (Some(f), Some([lo, hi])) = (&pass1.outside, opts.scale) {
        return Err(Error::InvalidData(format!(
            "{file}: {}: item '{}' = {} lies outside the declared scale [{lo}, {hi}]; declare non-answer codes (--missing-codes), correct --scale, or fix the data",
            f.at, f.item, f.value
        )));
    }
    if let Some(j) = pass1.answered.iter().position(|s| s.n == 0.0) {
        return Err(Error::InvalidData(format!(
            "{file}: item '{}' has no answer in any row, so it measures nothing: check the column (declared missing codes? a wrong column?) or drop it from its block",
            names[j]
        )));
    }
    let (center, sds): (Vec<f64>, Vec<f64>) = pass1
        .answered
        .iter()
        .map(|s| {
            let (m, sd) = s.mean_sd(0);
            (m, if sd > 0.0 && sd.is_finite() { sd } else { 1.0 })
        })
        .unzip();
    let n = match opts.missing {
        Missing::Casewise => pass1.complete.n,
        Missing::Mean => pass1.rows,
    };
    let blocks = opts.bootstrap > 0;
    if blocks {
        if opts.resampling == Resampling::Customers {
            return Err(Error::Usage(
                "--streaming resamples hash blocks of respondents; --resampling customers needs the survey in memory: run without --streaming".into(),
            ));
        }
        let Some(key) = &spec.key else {
            return Err(Error::Usage(format!(
                "the bootstrap of a streamed survey resamples hash blocks of respondents, keyed by their id: give --respondent COL (or --id COL), or --bootstrap 0. {file} is read without an id."
            )));
        };
        if let Some(at) = &pass1.first_no_key {
            return Err(Error::InvalidData(format!(
                "{file}: {at} has no value in the id column '{key}', which groups respondents for the bootstrap ({} such rows); fill it, or --bootstrap 0",
                pass1.no_key
            )));
        }
        if (n as usize) < MIN_CUSTOMERS {
            return Err(Error::Usage(format!(
                "--streaming: {file} has {n} respondents to analyse; the hash-block bootstrap needs at least {MIN_CUSTOMERS} (ten per group of {BLOCKS}). A survey this size fits in memory: run without --streaming."
            )));
        }
    }
    let fill = (opts.missing == Missing::Mean).then(|| center.clone());
    Ok(Stage {
        pass1,
        fill,
        center,
        sds,
        blocks,
    })
}

/// Whether pass 2 has anything to do.
pub fn needs_pass2(stage: &Stage) -> bool {
    stage.blocks || stage.fill.is_some()
}

/// Pass 2: add the rows of `df` to `acc`, in order.
pub fn add2(acc: &mut Pass2, df: &DataFrame, spec: &CsiSpec, stage: &Stage) -> Result<()> {
    let p = stage.center.len();
    let fill_ok = stage.fill.as_ref().is_none_or(|f| f.len() == p);
    if p != spec.model.items().len() || stage.sds.len() != p || !fill_ok {
        return Err(Error::Internal(format!(
            "the csi stage has {p} centres for {} items",
            spec.model.items().len()
        )));
    }
    if stage.blocks && acc.groups.is_empty() {
        acc.groups = vec![vec![0.0; blocks::terms(p)]; BLOCKS];
    }
    let rows = rows_of(df, spec, None)?;
    let (mut row, mut z) = (vec![0.0; p], vec![0.0; p]);
    'rows: for i in 0..df.height() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = match (rows.items[j][i], &stage.fill) {
                (Some(x), _) => x,
                (None, Some(fill)) => fill[j],
                (None, None) => continue 'rows,
            };
        }
        if stage.fill.is_some() {
            acc.analysed.push(&row);
        }
        if stage.blocks {
            let key = rows
                .key(i)
                .ok_or_else(|| Error::Internal("a respondent without an id in pass 2".into()))?;
            for j in 0..p {
                z[j] = (row[j] - stage.center[j]) / stage.sds[j];
            }
            let g = blocks::group_of(key, spec.options.seed);
            blocks::add_row(&mut acc.groups[g], &z);
        }
    }
    Ok(())
}

/// Pass 2 on one part (from an empty start).
pub fn part2(df: DataFrame, spec: &CsiSpec, stage: &Stage) -> Result<Pass2> {
    let mut acc = Pass2::default();
    add2(&mut acc, &df, spec, stage)?;
    Ok(acc)
}

/// Merge the parts' pass 2.
pub fn merge2(parts: Vec<Pass2>) -> Result<Pass2> {
    let mut out = Pass2::default();
    for p in parts {
        out.analysed.add(&p.analysed)?;
        if out.groups.is_empty() {
            out.groups = p.groups;
        } else {
            for (a, b) in out.groups.iter_mut().zip(&p.groups) {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
            }
        }
    }
    Ok(out)
}

/// The items' correlation matrix from their shifted sums.
fn correlation(s: &Sums) -> ndarray::Array2<f64> {
    let p = s.shift.len();
    let mut packed = vec![s.n];
    packed.extend_from_slice(&s.sum);
    for a in 0..p {
        packed.extend_from_slice(&s.cross[a][a..]);
    }
    CrossProducts::from_packed(p, &vec![1.0; p], &packed).correlation()
}

/// The study from the merged passes (pass 2 only when [`needs_pass2`]).
pub fn finish(
    spec: &CsiSpec,
    stage: Stage,
    pass2: Option<Pass2>,
    progress: &indicatif::ProgressBar,
) -> Result<CsiResult> {
    let file = &spec.table;
    let names = spec.model.items();
    let p1 = &stage.pass1;
    let (sums, ranges, handled) = match (&stage.fill, &pass2) {
        (Some(_), Some(p2)) => (
            p2.analysed.clone(),
            p1.answered_range.clone(),
            p1.answered
                .iter()
                .map(|s| p1.rows - s.n)
                .sum::<f64>()
                .round() as usize,
        ),
        (Some(_), None) => return Err(Error::Internal("mean replacement without pass 2".into())),
        (None, _) => (
            p1.complete.clone(),
            p1.complete_range.clone(),
            (p1.rows - p1.complete.n).round() as usize,
        ),
    };
    if sums.n < 10.0 {
        return Err(Error::Degenerate(format!(
            "{file}: {} complete respondents; a PLS path model needs at least 10 (and far more for stable estimates)",
            sums.n
        )));
    }
    for (name, r) in names.iter().zip(&ranges) {
        if let Some([lo, _]) = r.filter(|[lo, hi]| lo == hi) {
            return Err(Error::Degenerate(format!(
                "{file}: item '{name}' has the same value ({lo}) for every respondent, so it measures nothing; drop it from its block"
            )));
        }
    }
    let range = ranges
        .iter()
        .flatten()
        .fold(None, |mut r, x| {
            widen(&mut r, x[0]);
            widen(&mut r, x[1]);
            r
        })
        .ok_or_else(|| Error::Internal("no item range".into()))?;
    let moments = ItemMoments::of_sums(&sums, range);
    let r = correlation(&sums);
    let block_data = match (&pass2, stage.blocks) {
        (Some(p2), true) => Some(BlockData::from_group_sums(
            p2.groups.clone(),
            stage.sds.clone(),
        )?),
        _ => None,
    };
    let resampler = match &block_data {
        Some(b) => Resampler::Blocks(b),
        None => Resampler::None,
    };
    let mut result = estimate(
        &spec.model,
        &r,
        &moments,
        resampler,
        (p1.rows.round() as usize, handled),
        &spec.options,
        progress,
    )?;
    result.diagnostics.study = file.clone();
    result
        .diagnostics
        .inputs
        .push(crate::data::diagnostics::InputReport {
            name: file.clone(),
            path: file.clone(),
            level: "respondent".into(),
            rows_read: p1.rows.round() as usize,
            customers: 0,
            customers_kept: 0,
            declared_missing: vec![],
        });
    result.diagnostics.notes.push(
        "the survey was read in parts (--streaming or Spark): the input audit's whole-table checks (Total rows, non-answer codes on an inferred scale, numbers stored as text) were not run; declared missing codes and the declared item scale were applied".into(),
    );
    Ok(result)
}

/// `csi` on a survey streamed from disk: the two passes over the batches in order, then
/// [`finish`]. Memory is set by a batch and the sums, not by the survey.
pub fn stream(
    mut lf: LazyFrame,
    spec: &CsiSpec,
    progress: &indicatif::ProgressBar,
) -> Result<CsiResult> {
    super::check(&spec.options)?;
    let file = &spec.table;
    let schema = lf.collect_schema()?;
    let names: Vec<String> = schema.iter_names().map(|s| s.to_string()).collect();
    for c in spec.columns() {
        let Some(dtype) = schema.get(c.as_str()) else {
            return Err(Error::MissingColumn {
                file: file.clone(),
                column: c.clone(),
                suggestion: crate::error::closest(&c, names.iter().map(String::as_str)),
                available: names.join(", "),
            });
        };
        if spec.key.as_ref() != Some(&c)
            && !(dtype.is_primitive_numeric() || *dtype == DataType::Null)
        {
            return Err(Error::InvalidData(format!(
                "{file}: item '{c}' is {dtype}, not numbers. --streaming reads numbers as numbers only; run without --streaming (which reads number forms in text and says what it changed), or convert the column."
            )));
        }
    }
    let lf = lf.select(
        spec.columns()
            .iter()
            .map(|c| col(c.as_str()))
            .collect::<Vec<_>>(),
    );
    let s = spec.clone();
    let pass1 = crate::analysis::regress_parts::fold_batches(
        lf.clone(),
        // A Parquet row group can hold millions of rows; a pass unpacks its
        // rows' items (16 bytes a cell) and ids per batch.
        Some(crate::analysis::regress_parts::BATCH_ROWS),
        Pass1::default(),
        move |acc, df| add1(acc, df, &s, true),
    )?;
    let stage = std::sync::Arc::new(stage(pass1, spec)?);
    let pass2 = if needs_pass2(&stage) {
        let (s, st) = (spec.clone(), std::sync::Arc::clone(&stage));
        Some(crate::analysis::regress_parts::fold_batches(
            lf,
            Some(crate::analysis::regress_parts::BATCH_ROWS),
            Pass2::default(),
            move |acc, df| add2(acc, df, &s, &st),
        )?)
    } else {
        None
    };
    let stage = std::sync::Arc::try_unwrap(stage).unwrap_or_else(|a| (*a).clone());
    finish(spec, stage, pass2, progress)
}

fn json_error(e: serde_json::Error) -> Error {
    Error::Internal(format!("a part's sums could not be read or written: {e}"))
}

/// The key of a part's analysed-rows sums among its [`Pass2::pieces`].
pub const ANALYSED: i64 = -1;

impl Pass2 {
    /// A part's pass 2 as keyed pieces for a cluster to reduce by key: each non-empty
    /// hash block's sums (key = the block; f64 little-endian bytes) and the analysed
    /// rows' sums (key [`ANALYSED`]; JSON). Adding the pieces of one key in part order
    /// ([`reduce_pieces`]) gives the merged pass 2 whatever the cluster's shuffle order.
    pub fn pieces(&self) -> Result<Vec<(i64, Vec<u8>)>> {
        let mut out = vec![(
            ANALYSED,
            serde_json::to_vec(&self.analysed).map_err(json_error)?,
        )];
        for (g, s) in self.groups.iter().enumerate() {
            if s[0] > 0.0 {
                out.push((g as i64, s.iter().flat_map(|v| v.to_le_bytes()).collect()));
            }
        }
        Ok(out)
    }

    /// The merged pass 2 from one reduced piece per key (blocks without a piece are
    /// empty); `terms` is the length of a block's sums ([`blocks::terms`]).
    pub fn from_pieces(pieces: Vec<(i64, Vec<u8>)>, terms: usize) -> Result<Pass2> {
        let mut out = Pass2::default();
        for (key, bytes) in pieces {
            if key == ANALYSED {
                out.analysed = serde_json::from_slice(&bytes).map_err(json_error)?;
                continue;
            }
            if out.groups.is_empty() {
                out.groups = vec![vec![0.0; terms]; BLOCKS];
            }
            let g = usize::try_from(key)
                .ok()
                .filter(|g| *g < BLOCKS)
                .ok_or_else(|| Error::Internal(format!("hash block {key}")))?;
            out.groups[g] = floats(&bytes, terms)?;
        }
        Ok(out)
    }
}

fn floats(bytes: &[u8], terms: usize) -> Result<Vec<f64>> {
    if bytes.len() != 8 * terms {
        return Err(Error::Internal(format!(
            "a hash block's sums hold {} bytes, not {}",
            bytes.len(),
            8 * terms
        )));
    }
    Ok(bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
        .collect())
}

/// Add the pieces of one key (in part order): hash-block sums term by term, the analysed
/// rows' sums by [`Sums::add`].
pub fn reduce_pieces(key: i64, pieces: &[Vec<u8>], terms: usize) -> Result<Vec<u8>> {
    if key == ANALYSED {
        let mut total = Sums::default();
        for p in pieces {
            total.add(&serde_json::from_slice(p).map_err(json_error)?)?;
        }
        return serde_json::to_vec(&total).map_err(json_error);
    }
    let mut total = vec![0.0; terms];
    for p in pieces {
        for (t, v) in total.iter_mut().zip(floats(p, terms)?) {
            *t += v;
        }
    }
    Ok(total.iter().flat_map(|v| v.to_le_bytes()).collect())
}
