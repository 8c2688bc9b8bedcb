//! `profitchain value`

use std::path::PathBuf;

use clap::Args;

use profitchain::analysis::value::{self, Retention, ValueOptions};
use profitchain::data::load;
use profitchain::report::{charts, regression, value as render};
use profitchain::{output, Error, Result};

/// Customer profitability: whale curve, profit and revenue deciles, CLV, Wallet
/// Allocation Rule.
#[derive(Debug, Args)]
pub struct ValueArgs {
    /// Customer table (one row per customer).
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Customer id column.
    #[arg(long, value_name = "COL")]
    pub id: String,
    /// Revenue column.
    #[arg(long, value_name = "COL")]
    pub revenue: String,
    /// Profit column (or give --cost).
    #[arg(
        long,
        value_name = "COL",
        required_unless_present = "cost",
        conflicts_with = "cost"
    )]
    pub profit: Option<String>,
    /// Cost-to-serve column: profit = revenue − cost.
    #[arg(long, value_name = "COL")]
    pub cost: Option<String>,
    /// Yearly retention for CLV: a rate in [0, 1) or a column name.
    #[arg(long, value_name = "RATE|COL")]
    pub retention: Option<String>,
    /// Yearly discount rate for CLV.
    #[arg(long, default_value_t = 0.1)]
    pub discount: f64,
    /// Per-customer margin column for CLV (default: profit).
    #[arg(long, value_name = "COL")]
    pub margin: Option<String>,
    /// Wallet Allocation Rule: our brand's rank column, number-of-brands column and observed
    /// SOW column.
    #[arg(long, num_args = 3, value_names = ["RANK", "BRANDS", "SOW"])]
    pub war: Option<Vec<String>>,
    /// Write the whale curve chart (SVG) here.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Output format (csv: the decile tables).
    #[arg(long, default_value = "text", value_parser = ["text", "json", "csv"])]
    pub format: String,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub export: super::ExportArgs,
    #[command(flatten)]
    pub file: super::data_args::FileArgs,
}

pub fn run(args: ValueArgs, lang: Option<&str>) -> Result<()> {
    let df = load::read(&args.data, &args.file.options()?)?;
    let retention = args.retention.as_deref().map(|r| match r.parse::<f64>() {
        Ok(v) => Retention::Rate(v),
        Err(_) => Retention::Column(r.to_string()),
    });
    let war = match args.war {
        Some(v) => Some(
            <[String; 3]>::try_from(v)
                .map_err(|_| Error::Usage("--war takes RANK BRANDS SOW".into()))?,
        ),
        None => None,
    };
    let opts = ValueOptions {
        id: args.id,
        revenue: args.revenue,
        profit: args.profit,
        cost: args.cost,
        retention,
        discount: args.discount,
        margin: args.margin,
        war,
    };
    let result = value::run(&df, &args.data.display().to_string(), &opts)?;
    if let Some(p) = &args.svg {
        output::write_text(
            p,
            &charts::whale_curve_svg(
                &result.whale_curve,
                "Whale curve",
                &result.profit_base,
                Default::default(),
            )?,
        )?;
    }
    args.export.write(|| render::export(&result))?;
    let text = match args.format.as_str() {
        "json" => super::to_json(&result)? + "\n",
        "csv" => regression::csv(&mut render::deciles_table(&result)?)?,
        _ => render::text_in(&result, super::language(lang, None)?),
    };
    super::emit(&args.output, &text)
}
