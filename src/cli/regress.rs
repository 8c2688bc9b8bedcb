//! `profitchain regress`

use std::path::PathBuf;

use clap::Args;

use profitchain::analysis::regress::{regress, RegressOptions};
use profitchain::data::{load, Study};
use profitchain::report::regression as render;
use profitchain::stats::CovType;
use profitchain::{Error, Result};

/// Fit an OLS formula with full inference, overall or per group.
#[derive(Debug, Args)]
pub struct RegressArgs {
    /// Table to fit (CSV, Parquet, IPC/Arrow, NDJSON).
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
    /// Id column, to name influential rows.
    #[arg(long, value_name = "COL")]
    pub id: Option<String>,
    /// Output format.
    #[arg(long, default_value = "text", value_parser = ["text", "json", "csv", "markdown"])]
    pub format: String,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub export: super::ExportArgs,
    #[command(flatten)]
    pub file: super::data_args::FileArgs,
}

pub fn run(args: RegressArgs, _lang: Option<&str>) -> Result<()> {
    let (df, file, id) = match (&args.data, &args.study) {
        (Some(path), _) => {
            let t = load::read_table(path, &args.file.options()?)?;
            // A labelled code column used as categories, C(region), shows its labels.
            let mut df = t.df;
            for c in t.meta.columns.keys() {
                if args.formula.contains(&format!("C({c})")) {
                    df = t.meta.with_labels(df, c)?;
                }
            }
            (df, path.display().to_string(), args.id.clone())
        }
        (None, Some(study)) => {
            let table = profitchain::analysis::study::build(&Study::from_file(study)?)?.table;
            (
                table.df,
                format!("customer table of {}", study.display()),
                args.id.clone().or(Some(table.id)),
            )
        }
        (None, None) => return Err(Error::Usage("give --data FILE or --study FILE".into())),
    };
    let opts = RegressOptions {
        formula: args.formula.clone(),
        by: args.by.clone(),
        se: CovType::parse(&args.se)?,
        confidence: args.confidence,
        id,
    };
    let out = regress(&df, &file, &opts)?;
    args.export.write(|| render::export(&out))?;
    let text = match args.format.as_str() {
        "json" => super::to_json(&out)? + "\n",
        "csv" => render::csv(&mut render::tidy(&out)?)?,
        "markdown" => render::markdown(&out),
        _ => out
            .models
            .iter()
            .map(render::text)
            .collect::<Vec<_>>()
            .join("\n"),
    };
    super::emit(&args.output, &text)
}
