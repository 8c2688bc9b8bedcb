//! Survey columns for the model: required numeric items, missing-value handling (counted),
//! the grouping column, and the checks that stop a fit that could not mean anything.

use polars::prelude::*;

use super::Missing;
use crate::data::load;
use crate::error::{Error, Result};
use crate::stats::pls::model::ModelFile;
use crate::stats::pls::PlsModel;

/// Read a model file and the survey it describes, and validate the model against the
/// survey's columns: (model file, model, survey).
pub fn read_model_and_data(
    model_path: &std::path::Path,
    data_path: &std::path::Path,
    read: &load::ReadOptions,
) -> Result<(ModelFile, PlsModel, DataFrame)> {
    let src = model_path.display().to_string();
    let spec = ModelFile::read(model_path)?;
    let model = spec.model(&src)?;
    let df = load::read(data_path, read)?;
    let columns: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    model.validate(&src, Some(&columns))?;
    Ok((spec, model, df))
}

/// Survey data ready for the model.
pub struct Prepared {
    /// Item columns in block order, complete.
    pub cols: Vec<Vec<f64>>,
    pub rows_read: usize,
    /// Respondents left out (casewise) or cells replaced (mean).
    pub handled: usize,
    /// Each respondent's group (with `by`).
    pub groups: Option<Vec<String>>,
}

/// The items as complete columns after missing-value handling, and the group column
/// `by` as text (a respondent without a group is left out and counted).
pub fn prepare(
    df: &DataFrame,
    file: &str,
    items: &[String],
    missing: Missing,
    by: Option<&str>,
) -> Result<Prepared> {
    let mut df = df.clone();
    let rows_before_groups = df.height();
    let mut no_group = 0;
    if let Some(g) = by {
        load::require_column(&df, file, g)?;
        df = df
            .lazy()
            .with_column(col(g).cast(DataType::String).alias("__group"))
            .collect()?;
        let kept = df
            .clone()
            .lazy()
            .filter(col("__group").is_not_null())
            .collect()?;
        no_group = rows_before_groups - kept.height();
        df = kept;
    }
    for i in items {
        load::require_column(&df, file, i)?;
        df = load::require_numeric(df, file, i, &Default::default())?;
    }
    let rows = rows_before_groups;
    let any_missing = items
        .iter()
        .map(|i| col(i.as_str()).is_null().or(col(i.as_str()).is_nan()))
        .reduce(|a, b| a.or(b))
        .unwrap_or(lit(false));
    let (df, handled) = match missing {
        Missing::Casewise => {
            let kept = df.lazy().filter(any_missing.not()).collect()?;
            let dropped = rows - kept.height();
            (kept, dropped)
        }
        Missing::Mean => {
            let cells: usize = items
                .iter()
                .map(|i| df.column(i).map(|c| c.null_count()).unwrap_or(0))
                .sum();
            let filled = df
                .lazy()
                .with_columns(
                    items
                        .iter()
                        .map(|i| col(i.as_str()).fill_null(col(i.as_str()).mean()))
                        .collect::<Vec<_>>(),
                )
                .collect()?;
            (filled, cells + no_group)
        }
    };
    let cols: Vec<Vec<f64>> = items
        .iter()
        .map(|i| load::f64_values(&df, i))
        .collect::<Result<_>>()?;
    let n = df.height();
    if n < 10 {
        return Err(Error::Degenerate(format!(
            "{file}: {n} complete respondents; a PLS path model needs at least 10 (and far more for stable estimates)"
        )));
    }
    for (i, c) in items.iter().zip(&cols) {
        if !c.iter().all(|v| v.is_finite()) {
            return Err(Error::InvalidData(format!(
                "{file}: item '{i}' holds NaN or infinite values; clean them or use --missing mean"
            )));
        }
        let first = c[0];
        if c.iter().all(|v| *v == first) {
            return Err(Error::Degenerate(format!(
                "{file}: item '{i}' has the same value ({first}) for every respondent, so it measures nothing; drop it from its block"
            )));
        }
    }
    let groups = match by {
        Some(_) => Some(
            df.column("__group")?
                .str()?
                .iter()
                .map(|v| v.unwrap_or_default().to_string())
                .collect(),
        ),
        None => None,
    };
    Ok(Prepared {
        cols,
        rows_read: rows,
        handled,
        groups,
    })
}
