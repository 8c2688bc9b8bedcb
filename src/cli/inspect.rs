//! `profitchain inspect FILE...` / `profitchain inspect --study FILE`

use std::path::PathBuf;

use clap::Args;

use crate::data::inspect::{inspect, inspect_study};
use crate::data::Study;
use crate::report::text;
use crate::{Error, Result};

/// Show each table's schema, row count, missing values, id uniqueness and the input audit:
/// what an analysis would stop on, warn about or do to the data.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Tables to inspect (CSV/TSV, whitespace .txt/.dat logs, Parquet, IPC/Arrow, NDJSON,
    /// SPSS .sav/.zsav, Stata .dta, Excel .xlsx/.xlsm/.xlsb/.xls, LibreOffice .ods).
    #[arg(value_name = "FILE", required_unless_present = "study")]
    pub files: Vec<PathBuf>,
    /// A study file: every table it names, audited as `build` would (its roles, scales and
    /// missing codes), without stopping.
    #[arg(long, value_name = "FILE", conflicts_with = "files")]
    pub study: Option<PathBuf>,
    /// Id column whose uniqueness to check: COL for every file, or FILE=COL for one
    /// (repeatable; FILE is the path or its file name).
    #[arg(long, value_name = "COL|FILE=COL")]
    pub id: Vec<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub file: super::data_args::FileArgs,
}

/// The id column `--id` names for `file`: a FILE=COL entry matching its path or file name,
/// else a plain COL.
fn id_for<'a>(ids: &'a [String], file: &std::path::Path) -> Option<&'a str> {
    let name = file.file_name().map(|n| n.to_string_lossy().to_string());
    ids.iter()
        .filter_map(|i| i.split_once('='))
        .find(|(f, _)| std::path::Path::new(f) == file || Some(f.to_string()) == name)
        .map(|(_, c)| c)
        .or_else(|| ids.iter().find(|i| !i.contains('=')).map(String::as_str))
}

pub fn compute(args: InspectArgs, lang: Option<&str>) -> Result<super::Outcome> {
    let read = args.file.options()?;
    let reports = match &args.study {
        Some(path) => {
            if !args.id.is_empty() || args.file.is_set() {
                return Err(Error::Usage(
                    "with --study the study file names the id columns and how to read each table; drop --id/--sheet/--encoding/--separator/--decimal-comma".into(),
                ));
            }
            inspect_study(&Study::from_file(path)?)?
        }
        None => {
            for i in args.id.iter().filter_map(|i| i.split_once('=')) {
                if !args.files.iter().any(|f| {
                    std::path::Path::new(i.0) == f
                        || f.file_name().is_some_and(|n| n.to_string_lossy() == i.0)
                }) {
                    return Err(Error::Usage(format!(
                        "--id {}={}: '{}' is not one of the files inspected",
                        i.0, i.1, i.0
                    )));
                }
            }
            args.files
                .iter()
                .map(|f| inspect(f, id_for(&args.id, f), &read))
                .collect::<Result<Vec<_>>>()?
        }
    };
    let lang = super::language(lang, None)?;
    let json = super::to_json(&reports)? + "\n";
    let main = super::Rendered::Text(if args.json {
        json.clone()
    } else {
        text_in(&reports, lang)?
    });
    Ok(super::Outcome::new(
        "inspect",
        json,
        main,
        reports,
        |r, l| text_in(r, l),
    ))
}

fn text_in(
    reports: &[crate::data::inspect::Inspection],
    lang: crate::report::i18n::Lang,
) -> Result<String> {
    Ok(reports
        .iter()
        .map(|r| text::inspection_in(r, lang))
        .collect())
}
