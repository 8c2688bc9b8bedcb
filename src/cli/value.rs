//! `profitchain value`

use std::path::PathBuf;

use clap::Args;

use crate::analysis::value::{self, Retention, ValueOptions};
use crate::data::audit::{self, TableAudit};
use crate::report::{charts, export, regression, value as render};
use crate::{output, Error, Result};

use super::Rendered;
use crate::report::html::Standalone;

/// Customer profitability: whale curve, profit and revenue deciles, CLV, Wallet
/// Allocation Rule.
#[derive(Debug, Args)]
pub struct ValueArgs {
    /// Customer table, one row per customer:
    /// CSV/TSV, .txt/.dat, Parquet, IPC, NDJSON, SPSS, Stata, Excel, ODS.
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
    /// Output format: text (default), json, csv (the decile tables) or xlsx (with -o
    /// FILE.xlsx). The extension of -o chooses it too.
    #[arg(long, value_parser = ["text", "json", "csv", "xlsx"])]
    pub format: Option<String>,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub export: super::ExportArgs,
    #[command(flatten)]
    pub file: super::data_args::FileArgs,
}

pub fn compute(args: ValueArgs, lang: Option<&str>) -> Result<super::Outcome> {
    let format = super::output_format(
        &args.output,
        args.format.as_deref(),
        &["text", "json", "csv", "xlsx"],
        &args.export,
    )?;
    super::not_an_input(
        &[args.output.as_deref(), args.svg.as_deref()],
        std::slice::from_ref(&args.data),
    )?;
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
    // The audit: ids under the policy and unique, Total rows excluded, amounts as numbers.
    let ctx = TableAudit {
        table: args.data.display().to_string(),
        id: Some(opts.id.clone()),
        totals: true,
        unique_id: Some(
            "value needs one row per customer: remove the repeated rows, or build the customer table first (profitchain build) from a study that aggregates them.".into(),
        ),
        ..Default::default()
    };
    let a = audit::read(
        &args.data,
        &args.file.options()?,
        ctx,
        &opts.numeric_columns(),
    )?;
    let mut result = value::run(&a.table.df, &args.data.display().to_string(), &opts)?;
    result.diagnostics = a.diagnostics;
    let lang = super::language(lang, None)?;
    let whale = match &args.svg {
        Some(_) => Some(charts::whale_curve_svg(
            &result.whale_curve,
            "Whale curve",
            &result.profit_base,
            Default::default(),
        )?),
        None => None,
    };
    let rendered = match format.as_str() {
        "json" => Rendered::Text(super::to_json(&result)? + "\n"),
        "csv" => Rendered::Text(regression::csv(&mut render::deciles_table(&result)?)?),
        "xlsx" => Rendered::Bytes(export::workbook(&render::export(&result)?)?),
        _ => Rendered::Text(render::text_in(&result, lang)),
    };
    let json = super::to_json(&result)? + "\n";
    let export = render::export(&result)?;
    let svg = args.svg.clone();
    let shared = std::sync::Arc::new(result);
    Ok(
        super::Outcome::shared("value", json, rendered, shared.clone(), |r, l| {
            Ok(render::text_in(r, l))
        })
        .to(&args.output)
        .with_export(export, &args.export)
        .with_html(shared, |v| Standalone {
            value: Some(v),
            ..Default::default()
        })
        .then(Box::new(move || match (&svg, &whale) {
            (Some(p), Some(svg)) => output::write_text(p, svg),
            _ => Ok(()),
        })),
    )
}
