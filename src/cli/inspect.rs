//! `profitchain inspect FILE...`

use std::path::PathBuf;

use clap::Args;

use profitchain::data::inspect::inspect;
use profitchain::report::text;
use profitchain::Result;

/// Show each table's schema, row count, missing values and id uniqueness.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Tables to inspect (CSV, Parquet, IPC/Arrow, NDJSON, SPSS, Stata, Excel/ODS).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Check that this column holds unique ids.
    #[arg(long, value_name = "COL")]
    pub id: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub file: super::data_args::FileArgs,
}

pub fn run(args: InspectArgs, lang: Option<&str>) -> Result<()> {
    let read = args.file.options()?;
    let lang = super::language(lang, None)?;
    let reports = args
        .files
        .iter()
        .map(|f| inspect(f, args.id.as_deref(), &read))
        .collect::<Result<Vec<_>>>()?;
    if args.json {
        println!("{}", super::to_json(&reports)?);
    } else {
        for r in &reports {
            print!("{}", text::inspection_in(r, lang));
        }
    }
    Ok(())
}
