//! `profitchain clv`

use std::path::PathBuf;

use clap::Args;

use crate::analysis::clv::{self, covariates::CovariateSpec, ClvOptions};
use crate::data::transactions::{self, Returns, TimeUnit, TxSpec};
use crate::report::{clv as render, export};
use crate::stats::btyd::PurchaseModel;
use crate::Result;

use super::Rendered;

/// Customer lifetime value from a transaction log (BG/NBD + Gamma-Gamma).
#[derive(Debug, Args)]
pub struct ClvArgs {
    /// Transaction log, one row per purchase: CSV/TSV, whitespace .txt/.dat (a header line
    /// is recognised; without one the columns are column_1, ...), Parquet, IPC/Arrow, NDJSON,
    /// SPSS, Stata, Excel or ODS. A negative amount is a refund (see --returns).
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
    /// Time unit of frequency, recency and the horizon: day, week (7 days), month
    /// (365.25/12 days) or year (365.25 days; with bgbb, calendar years).
    #[arg(long, default_value = "week", value_parser = ["day", "week", "month", "year"])]
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
    /// Purchase model behind the predictions: bgnbd (default), mbgnbd, pnbd (Pareto/NBD;
    /// seconds rather than milliseconds on large files) or bgbb (discrete opportunities:
    /// one per calendar period of --time-unit, e.g. yearly donations).
    #[arg(long, default_value = "bgnbd", value_parser = ["bgnbd", "mbgnbd", "pnbd", "bgbb"])]
    pub model: String,
    /// Also fit these models and show their fit and holdout expectations beside the main
    /// one: a comma-separated list of bgnbd, mbgnbd, pnbd, or `all` (the three
    /// continuous-time models).
    #[arg(long, value_name = "MODELS")]
    pub compare: Option<String>,
    /// What a negative amount (a refund) means: net (default: it reverses the purchase it
    /// refunds, which is removed or reduced; unmatched refunds are dropped), drop (refunds
    /// removed, purchases kept) or keep (a refund counts as a purchase without spend).
    #[arg(long, default_value = "net", value_parser = ["net", "drop", "keep"])]
    pub returns: String,
    /// Accept a calibration or observation end more than one time unit after the log's
    /// last transaction.
    #[arg(long)]
    pub allow_end_after_data: bool,
    /// Write the per-customer table (CSV, Parquet or xlsx) here.
    #[arg(long, value_name = "FILE")]
    pub customers_out: Option<PathBuf>,
    /// Output format: text summary (default), json (the full result), csv (one row per
    /// customer) or xlsx (with -o FILE.xlsx). The extension of -o chooses it too.
    #[arg(long, value_parser = ["text", "json", "csv", "xlsx"])]
    pub format: Option<String>,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Read the log in batches on polars' streaming engine (Parquet, IPC or CSV; a file, a
    /// folder or a pattern), only its id, date and amount: memory is set by the customers
    /// and their purchase days, not by the rows. The same summary and fits; the input
    /// audit's whole-table checks, netting refunds, the holdout and BG/BB need the log in
    /// memory (an error says so).
    #[arg(long)]
    pub streaming: bool,
    /// With --streaming: summarise the customers in this many hash buckets, one after the
    /// other (default: one per 50,000,000 rows), so one bucket's purchase days are held at
    /// a time. The answers do not depend on it.
    #[arg(long, value_name = "N", requires = "streaming")]
    pub buckets: Option<usize>,
    /// Customer table with covariates (one row per customer: satisfaction, CSI index, NPS
    /// class as 0/1, income, …), joined to the log by id: fits the purchase model with
    /// their effects on purchasing and dropout (Fader & Hardie 2007) beside the model
    /// without them.
    #[arg(long, value_name = "FILE")]
    pub covariates: Option<PathBuf>,
    /// Id column of --covariates (default: --id).
    #[arg(long, value_name = "COL", requires = "covariates")]
    pub covariate_id: Option<String>,
    /// Covariate acting on purchasing and dropout (separate effects). Repeat or separate
    /// with commas.
    #[arg(
        long,
        value_name = "COL",
        value_delimiter = ',',
        requires = "covariates"
    )]
    pub covariate: Vec<String>,
    /// Covariate acting on purchasing only.
    #[arg(
        long,
        value_name = "COL",
        value_delimiter = ',',
        requires = "covariates"
    )]
    pub covariate_purchase: Vec<String>,
    /// Covariate acting on dropout only.
    #[arg(
        long,
        value_name = "COL",
        value_delimiter = ',',
        requires = "covariates"
    )]
    pub covariate_dropout: Vec<String>,
    /// Pareto/NBD: covariate with one effect on the purchase and dropout rates alike.
    #[arg(
        long,
        value_name = "COL",
        value_delimiter = ',',
        requires = "covariates"
    )]
    pub covariate_equal: Vec<String>,
    /// Covariate on the Gamma-Gamma's spend scale (mean spend per transaction).
    #[arg(
        long,
        value_name = "COL",
        value_delimiter = ',',
        requires = "covariates"
    )]
    pub covariate_spend: Vec<String>,
    /// Seed of the parameter draws behind the covariate effects' intervals.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[command(flatten)]
    pub export: super::ExportArgs,
    #[command(flatten)]
    pub file: super::data_args::FileArgs,
}

