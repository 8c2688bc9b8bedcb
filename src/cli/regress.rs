//! `profitchain regress`

use std::path::PathBuf;

use clap::Args;

use crate::analysis::regress::{regress, RegressOptions, RegressOutput};
use crate::data::audit::{self, RatingColumn, TableAudit};
use crate::data::Study;
use crate::report::{export, regression as render, text};
use crate::stats::{CovType, Formula};
use crate::{Error, Result};

use super::Rendered;

/// Fit an OLS formula with full inference, overall or per group.
#[derive(Debug, Args)]
pub struct RegressArgs {
    #[command(flatten)]
    pub table: TableArgs,
    /// Model formula, e.g. "revenue ~ satisfaction + share_of_wallet".
    #[arg(long, short = 'f')]
    pub formula: String,
    /// Fit the model separately for each value of this column (e.g. segment).
    #[arg(long, value_name = "COL")]
    pub by: Option<String>,
    /// Covariance type for standard errors.
    #[arg(long, default_value = "nonrobust", value_parser = ["nonrobust", "hc0", "hc1", "hc2", "hc3"])]
    pub se: String,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Output format: text (default), json, csv (one row per group and term), markdown or
    /// xlsx (with -o FILE.xlsx). The extension of -o chooses it too.
    #[arg(long, value_parser = ["text", "json", "csv", "markdown", "xlsx"])]
    pub format: Option<String>,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Read --data in batches on polars' streaming engine (Parquet, IPC or CSV; a file, a
    /// folder or a pattern): memory is set by a batch, not by the table. The models come
    /// from additive sums in two passes (README, "At scale"): the same numbers, but no
    /// Durbin-Watson, and the input audit's whole-table checks are not run.
    #[arg(long, requires = "data")]
    pub streaming: bool,
    #[command(flatten)]
    pub export: super::ExportArgs,
}

pub fn compute(args: RegressArgs, lang: Option<&str>) -> Result<super::Outcome> {
    let format = super::output_format(
        &args.output,
        args.format.as_deref(),
        &["text", "json", "csv", "markdown", "xlsx"],
        &args.export,
    )?;
    let formula = Formula::parse(&args.formula)?;
    if args.streaming {
        return streaming(args, &format, lang);
    }
    let Loaded {
        df,
        file,
        id,
        diagnostics,
        inputs,
    } = formula_table(&args.table, &formula)?;
    super::not_an_input(&[args.output.as_deref()], &inputs)?;
    let lang = super::language(lang, None)?;
    let opts = options(&args, id)?;
    let mut out = regress(&df, &file, &opts)?;
    out.diagnostics = diagnostics;
    outcome(out, &format, &args.output, &args.export, lang)
}

/// The table a formula is fitted on, and how it is read.
#[derive(Debug, Args)]
pub struct TableArgs {
    /// Table to fit: CSV/TSV, whitespace .txt/.dat, Parquet, IPC/Arrow, NDJSON, SPSS
    /// .sav/.zsav, Stata .dta, Excel .xlsx/.xlsm/.xlsb/.xls or .ods.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "study",
        conflicts_with = "study"
    )]
    pub data: Option<PathBuf>,
    /// Or: a study file; the model is fitted on its built customer table.
    #[arg(long, value_name = "FILE")]
    pub study: Option<PathBuf>,
    /// Id column, to name influential rows and customers in messages.
    #[arg(long, value_name = "COL")]
    pub id: Option<String>,
    #[command(flatten)]
    pub file: super::data_args::FileArgs,
    #[command(flatten)]
    pub audit: super::data_args::AuditArgs,
}

/// A table for a formula: read from `--data` through the input audit (the formula's
/// columns made numbers, labelled non-answer codes stopped, totals excluded; a labelled code
/// column used as categories shows its labels), or a study's built customer table.
pub(super) struct Loaded {
    pub df: polars::prelude::DataFrame,
    /// How messages name the table.
    pub file: String,
    pub id: Option<String>,
    pub diagnostics: crate::data::Diagnostics,
    pub inputs: Vec<PathBuf>,
}

