//! A study's `[csi]` section: the satisfaction-index model is fitted on the survey table
//! and each respondent's 0–100 construct indices are added to it as `<Construct>_index`
//! columns, which then roll up to customers like any respondent column (so
//! `roles.satisfaction = "Satisfaction_index"` runs the chain on the PLS index).

use std::collections::HashMap;

use polars::prelude::*;

use super::csi::{self, CsiOptions, CsiResult, Missing};
use crate::data::load;
use crate::data::study::{CsiSpec, Level, Study};
use crate::error::{Error, Result};
use crate::stats::pls::{Scheme, Settings};

/// The `[csi]` section's survey table.
fn survey_table<'a>(study: &'a Study, spec: &CsiSpec) -> Result<&'a crate::data::study::TableSpec> {
    match &spec.table {
        Some(name) => study
            .tables
            .iter()
            .find(|t| &t.name == name)
            .ok_or_else(|| {
                Error::study(
                    "[csi]",
                    format!("table = '{name}' is not a [[table]] of the study"),
                )
            }),
        None => study
            .tables
            .iter()
            .find(|t| t.level == Level::Respondent)
            .ok_or_else(|| {
                Error::study(
                    "[csi]",
                    "no respondent-level table to fit the model on; name one with table = \"...\"",
                )
            }),
    }
}

/// Compare the model between the study's segments (each respondent takes its customer's
/// segment; respondents of customers not analysed are left out of the comparison), when
/// there are at least two segments.
pub fn compare_segments(
    study: &Study,
    spec: &CsiSpec,
    table: &crate::data::build::CustomerTable,
    result: &mut CsiResult,
) -> Result<()> {
    if table.segments.len() < 2 {
        return Ok(());
    }
    let t = survey_table(study, spec)?;
    let id = study.table_id(t).to_string();
    let df = load::read(&study.resolve(t), &t.read_options()?)?;
    let segments = table.df.clone().lazy().select([
        col(table.id.as_str()).alias("__id"),
        col(crate::data::build::cols::SEGMENT).alias("__segment"),
    ]);
    let joined = df
        .lazy()
        .with_column(
            col(id.as_str())
                .cast(DataType::String)
                .str()
                .strip_chars(lit(NULL))
                .alias("__id"),
        )
        .join(
            segments,
            [col("__id")],
            [col("__id")],
            JoinArgs::new(JoinType::Left),
        )
        .collect()?;
    let file = study.resolve(t).display().to_string();
    let prep = csi::prepare(
        &joined,
        &file,
        &result.model.items(),
        Missing::Casewise,
        Some("__segment"),
    )?;
    if let Some(labels) = &prep.groups {
        result.groups =
            csi::compare_groups(&result.model, &prep.cols, labels, &result.options, 1000)?;
        result.group_indices = csi::group_indices(result, &prep.cols, labels)?;
    }
    Ok(())
}

/// Fit the `[csi]` model and put its survey table, with the index columns, in `prepared`.
pub fn indices(
    study: &Study,
    spec: &CsiSpec,
    prepared: &mut HashMap<String, DataFrame>,
) -> Result<CsiResult> {
    let table = survey_table(study, spec)?;
    let model_path = if spec.model.is_absolute() {
        spec.model.clone()
    } else {
        study.base_dir.join(&spec.model)
    };
    let path = study.resolve(table);
    let file = path.display().to_string();
    let mut read = table.read_options()?;
    read.text_columns = table.respondent.iter().cloned().collect();
    let ctx = crate::data::build::table_audit(study, table, &study.options.missing_codes);
    let (file_spec, model, audited) =
        csi::read_model_and_data(&model_path, &path, &read, ctx, spec.scale)?;
    let df = audited.table.df;
    let items = model.items();
    let prep = csi::prepare(&df, &file, &items, Missing::Casewise, None)?;
    let opts = CsiOptions {
        settings: Settings {
            scheme: Scheme::parse(&spec.scheme)?,
            ..Default::default()
        },
        bootstrap: spec.bootstrap,
        scale: spec.scale.or(file_spec.scale),
        consistent: spec.consistent,
        ..Default::default()
    };
    let mut result = csi::run(
        &model,
        &prep.cols,
        prep.rows_read,
        prep.handled,
        &opts,
        None,
        &indicatif::ProgressBar::hidden(),
    )?;
    result.diagnostics = audited.diagnostics;
    // Scores for every row; a respondent with a missing item gets no index (null), and is
    // then counted by the build like any respondent without a rating.
    let all: Vec<Vec<f64>> = items
        .iter()
        .map(|i| load::f64_values(&df, i))
        .collect::<Result<_>>()?;
    let scores = csi::scores(&result, &all)?;
    let mut out = df;
    for c in scores.columns() {
        let v: Vec<Option<f64>> = c
            .f64()?
            .iter()
            .map(|x| x.filter(|v| v.is_finite()))
            .collect();
        out.with_column(Column::new(format!("{}_index", c.name()).into(), v))?;
    }
    prepared.insert(table.name.clone(), out);
    Ok(result)
}
