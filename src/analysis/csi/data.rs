//! Survey columns for the model: required numeric items, missing-value handling (counted),
//! the grouping column, and the checks that stop a fit that could not mean anything.

use polars::prelude::*;

use super::Missing;
use crate::data::audit::{Audited, RatingColumn, TableAudit};
use crate::data::load;
use crate::error::{Error, Result};
use crate::stats::pls::model::ModelFile;
use crate::stats::pls::PlsModel;

/// Read a model file and the survey it describes, validate the model against the
/// survey's columns, and audit the survey with the items as ratings on the declared scale
/// (`scale`, else the model file's): (model file, model, audited survey).
pub fn read_model_and_data(
    model_path: &std::path::Path,
    data_path: &std::path::Path,
    read: &load::ReadOptions,
    mut audit: TableAudit,
    scale: Option<[f64; 2]>,
) -> Result<(ModelFile, PlsModel, Audited)> {
    let src = model_path.display().to_string();
    let spec = ModelFile::read(model_path)?;
    let model = spec.model(&src)?;
    let header = load::read(data_path, read)?;
    let columns: Vec<String> = header
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    drop(header);
    model.validate(&src, Some(&columns))?;
    let items = model.items();
    let scale = scale.or(spec.scale);
    audit.ratings = items
        .iter()
        .map(|i| RatingColumn::rating(i, "item", scale))
        .collect();
    audit.survey = true;
    audit.totals = true;
    let audited = crate::data::audit::read(data_path, read, audit, &items)?;
    Ok((spec, model, audited))
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
    /// The table's row (0-based, as given) of each respondent in `cols`.
    pub rows: Vec<usize>,
    /// Respondents left out: their row and why.
    pub excluded: Vec<(usize, String)>,
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
    let mut df = df.clone().lazy().with_row_index("__row", None).collect()?;
    let rows_before_groups = df.height();
    let mut no_group = 0;
    let mut excluded: Vec<(usize, String)> = Vec::new();
    let rows_of = |d: &DataFrame| -> Result<Vec<usize>> {
        Ok(d.column("__row")?
            .idx()?
            .iter()
            .map(|r| r.unwrap_or(0) as usize)
            .collect())
    };
    if let Some(g) = by {
        load::require_column(&df, file, g)?;
        df = df
            .lazy()
            .with_column(col(g).cast(DataType::String).alias("__group"))
            .collect()?;
        let gone = df
            .clone()
            .lazy()
            .filter(col("__group").is_null())
            .collect()?;
        excluded.extend(
            rows_of(&gone)?
                .into_iter()
                .map(|r| (r, format!("no value in the grouping column '{g}'"))),
        );
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
        let c = df.column(i)?;
        if c.null_count() == c.len() {
            return Err(Error::InvalidData(format!(
                "{file}: item '{i}' has no answer in any row, so it measures nothing: check the column (declared missing codes? a wrong column?) or drop it from its block"
            )));
        }
    }
    let rows = rows_before_groups;
    let any_missing = items
        .iter()
        .map(|i| col(i.as_str()).is_null().or(col(i.as_str()).is_nan()))
        .reduce(|a, b| a.or(b))
        .unwrap_or(lit(false));
    let (df, handled) = match missing {
        Missing::Casewise => {
            // Each respondent left out is listed with the first item it lacks.
            let gone = df.clone().lazy().filter(any_missing.clone()).collect()?;
            let gone_rows = rows_of(&gone)?;
            for (k, r) in gone_rows.into_iter().enumerate() {
                let item = items
                    .iter()
                    .find(|i| {
                        gone.column(i)
                            .ok()
                            .and_then(|c| c.f64().ok().map(|f| f.get(k)))
                            .is_some_and(|v| v.is_none_or(f64::is_nan))
                    })
                    .cloned()
                    .unwrap_or_default();
                excluded.push((r, format!("missing item '{item}'")));
            }
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
                "{file}: item '{i}' holds NaN or infinite values; clean them{}",
                if missing == Missing::Casewise {
                    " (blank cells are left out casewise, or filled with --missing mean)"
                } else {
                    ""
                }
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
    excluded.sort_by_key(|(r, _)| *r);
    Ok(Prepared {
        rows: rows_of(&df)?,
        cols,
        rows_read: rows,
        handled,
        groups,
        excluded,
    })
}

/// Each respondent's hash block (the rows of `prep`, keyed by column `key` of `df`) when
/// the bootstrap resamples blocks: `resampling` blocks, or auto from
/// [`crate::stats::blocks::AUTO_FROM`] respondents with a key. None: respondents.
pub fn block_groups(
    df: &DataFrame,
    prep: &Prepared,
    key: Option<&str>,
    opts: &super::CsiOptions,
    file: &str,
    origin: &load::Origin,
) -> Result<Option<Vec<u32>>> {
    use crate::stats::blocks::{self, Resampling};
    let n = prep.rows.len();
    let key = match (opts.resampling, key) {
        _ if opts.bootstrap == 0 => return Ok(None),
        (Resampling::Customers, _) | (Resampling::Auto, None) => return Ok(None),
        (Resampling::Blocks, None) => {
            return Err(Error::Usage(
                "--resampling blocks groups respondents by a hash of their id: give --respondent COL (or --id COL)".into(),
            ))
        }
        (r, Some(k)) => {
            if !r.uses_blocks(n, "the survey")? {
                return Ok(None);
            }
            k
        }
    };
    load::require_column(df, file, key)?;
    let ids = df.column(key)?.cast(&DataType::String)?;
    let ids = ids.str()?;
    let mut out = Vec::with_capacity(n);
    for &r in &prep.rows {
        match ids.get(r) {
            Some(id) if !id.trim().is_empty() => {
                out.push(blocks::group_of(id.trim(), opts.seed) as u32)
            }
            _ => {
                return Err(Error::InvalidData(format!(
                    "{file}: {} has no value in the id column '{key}', which groups respondents for the bootstrap; fill it, or resample respondents (--resampling customers)",
                    origin.row(r)
                )))
            }
        }
    }
    Ok(Some(out))
}
