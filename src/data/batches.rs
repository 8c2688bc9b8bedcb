//! Running a function on every batch of a plan on polars' streaming engine (its callback
//! sink), for the passes that add up summaries batch by batch: the streamed estimators'
//! sums, and the builder's check for a respondent answering twice.

use std::sync::{Arc, Mutex};

use polars::prelude::*;

use crate::error::{Error, Result};

/// Rows handed to a streamed pass at a time, where the pass allows slicing a batch.
pub(crate) const BATCH_ROWS: usize = 65_536;

/// Run `f` on every batch of `lf` on polars' streaming engine (memory: one batch at a time
/// per thread); the first error stops the run and is returned as it was raised. A batch
/// is what the source yields (a Parquet file's row group, however large), or with `rows`
/// at most that many rows: slices of it, so what `f` builds per batch stays small.
pub(crate) fn each_batch<T: Send + 'static>(
    lf: LazyFrame,
    rows: Option<usize>,
    f: impl Fn(&DataFrame) -> Result<Vec<T>> + Send + Sync + 'static,
) -> Result<Vec<T>> {
    let out: Arc<Mutex<(Vec<T>, Option<Error>)>> = Arc::new(Mutex::new((Vec::new(), None)));
    let sink = Arc::clone(&out);
    let callback = PlanCallback::new(move |df: DataFrame| -> PolarsResult<bool> {
        if df.height() == 0 {
            return Ok(false);
        }
        let got = f(&df);
        let mut guard = sink
            .lock()
            .map_err(|_| PolarsError::ComputeError("a batch failed".into()))?;
        match got {
            Ok(v) => {
                guard.0.extend(v);
                Ok(false)
            }
            Err(e) => {
                guard.1.get_or_insert(e);
                // Stop: the rest of the stream is not read.
                Ok(true)
            }
        }
    });
    lf.sink_batches(callback, true, rows.and_then(std::num::NonZeroUsize::new))?
        .collect_with_engine(Engine::Streaming)?;
    let mut guard = out
        .lock()
        .map_err(|_| Error::Internal("a batch of the stream failed".into()))?;
    if let Some(e) = guard.1.take() {
        return Err(e);
    }
    Ok(std::mem::take(&mut guard.0))
}

/// Run `step` on each batch of `lf` in the stream's order, on one state (`rows`: as
/// [`each_batch`]).
pub(crate) fn fold_batches<S: Send + 'static>(
    lf: LazyFrame,
    rows: Option<usize>,
    state: S,
    step: impl Fn(&mut S, &DataFrame) -> Result<()> + Send + Sync + 'static,
) -> Result<S> {
    let shared = Arc::new(Mutex::new(state));
    let s = Arc::clone(&shared);
    each_batch(lf, rows, move |b| {
        let mut guard = s
            .lock()
            .map_err(|_| Error::Internal("a batch of the stream failed".into()))?;
        step(&mut guard, b)?;
        Ok(Vec::<()>::new())
    })?;
    let state = Arc::try_unwrap(shared)
        .map_err(|_| Error::Internal("the stream still holds its state".into()))?;
    state
        .into_inner()
        .map_err(|_| Error::Internal("a batch of the stream failed".into()))
}
