//! The streamed chain ([`super::streamed`]) on a table held in parts elsewhere — the
//! partitions of a Spark DataFrame (`profitchain.spark.chain`): each part is counted and
//! summed on its own (pass 1), the driver merges the parts' sums (Chan, Golub & LeVeque's
//! pairwise update, in part order) and says which segments there are, each part then sums
//! its residuals and hash groups under the merged fits (pass 2), and the driver finishes
//! the chain from the merged pass-2 sums. Every step's input and output is JSON, so it
//! crosses from Python to the executors and back.
//!
//! Within a part the rows are added in order, exactly as on one machine; between parts the
//! sums are merged, so the results agree with `chain --streaming` on the same rows to the
//! order of floating-point sums (tests: to 1e-9 with 1, 7 and 64 partitions).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::streamed::{self, Pass1, Pass2};
use super::{ChainOptions, ChainResult};
use crate::data::build::stream::{self as build_stream, Plan, DROP};
use crate::data::{Diagnostics, Study};
use crate::error::{Error, Result};
use crate::stats::moments::Sums;

/// What every part is told: the study (one table with a row per customer; its path is
/// replaced by each part's rows) and the chain's options.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChainSpec {
    pub study: Study,
    pub options: ChainOptions,
}

/// What the driver tells the parts for pass 2, and keeps for the end: the segments in
/// report order (`all` first), the merged pass-1 sums and the diagnostics.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stage2 {
    pub names: Vec<String>,
    pub sums: BTreeMap<String, Sums>,
    pub diagnostics: Diagnostics,
}

impl ChainSpec {
    /// Check what the driver can check before any part is read (the options a stream
    /// takes, one table), so a refusal is raised once, not by every executor.
    pub fn check(&self) -> Result<()> {
        streamed::stream_options(&self.options)?;
        if self.study.tables.len() != 1 {
            return Err(Error::Usage(
                "the chain on a Spark DataFrame reads one table with a row per customer".into(),
            ));
        }
        Ok(())
    }
}

/// The plan over one part's rows (registered in memory while the guard lives).
fn plan_of(
    df: DataFrame,
    spec: &ChainSpec,
) -> Result<(Plan, crate::data::load::memory::Registered)> {
    let guard = crate::data::load::memory::register("part", df);
    let mut study = spec.study.clone();
    let Some(table) = study.tables.first_mut() else {
        return Err(Error::Usage("the chain on parts reads one table".into()));
    };
    table.path = guard.path.clone();
    Ok((build_stream::plan(&study)?, guard))
}

/// Pass 1 on one part: its tally and each segment's sums.
pub fn part1(df: DataFrame, spec: &ChainSpec) -> Result<Pass1> {
    streamed::stream_options(&spec.options)?;
    let (plan, _guard) = plan_of(df, spec)?;
    let batch = plan.lf.clone().collect()?;
    let mut state = Pass1::default();
    // Repeated ids across parts are the caller's to check (on the whole table); the set
    // here sees one part.
    let ids = Arc::new(Mutex::new(Default::default()));
    streamed::pass1(&mut state, &batch, &plan, &ids)?;
    Ok(state)
}

/// Merge the parts' pass-1 results (in part order) and name the segments; `table` names
/// the table in messages. Stops as the builder stops (nothing left, impossible values…).
pub fn stage2(parts: Vec<Pass1>, spec: &ChainSpec, table: &str) -> Result<Stage2> {
    let mut tally = build_stream::Tally::default();
    let mut sums: BTreeMap<String, Sums> = BTreeMap::new();
    for p in parts {
        tally.merge(&p.tally);
        for (s, part) in p.sums {
            match sums.get_mut(&s) {
                Some(m) => m.add(&part)?,
                None => {
                    sums.insert(s, part);
                }
            }
        }
    }
    if streamed::tally_is_empty(&sums) {
        return Err(Error::Empty {
            what: table.to_string(),
            hint: "It has no rows to analyse.".into(),
        });
    }
    let (diagnostics, segments) = tally.summarize(&spec.study, table)?;
    Ok(Stage2 {
        names: streamed::segment_names(segments),
        sums,
        diagnostics,
    })
}

/// Pass 2 on one part: each segment's residual and hash-group sums under the merged fits.
pub fn part2(df: DataFrame, spec: &ChainSpec, stage: &Stage2) -> Result<Pass2> {
    let opts = streamed::stream_options(&spec.options)?;
    let (plan, _guard) = plan_of(df, spec)?;
    let (fitted, _) = streamed::fit_segments(&stage.names, &stage.sums, &opts)?;
    let batch = plan.lf.clone().filter(col(DROP).eq(lit(0u32))).collect()?;
    let mut state = Pass2::new();
    streamed::pass2(&mut state, &batch, &plan, &fitted)?;
    Ok(state)
}

/// The chain from the merged pass-1 sums and every part's pass-2 sums (in part order).
pub fn finish(spec: &ChainSpec, stage: Stage2, parts: Vec<Pass2>) -> Result<ChainResult> {
    let opts = streamed::stream_options(&spec.options)?;
    let (fitted, early) = streamed::fit_segments(&stage.names, &stage.sums, &opts)?;
    let mut merged = Pass2::new();
    for part in parts {
        for (segment, (res, groups)) in part {
            match merged.get_mut(&segment) {
                None => {
                    merged.insert(segment, (res, groups));
                }
                Some((r, g)) => {
                    if r.len() != res.len() || g.len() != groups.len() {
                        return Err(Error::Internal(format!(
                            "pass-2 sums of segment '{segment}' differ in shape between parts"
                        )));
                    }
                    for (a, b) in r.iter_mut().zip(&res) {
                        a.add(b);
                    }
                    for (a, b) in g.iter_mut().zip(&groups) {
                        for (x, y) in a.iter_mut().zip(b) {
                            *x += y;
                        }
                    }
                }
            }
        }
    }
    streamed::results(
        &stage.names,
        stage.sums,
        &fitted,
        early,
        merged,
        &stage.diagnostics,
        &opts,
    )
}
