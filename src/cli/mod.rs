//! Command-line interface: one module per subcommand (arguments + orchestration only).

use clap::{Parser, Subcommand};

use profitchain::{Error, Result};

pub mod build;
pub mod chain;
pub mod data_args;
pub mod drivers;
pub mod inspect;
pub mod metrics;
pub mod regress;
pub mod report;
pub mod simulate;
pub mod value;

/// profitchain: satisfaction → share of wallet → revenue → profit, per customer segment.
#[derive(Debug, Parser)]
#[command(name = "profitchain", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Schema, row count, missing values and id uniqueness of tables.
    Inspect(inspect::InspectArgs),
    /// Build the one-row-per-customer table from a study file (or --data and role flags).
    Build(build::BuildArgs),
    /// Generate a sample study with known true coefficients.
    Simulate(simulate::SimulateArgs),
    /// OLS regression with full inference, robust SEs and diagnostics.
    Regress(regress::RegressArgs),
    /// The satisfaction → SOW → revenue → profit chain per segment, with mediation.
    Chain(chain::ChainArgs),
    /// CSAT, NPS, CES, CSI and retention, overall or by group.
    Metrics(metrics::MetricsArgs),
    /// Key-driver analysis: Shapley importance and relative weights of attribute ratings.
    Drivers(drivers::DriversArgs),
    /// Customer value: whale curve, profit and revenue deciles, CLV, Wallet Allocation Rule.
    Value(value::ValueArgs),
    /// Full report: HTML, Markdown, charts and CSV/JSON/XLSX/LaTeX tables in a folder.
    Report(report::ReportArgs),
}

/// Run a parsed command.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Inspect(a) => inspect::run(a),
        Command::Build(a) => build::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Regress(a) => regress::run(a),
        Command::Chain(a) => chain::run(a),
        Command::Value(a) => value::run(a),
        Command::Drivers(a) => drivers::run(a),
        Command::Metrics(a) => metrics::run(a),
        Command::Report(a) => report::run(a),
    }
}

/// Arguments every analysis command shares for `--export DIR`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// Also write tidy CSV tables, summary.json, summary.xlsx and tables.tex into DIR.
    #[arg(long, value_name = "DIR")]
    pub export: Option<std::path::PathBuf>,
    /// Allow --export into an existing, non-empty folder.
    #[arg(long)]
    pub force: bool,
}

impl ExportArgs {
    /// Write the export built by `make` when --export was given.
    pub fn write(
        &self,
        make: impl FnOnce() -> Result<profitchain::report::export::Export>,
    ) -> Result<()> {
        if let Some(dir) = &self.export {
            let mut e = make()?;
            profitchain::report::export::write(dir, &mut e, self.force)?;
        }
        Ok(())
    }
}

/// Write `text` to `output`, or print it when no file is given.
pub fn emit(output: &Option<std::path::PathBuf>, text: &str) -> Result<()> {
    match output {
        Some(p) => profitchain::output::write_text(p, text),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

/// Pretty JSON of a result struct.
pub fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string_pretty(value).map_err(|e| Error::Internal(e.to_string()))
}
