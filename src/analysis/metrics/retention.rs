//! Retention between two survey waves.

use polars::prelude::*;
use statrs::distribution::{ContinuousCDF, Normal};

use super::{wilson, Index};
use crate::data::load;
use crate::error::{Error, Result};

/// Retention between two waves of customer ids: the share of wave-1 customers still
/// present in wave 2 (a semi join in polars), with a Wilson CI.
pub fn wave_retention(
    wave1: &DataFrame,
    wave2: &DataFrame,
    id: &str,
    confidence: f64,
) -> Result<Index> {
    load::require_column(wave1, "wave 1", id)?;
    load::require_column(wave2, "wave 2", id)?;
    let ids = |df: &DataFrame| {
        df.clone()
            .lazy()
            .select([col(id).cast(DataType::String)])
            .drop_nulls(None)
            .unique(None, UniqueKeepStrategy::Any)
    };
    let n1 = ids(wave1).collect()?.height();
    if n1 == 0 {
        return Err(Error::Empty {
            what: "wave 1".into(),
            hint: format!("no customer ids in column '{id}'"),
        });
    }
    let kept = ids(wave1)
        .semi_join(ids(wave2), col(id), col(id))
        .collect()?
        .height();
    let z = Normal::new(0.0, 1.0)
        .map(|d| d.inverse_cdf(0.5 + confidence / 2.0))
        .map_err(|e| Error::Internal(e.to_string()))?;
    let (lo, hi) = wilson(kept as f64, n1 as f64, z);
    Ok(Index {
        n: n1,
        value: 100.0 * kept as f64 / n1 as f64,
        ci_low: lo,
        ci_high: hi,
    })
}
