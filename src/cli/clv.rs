//! `profitchain clv`

use std::path::PathBuf;

use clap::Args;

use profitchain::analysis::clv::{self, ClvOptions};
use profitchain::data::transactions::{self, TimeUnit, TxSpec};
use profitchain::report::clv as render;
use profitchain::{output, Result};

/// Customer lifetime value from a transaction log (BG/NBD + Gamma-Gamma).
#[derive(Debug, Args)]
pub struct ClvArgs {
    /// Transaction log: one row per purchase (CSV, Parquet, IPC, NDJSON, or
    /// whitespace-separated .txt/.dat without a header, whose columns are column_1, ...).
    #[arg(long, value_name = "FILE")]
    pub transactions: PathBuf,
    /// Customer id column.
    #[arg(long, value_name = "COL")]
    pub id: String,
    /// Date column: ISO dates, datetimes, integer yyyymmdd, or text in --date-format.
    #[arg(long, value_name = "COL")]
    pub date: String,
    /// Amount (spend) column.
    #[arg(long, value_name = "COL")]
    pub amount: String,
    /// chrono format of text dates, e.g. %d/%m/%Y.
    #[arg(long, value_name = "FMT")]
    pub date_format: Option<String>,
    /// Last day of the calibration period (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub calibration_end: String,
    /// Last day of the holdout period (YYYY-MM-DD), to check the predictions.
    #[arg(long, value_name = "DATE")]
    pub observation_end: Option<String>,
    /// Time unit of frequency, recency and the horizon: day, week (7 days) or month
    /// (365.25/12 days).
    #[arg(long, default_value = "week", value_parser = ["day", "week", "month"])]
    pub time_unit: String,
    /// Horizon of the predictions and of CLV, in time units.
    #[arg(long, default_value_t = 52.0)]
    pub horizon: f64,
    /// Yearly discount rate for CLV.
    #[arg(long, default_value_t = 0.1)]
    pub discount: f64,
    /// Margin as a share of spend (1 = CLV in revenue).
    #[arg(long, default_value_t = 1.0)]
    pub margin: f64,
    /// Purchase models: bgnbd (default), or all (BG/NBD and Pareto/NBD side by side; the
    /// Pareto/NBD fit takes seconds, not milliseconds).
    #[arg(long, default_value = "bgnbd", value_parser = ["bgnbd", "all"])]
    pub model: String,
    /// Write the per-customer table (CSV or Parquet) here.
    #[arg(long, value_name = "FILE")]
    pub customers_out: Option<PathBuf>,
    /// Output format.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: ClvArgs) -> Result<()> {
    let df = transactions::read(&args.transactions)?;
    let spec = TxSpec {
        id: args.id,
        date: args.date,
        amount: args.amount,
        date_format: args.date_format,
        unit: TimeUnit::parse(&args.time_unit)?,
        calibration_end: args.calibration_end,
        observation_end: args.observation_end,
    };
    let rfm = transactions::summarize(&df, &args.transactions.display().to_string(), &spec)?;
    let opts = ClvOptions {
        horizon: args.horizon,
        discount: args.discount,
        margin: args.margin,
        pareto: args.model == "all",
    };
    let (result, mut customers) = clv::run(&rfm, &opts)?;
    let text = match args.format.as_str() {
        "json" => super::to_json(&result)? + "\n",
        _ => render::text(&result),
    };
    if let Some(p) = &args.customers_out {
        output::write_table(p, &mut customers)?;
    }
    super::emit(&args.output, &text)
}
