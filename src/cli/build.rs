//! `profitchain build`

use std::path::PathBuf;

use clap::Args;

use profitchain::report::text;
use profitchain::{output, Result};

use super::data_args::DataArgs;

/// Build the one-row-per-customer table and print what was read, joined and dropped.
#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Output table: .csv, .parquet or .xlsx.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Also write the diagnostics as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub diagnostics_json: Option<PathBuf>,
}

pub fn run(args: BuildArgs, lang: Option<&str>) -> Result<()> {
    let study = args.data.study(&[], &[])?;
    super::not_an_input(
        &[
            Some(args.output.as_path()),
            args.diagnostics_json.as_deref(),
        ],
        &super::study_inputs(&study),
    )?;
    let lang = super::language(lang, Some(&study))?;
    let mut table = profitchain::analysis::study::build(&study)?.table;
    super::write_table(&args.output, &mut table.df)?;
    if let Some(p) = &args.diagnostics_json {
        output::write_text(p, &(super::to_json(&table.diagnostics)? + "\n"))?;
    }
    print!("{}", text::diagnostics_in(&table.diagnostics, lang));
    println!(
        "{}",
        lang.f(
            "d_wrote",
            &[("n", &table.df.height()), ("path", &args.output.display())]
        )
    );
    Ok(())
}
