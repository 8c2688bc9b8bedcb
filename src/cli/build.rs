//! `profitchain build`

use std::path::PathBuf;

use clap::Args;

use crate::report::text;
use crate::{output, Result};

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
    /// Read the tables on polars' streaming engine (CSV, Parquet or IPC: files, folders,
    /// patterns): the respondents' rows are never held in memory, only the customers.
    #[arg(long)]
    pub streaming: bool,
}

pub fn compute(args: BuildArgs, lang: Option<&str>) -> Result<super::Outcome> {
    let study = args.data.study(&[], &[])?;
    super::not_an_input(
        &[
            Some(args.output.as_path()),
            args.diagnostics_json.as_deref(),
        ],
        &super::study_inputs(&study),
    )?;
    let lang = super::language(lang, Some(&study))?;
    let table = if args.streaming {
        crate::data::build::build_streaming(&study)?
    } else {
        crate::analysis::study::build(&study)?.table
    };
    let json = super::to_json(&table.diagnostics)? + "\n";
    let main = super::Rendered::Text(format!(
        "{}{}\n",
        text::diagnostics_in(&table.diagnostics, lang),
        lang.f(
            "d_wrote",
            &[("n", &table.df.height()), ("path", &args.output.display())]
        )
    ));
    let export = crate::report::export::Export {
        tables: vec![
            crate::report::export::Table {
                name: "customers".into(),
                df: table.df.clone(),
            },
            crate::report::export::Table {
                name: "diagnostics".into(),
                df: crate::report::export::diagnostics_table(&table.diagnostics)?,
            },
        ],
        json: json.clone(),
        lang,
        ..Default::default()
    };
    let (output, diagnostics_json) = (args.output.clone(), args.diagnostics_json.clone());
    let mut df = table.df.clone();
    let mut o = super::Outcome::new("build", json.clone(), main, table.diagnostics, |d, l| {
        Ok(text::diagnostics_in(d, l))
    })
    .then(Box::new(move || {
        super::write_table(&output, &mut df)?;
        match &diagnostics_json {
            Some(p) => output::write_text(p, &json),
            None => Ok(()),
        }
    }));
    o.export = Some(export);
    Ok(o)
}