pub(super) fn formula_table(args: &TableArgs, formula: &Formula) -> Result<Loaded> {
    let (data, study, id, file, audit) = (
        args.data.as_deref(),
        args.study.as_deref(),
        args.id.clone(),
        &args.file,
        &args.audit,
    );
    let (df, file, id, diagnostics, inputs) = match (data, study) {
        (Some(path), _) => {
            // The formula's columns go through the audit: numbers made numbers, labelled
            // non-answer codes stopped, totals excluded.
            let used: Vec<String> = formula.columns().into_iter().map(|(c, _)| c).collect();
            let numeric: Vec<String> = formula
                .columns()
                .into_iter()
                .filter(|(_, cat)| !cat)
                .map(|(c, _)| c)
                .collect();
            let ctx = TableAudit {
                table: path.display().to_string(),
                id: id.clone(),
                ratings: used
                    .iter()
                    .map(|c| RatingColumn {
                        column: c.clone(),
                        role: "covariate",
                        scale: None,
                        rating: false,
                    })
                    .collect(),
                missing_codes: audit.codes()?,
                allow_out_of_range: audit.allow_out_of_range,
                totals: true,
                ..Default::default()
            };
            let a = audit::read(path, &file.options()?, ctx, &numeric).map_err(|e| {
                let column = match &e {
                    Error::NonNumeric { column, .. } => column.clone(),
                    _ => String::new(),
                };
                crate::stats::formula::as_category_hint(e, &column)
            })?;
            let t = a.table;
            // A labelled code column used as categories, C(region), shows its labels.
            let mut df = t.df;
            for (c, cat) in formula.columns() {
                if cat {
                    df = t.meta.with_labels(df, &c)?;
                }
            }
            (
                df,
                path.display().to_string(),
                id.clone(),
                a.diagnostics,
                vec![path.to_path_buf()],
            )
        }
        (None, Some(study)) => {
            let mut s = Study::from_file(study)?;
            s.options.missing_codes.merge(audit.codes()?);
            s.options.allow_out_of_range |= audit.allow_out_of_range;
            let table = crate::analysis::study::build(&s)?.table;
            (
                table.df,
                format!("customer table of {}", study.display()),
                id.clone().or(Some(table.id)),
                table.diagnostics,
                super::study_inputs(&s),
            )
        }
        (None, None) => return Err(Error::Usage("give --data FILE or --study FILE".into())),
    };
    Ok(Loaded {
        df,
        file,
        id,
        diagnostics,
        inputs,
    })
}

fn options(args: &RegressArgs, id: Option<String>) -> Result<RegressOptions> {
    Ok(RegressOptions {
        formula: args.formula.clone(),
        by: args.by.clone(),
        se: CovType::parse(&args.se)?,
        confidence: args.confidence,
        id,
    })
}

/// `regress --streaming`: the table read in batches, the models from additive sums.
fn streaming(args: RegressArgs, format: &str, lang: Option<&str>) -> Result<super::Outcome> {
    let Some(path) = &args.table.data else {
        return Err(Error::Usage("--streaming reads --data FILE".into()));
    };
    super::not_an_input(&[args.output.as_deref()], std::slice::from_ref(path))?;
    let lang = super::language(lang, None)?;
    let opts = options(&args, args.table.id.clone())?;
    let lf = crate::data::load::sources::stream_scan(path)?;
    let out = crate::analysis::regress_parts::stream(lf, &path.display().to_string(), &opts)?;
    outcome(out, format, &args.output, &args.export, lang)
}

fn outcome(
    out: RegressOutput,
    format: &str,
    output: &Option<PathBuf>,
    export_args: &super::ExportArgs,
    lang: crate::report::i18n::Lang,
) -> Result<super::Outcome> {
    let rendered = match format {
        "json" => Rendered::Text(super::to_json(&out)? + "\n"),
        "csv" => Rendered::Text(render::csv(&mut render::tidy(&out)?)?),
        "markdown" => Rendered::Text(render::markdown(&out)),
        "xlsx" => Rendered::Bytes(export::workbook(&render::export(&out)?)?),
        _ => Rendered::Text(text_in(&out, lang)?),
    };
    let json = super::to_json(&out)? + "\n";
    let export = render::export(&out)?;
    Ok(super::Outcome::new("regress", json, rendered, out, text_in)
        .to(output)
        .with_export(export, export_args))
}

/// The text output: the audit's findings, then each model.
fn text_in(out: &RegressOutput, lang: crate::report::i18n::Lang) -> Result<String> {
    Ok(text::audit_block(&out.diagnostics, lang, "")
        + &out
            .models
            .iter()
            .map(render::text)
            .collect::<Vec<_>>()
            .join("\n"))
}