pub fn compute(args: ClvArgs, lang: Option<&str>) -> Result<super::Outcome> {
    let format = super::output_format(
        &args.output,
        args.format.as_deref(),
        &["text", "json", "csv", "xlsx"],
        &args.export,
    )?;
    super::not_an_input(
        &[args.output.as_deref(), args.customers_out.as_deref()],
        std::slice::from_ref(&args.transactions),
    )?;
    let model = PurchaseModel::parse(&args.model)?;
    let compare = compared_models(args.compare.as_deref(), model)?;
    let streaming = args.streaming;
    let spec_id = args.id.clone();
    let spec = TxSpec {
        id: args.id,
        date: args.date,
        amount: args.amount,
        date_format: args.date_format,
        unit: TimeUnit::parse(&args.time_unit)?,
        calibration_end: args.calibration_end,
        observation_end: args.observation_end,
        discrete: model == PurchaseModel::BgBb,
        returns: Returns::parse(&args.returns)?,
        allow_end_after_data: args.allow_end_after_data,
        in_study: false,
        buckets: args.buckets,
    };
    let file = args.transactions.display().to_string();
    let rfm = if streaming {
        let lf = crate::data::load::sources::stream_scan(&args.transactions)?;
        transactions::summarize_streaming(lf, &file, &spec)?
    } else {
        let mut read = args.file.options()?;
        read.text_columns = vec![spec.id.clone()];
        let log = transactions::read(&args.transactions, &read)?;
        transactions::summarize(&log, &file, &spec)?
    };
    let opts = ClvOptions {
        horizon: args.horizon,
        discount: args.discount,
        margin: args.margin,
        model,
        compare,
    };
    let (mut result, mut customers) = clv::run(&rfm, &opts)?;
    let spec = CovariateSpec {
        both: args.covariate.clone(),
        purchase: args.covariate_purchase.clone(),
        dropout: args.covariate_dropout.clone(),
        equal: args.covariate_equal.clone(),
        seed: args.seed,
    };
    let spend_names = args.covariate_spend.clone();
    match (&args.covariates, spec.is_empty() && spend_names.is_empty()) {
        (Some(path), false) => {
            let cov_id = args.covariate_id.clone().unwrap_or_else(|| spec_id.clone());
            let ctx = crate::data::audit::TableAudit {
                table: path.display().to_string(),
                id: Some(cov_id.clone()),
                totals: true,
                unique_id: Some("the covariate table needs one row per customer: aggregate it first (e.g. profitchain build) or name the right id column with --covariate-id".into()),
                ..Default::default()
            };
            let mut all = spec.all();
            all.extend(spend_names.iter().filter(|c| !spec.all().contains(c)).cloned());
            let a = crate::data::audit::read(path, &args.file.options()?, ctx, &all)?;
            let joined = clv::join_covariates(&rfm, &a.table.df, &cov_id, &all)?;
            let file = path.display().to_string();
            if !spend_names.is_empty() {
                let m = clv::spend_covariates::fit(
                    &result,
                    &joined,
                    &file,
                    &spend_names,
                    args.seed,
                )?;
                result.note_spend_covariates(m);
            }
            if !spec.is_empty() {
                let m = clv::covariates::fit(&result, &joined, &file, &spec)?;
                result.note_covariates(m);
            }
            clv::predict_at_covariates(&mut result, &mut customers, &joined)?;
        }
        (Some(_), true) => {
            return Err(crate::Error::Usage(
                "--covariates FILE: name the covariates to use with --covariate COL (or --covariate-purchase / --covariate-dropout / --covariate-equal / --covariate-spend)".into(),
            ))
        }
        _ => {}
    }
    if streaming {
        result.warnings.push(
            "read with --streaming: the input audit's whole-table checks (Total rows, number forms in text) were not run on the log".into(),
        );
    }
    // Everything is rendered before anything is written.
    let rendered = match format.as_str() {
        "json" => Rendered::Text(super::to_json(&result)? + "\n"),
        "csv" => Rendered::Text(render::customers_csv(&mut customers)?),
        "xlsx" => Rendered::Bytes(export::workbook(&render::export(
            &result,
            customers.clone(),
        )?)?),
        _ => Rendered::Text(render::text_in(&result, super::language(lang, None)?)),
    };
    let json = super::to_json(&result)? + "\n";
    let export = render::export(&result, customers.clone())?;
    let customers_out = args.customers_out.clone();
    // The holdout check in one row (the Python result's `holdout`).
    let holdout = result
        .holdout
        .as_ref()
        .map(|h| {
            polars::df!(
                "model" => [result.model_label.as_str()],
                "periods" => [h.length],
                "expected_total" => [h.expected_total],
                "actual_total" => [h.actual_total],
                "mae" => [h.mae],
                "rmse" => [h.rmse],
            )
        })
        .transpose()?;
    let shared = std::sync::Arc::new(result);
    let mut o = super::Outcome::shared("clv", json, rendered, shared.clone(), |r, l| {
        Ok(render::text_in(r, l))
    })
    .to(&args.output)
    .with_export(export, &args.export)
    .with_html(shared, |c| crate::report::html::Standalone {
        clv: Some(c),
        ..Default::default()
    })
    .then(Box::new(move || match &customers_out {
        Some(p) => super::write_table(p, &mut customers),
        None => Ok(()),
    }));
    if let Some(df) = holdout {
        o.tables.push(export::Table {
            name: "holdout".into(),
            df,
        });
    }
    Ok(o)
}

/// `--compare` as models: a list, or `all` for the continuous-time ones.
fn compared_models(list: Option<&str>, main: PurchaseModel) -> Result<Vec<PurchaseModel>> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    if main == PurchaseModel::BgBb {
        return Err(crate::Error::Usage(
            "--compare applies to the continuous-time models; BG/BB works on discrete periods and is not compared with them".into(),
        ));
    }
    if list.trim() == "all" {
        return Ok(vec![
            PurchaseModel::BgNbd,
            PurchaseModel::MbgNbd,
            PurchaseModel::ParetoNbd,
        ]);
    }
    list.split(',')
        .map(|m| match PurchaseModel::parse(m.trim())? {
            PurchaseModel::BgBb => Err(crate::Error::Usage(
                "--compare: bgbb works on discrete periods; run it with --model bgbb".into(),
            )),
            m => Ok(m),
        })
        .collect()
}
