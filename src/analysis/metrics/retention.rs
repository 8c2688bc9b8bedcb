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
