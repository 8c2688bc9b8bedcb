//! Checks of a transaction log before it is summarized: amounts within ±1e150 and
//! calibration/observation ends within the data.

use polars::prelude::*;

use super::dates::{date_text, period_of};
use super::TxSpec;
use crate::data::load;
use crate::error::{Error, Result};

/// Refuse amounts beyond ±1e150 (a mistyped exponent): sums of them overflow, so no spend
/// model means anything. Names the row as the analyst finds it.
pub(super) fn check_amounts(
    df: &DataFrame,
    file: &str,
    amount: &str,
    origin: &load::Origin,
) -> Result<()> {
    use crate::stats::formula::MAX_MAGNITUDE;
    let big = df
        .clone()
        .lazy()
        .with_row_index("__row", None)
        .filter(crate::data::audit::abs(col(amount)).gt(lit(MAX_MAGNITUDE)))
        .select([col("__row"), col(amount)])
        .collect()?;
    if big.height() == 0 {
        return Ok(());
    }
    let row = big.column("__row")?.get(0)?.extract::<u64>().unwrap_or(0) as usize;
    let value = big
        .column(amount)?
        .get(0)?
        .extract::<f64>()
        .unwrap_or(f64::NAN);
    Err(Error::InvalidData(format!(
        "{file}: column '{amount}' holds {value:e} at {}{}: amounts beyond ±1e150 overflow the spend sums, so no CLV computed from them would mean anything. Check the cell (a mistyped exponent?).",
        origin.cell(row, amount),
        if big.height() > 1 {
            format!(" (and {} more rows)", big.height() - 1)
        } else {
            String::new()
        }
    )))
}

/// The calibration must end after the first purchase, and neither end may lie more than
/// one time unit after the last transaction (unless allowed): a model calibrated on months
/// without data, or a holdout without data, gives CLVs and checks that mean nothing.
pub(super) fn check_ends(
    spec: &TxSpec,
    file: &str,
    cal_end: i32,
    obs_end: Option<i32>,
    first: i32,
    last: i32,
) -> Result<()> {
    let (cal_key, obs_key, allow) = if spec.in_study {
        (
            "calibration_end",
            "observation_end",
            "allow_end_after_data = true in [clv]",
        )
    } else {
        (
            "--calibration-end",
            "--observation-end",
            "--allow-end-after-data",
        )
    };
    if cal_end < first {
        return Err(Error::Usage(format!(
            "{cal_key} {} falls before the first purchase in {file} ({}): no customer has a purchase to calibrate on. The log runs from {} to {}.",
            spec.calibration_end,
            date_text(first),
            date_text(first),
            date_text(last)
        )));
    }
    if spec.allow_end_after_data {
        return Ok(());
    }
    // Continuous time: up to one time unit after the last transaction (an export taken on
    // a quiet day); discrete opportunities: the end's period must not follow the last's.
    let beyond = |end: i32| -> Result<bool> {
        Ok(if spec.discrete {
            period_of(spec.unit, end)? > period_of(spec.unit, last)?
        } else {
            end > last + spec.unit.days().ceil() as i32
        })
    };
    for (end, key, text) in [
        (Some(cal_end), cal_key, Some(spec.calibration_end.as_str())),
        (obs_end, obs_key, spec.observation_end.as_deref()),
    ] {
        if let (Some(e), Some(t)) = (end, text) {
            if beyond(e)? {
                return Err(Error::Usage(format!(
                    "{key} {t} falls after the last transaction in {file} ({}): the months after it have no data, so {} The log runs from {} to {}. End it on or before {} (the export's last day), or give {allow} if the log really has no purchases after {}.",
                    date_text(last),
                    if key == cal_key {
                        "every customer would look inactive there and CLV would collapse."
                    } else {
                        "the holdout check would compare predictions with purchases that were never exported."
                    },
                    date_text(first),
                    date_text(last),
                    date_text(last),
                    date_text(last)
                )));
            }
        }
    }
    Ok(())
}
