//! `profitchain retention`

use std::path::PathBuf;

use clap::Args;

use crate::analysis::retention::{self, RetentionOptions};
use crate::data::load;
use crate::data::subscriptions::{self, SubscriptionSpec};
use crate::data::transactions::TimeUnit;
use crate::report::retention as render;
use crate::{Error, Result};

use super::Rendered;

/// Contractual retention: the shifted-beta-geometric model per cohort or segment.
#[derive(Debug, Args)]
pub struct RetentionArgs {
    /// Cohort table: a period column (0, 1, 2, …; the first column unless --period names
    /// it) and one column per cohort holding its customers still active at each period.
    #[arg(long, value_name = "FILE", conflicts_with = "subscriptions")]
    pub cohorts: Option<PathBuf>,
    /// The cohort table's period column.
    #[arg(long, value_name = "COL", requires = "cohorts")]
    pub period: Option<String>,
    /// Subscription table: one row per customer with a start date and an end date (blank
    /// while active); periods of --time-unit counted from each customer's start.
    #[arg(long, value_name = "FILE")]
    pub subscriptions: Option<PathBuf>,
    /// Customer id column of the subscription table.
    #[arg(long, value_name = "COL", default_value = "id")]
    pub id: String,
    /// Start date column.
    #[arg(long, value_name = "COL", default_value = "start")]
    pub start: String,
    /// End date column (blank while the customer is active).
    #[arg(long, value_name = "COL", default_value = "end")]
    pub end: String,
    /// chrono format of text dates, e.g. %d/%m/%Y.
    #[arg(long, value_name = "FMT")]
    pub date_format: Option<String>,
    /// Observation date (YYYY-MM-DD): customers without an end are active on it (default:
    /// the latest start or end in the table).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Fit one sBG per value of this column too (beside all customers).
    #[arg(long, value_name = "COL")]
    pub segment: Option<String>,
    /// Customer covariates (numeric columns of the subscription table, e.g. satisfaction):
    /// the individual-level sBG with their effects on churn, tested against the model
    /// without them. Repeat or separate with commas.
    #[arg(long, value_name = "COL", value_delimiter = ',')]
    pub covariate: Vec<String>,
    /// Length of a period: day, week, month (365.25/12 days) or year (365.25 days).
    #[arg(long, default_value = "year", value_parser = ["day", "week", "month", "year"])]
    pub time_unit: String,
    /// Fit on periods 1..K only; the later observed periods check the projection.
    #[arg(long, value_name = "K")]
    pub fit_periods: Option<usize>,
    /// Periods to project from acquisition (default: the observed ones plus five).
    #[arg(long, value_name = "N")]
    pub horizon: Option<usize>,
    /// Yearly discount rate for DEL, DERL and CLV.
    #[arg(long, default_value_t = 0.1)]
    pub discount: f64,
    /// Margin per customer per period (CLV = margin × DEL or DERL; 1 = in periods).
    #[arg(long, default_value_t = 1.0)]
    pub margin: f64,
    /// Seed of the parameter draws behind the covariate effects' intervals.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output format: text (default), json, csv (the projection, one row per group and
    /// period) or xlsx (with -o FILE.xlsx).
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

pub fn compute(args: RetentionArgs, lang: Option<&str>) -> Result<super::Outcome> {
    let format = super::output_format(
        &args.output,
        args.format.as_deref(),
        &["text", "json", "csv", "xlsx"],
        &args.export,
    )?;
    let inputs: Vec<PathBuf> = args
        .cohorts
        .iter()
        .chain(&args.subscriptions)
        .cloned()
        .collect();
    super::not_an_input(&[args.output.as_deref()], &inputs)?;
    let unit = TimeUnit::parse(&args.time_unit)?;
    let opts = RetentionOptions {
        unit,
        discount: args.discount,
        margin: args.margin,
        horizon: args.horizon.unwrap_or(0),
        fit_periods: args.fit_periods,
        seed: args.seed,
    };
    let result = match (&args.cohorts, &args.subscriptions) {
        (Some(path), None) => {
            if args.segment.is_some() || !args.covariate.is_empty() {
                return Err(Error::Usage(
                    "--segment and --covariate need one row per customer: give a --subscriptions table (a cohort table's columns are the cohorts already)".into(),
                ));
            }
            let file = path.display().to_string();
            let table = load::read_table(path, &args.file.options()?)?;
            let cohorts = subscriptions::cohorts(&table.df, &file, args.period.as_deref())?;
            retention::from_cohorts(&cohorts, &opts)?
        }
        (None, Some(path)) => {
            let file = path.display().to_string();
            let mut read = args.file.options()?;
            read.text_columns = vec![args.id.clone()];
            let table = load::read_table(path, &read)?;
            let spec = SubscriptionSpec {
                id: args.id.clone(),
                start: args.start.clone(),
                end: args.end.clone(),
                date_format: args.date_format.clone(),
                as_of: args.as_of.clone(),
                days_per_period: unit.days(),
            };
            let (customers, counts, as_of) = subscriptions::lifetimes(&table, &file, &spec)?;
            let mut r = retention::from_subscriptions(
                &customers,
                &file,
                args.segment.as_deref(),
                &args.covariate,
                &opts,
            )?;
            r.counts = Some(counts);
            r.as_of = Some(as_of);
            r
        }
        _ => {
            return Err(Error::Usage(
                "name the customers: --cohorts FILE (active customers per period, one column per cohort) or --subscriptions FILE (one row per customer with start and end dates)".into(),
            ))
        }
    };
    let lang = super::language(lang, None)?;
    let json = super::to_json(&result)? + "\n";
    let export = render::export(&result, json.clone(), lang)?;
    let rendered = match format.as_str() {
        "json" => Rendered::Text(json.clone()),
        "csv" => Rendered::Text(crate::report::regression::csv(
            &mut render::projection_table(&result)?,
        )?),
        "xlsx" => Rendered::Bytes(crate::report::export::workbook(&export)?),
        _ => Rendered::Text(render::text_in(&result, lang)),
    };
    let shared = std::sync::Arc::new(result);
    Ok(
        super::Outcome::shared("retention", json, rendered, shared.clone(), |r, l| {
            Ok(render::text_in(r, l))
        })
        .to(&args.output)
        .with_export(export, &args.export)
        .with_html(shared, |r| crate::report::html::Standalone {
            retention: Some(r),
            ..Default::default()
        }),
    )
}
