//! `profitchain report`

use std::path::PathBuf;

use clap::Args;

use profitchain::analysis::chain;
use profitchain::analysis::value::{self, ValueOptions};
use profitchain::data::build;
use profitchain::data::build::cols;
use profitchain::report::{chain as chain_render, export, html};
use profitchain::{output, Error, Result};

use super::data_args::{study_or_sample, DataArgs};

/// Write the full report (HTML, Markdown, charts, CSV/JSON/XLSX/LaTeX tables) into a folder.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub inference: super::chain::InferenceArgs,
    /// Output folder.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Write into an existing, non-empty folder.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: ReportArgs) -> Result<()> {
    let (_sample_dir, study) = study_or_sample(&args.data, &[], &[])?;
    let table = build(&study)?;
    let opts = args.inference.options(&study)?;
    let result = chain::run(&table, &opts)?;
    let value = value::run(
        &table.df,
        "customer table",
        &ValueOptions {
            id: table.id.clone(),
            revenue: cols::REVENUE.into(),
            profit: Some(cols::PROFIT.into()),
            cost: None,
            retention: None,
            discount: 0.0,
            margin: None,
            war: None,
        },
    )?;
    let sizes = value::segment_profit(&table.df, &table.segments)?;
    // Render everything before writing anything.
    let links = chain::links(&table)?;
    let rendered = html::render(&result, Some(&value), &sizes, &links)?;
    let mut exp = chain_render::export(&result)?;
    export::write(&args.out, &mut exp, args.force)?;
    let charts = args.out.join("charts");
    std::fs::create_dir_all(&charts).map_err(|e| Error::Write {
        path: charts.clone(),
        reason: e.to_string(),
    })?;
    for (name, svg) in &rendered.charts {
        output::write_text(&charts.join(name), svg)?;
    }
    output::write_text(&args.out.join("report.md"), &rendered.markdown)?;
    output::write_text(&args.out.join("report.html"), &rendered.html)?;
    eprintln!(
        "Wrote the report to {}",
        args.out.join("report.html").display()
    );
    Ok(())
}
