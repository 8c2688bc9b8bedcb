//! `profitchain chain`

use std::path::PathBuf;

use clap::Args;

use crate::analysis::chain::{self, ChainOptions, DEFAULT_SEED};
use crate::data::Study;
use crate::report::chain as render;
use crate::stats::CovType;
use crate::Result;

use crate::report::export;

use super::data_args::{study_or_sample, DataArgs};
use super::Rendered;

/// The satisfaction → share of wallet → revenue → profit chain, per segment, with
/// mediation and segment comparison.
#[derive(Debug, Args)]
pub struct ChainArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub inference: InferenceArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Also report Spearman correlations.
    #[arg(long)]
    pub spearman: bool,
    /// Y of the chain: profit, or clv (customer lifetime value from the study's
    /// transaction log, `level = "transaction"` and `[clv]`).
    #[arg(long, default_value = "profit", value_parser = ["profit", "clv"])]
    pub outcome: String,
    /// Output format: text (default), json, markdown, csv (the coefficient table) or xlsx
    /// (the workbook, with -o FILE.xlsx). The extension of -o chooses it too.
    #[arg(long, value_parser = ["text", "json", "markdown", "csv", "xlsx"])]
    pub format: Option<String>,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub export: super::ExportArgs,
    /// Read the customer table in batches on polars' streaming engine (one table with a
    /// row per customer: Parquet, IPC or CSV; a file, a folder or a pattern): memory is set
    /// by the sums, not by the number of customers. The bootstrap resamples hash blocks.
    #[arg(long)]
    pub streaming: bool,
}

/// The chain's specification beyond the study's roles, shared by `chain` and `invest`.
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// Covariate added to every equation (repeatable).
    #[arg(long = "covariate", value_name = "COL")]
    pub covariates: Vec<String>,
    /// Moderator of satisfaction → share of wallet (repeatable).
    #[arg(long = "moderator", value_name = "COL")]
    pub moderators: Vec<String>,
    /// Add satisfaction² to the share-of-wallet equation.
    #[arg(long)]
    pub quadratic: bool,
}

/// Bootstrap and inference settings shared by `chain` and `report`.
#[derive(Debug, Clone, Args)]
pub struct InferenceArgs {
    /// Bootstrap resamples for the indirect effects (0 = Sobel tests only).
    #[arg(long, default_value_t = 5000)]
    pub bootstrap: usize,
    /// Bootstrap seed; the same seed gives identical output.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Confidence level of intervals.
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Significance level of the hypothesis verdicts.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Covariance type for standard errors.
    #[arg(long, default_value = "nonrobust", value_parser = ["nonrobust", "hc0", "hc1", "hc2", "hc3"])]
    pub se: String,
    /// What the bootstrap resamples: customers, or blocks (1,000 groups of customers by a
    /// hash of their id: the same intervals within Monte Carlo error, far faster on large
    /// samples); auto uses blocks from 200,000 customers in a segment.
    #[arg(long, default_value = "auto", value_parser = ["auto", "customers", "blocks"])]
    pub resampling: String,
}

impl InferenceArgs {
    /// Chain options for `study` (its covariates and moderators).
    pub fn options(&self, study: &Study) -> Result<ChainOptions> {
        Ok(ChainOptions {
            bootstrap: self.bootstrap,
            seed: self.seed,
            confidence: self.confidence,
            alpha: self.alpha,
            se: CovType::parse(&self.se)?,
            covariates: study.roles.covariates.clone(),
            moderators: study.roles.moderators.clone(),
            quadratic: study.options.quadratic,
            units: study.units.clone(),
            resampling: crate::stats::blocks::Resampling::parse(&self.resampling)?,
            id: Some(study.roles.id.clone()),
            ..Default::default()
        })
    }
}

/// The study and options of a chain over a table in parts (`profitchain.spark.chain`):
/// the same flags as `chain --streaming`, with `--data` naming the table.
pub fn spec(args: ChainArgs) -> Result<chain::parts::ChainSpec> {
    let study = args
        .data
        .study(&args.model.covariates, &args.model.moderators)?;
    let options = ChainOptions {
        quadratic: args.model.quadratic || study.options.quadratic,
        spearman: args.spearman,
        outcome: args.outcome.clone(),
        ..args.inference.options(&study)?
    };
    let spec = chain::parts::ChainSpec { study, options };
    spec.check()?;
    Ok(spec)
}

pub fn compute(args: ChainArgs, lang: Option<&str>) -> Result<super::Outcome> {
    let format = super::output_format(
        &args.output,
        args.format.as_deref(),
        &["text", "json", "markdown", "csv", "xlsx"],
        &args.export,
    )?;
    let (sample_dir, study) =
        study_or_sample(&args.data, &args.model.covariates, &args.model.moderators)?;
    super::not_an_input(&[args.output.as_deref()], &super::study_inputs(&study))?;
    let lang = super::language(lang, Some(&study))?;
    let mut opts = ChainOptions {
        quadratic: args.model.quadratic || study.options.quadratic,
        spearman: args.spearman,
        outcome: args.outcome.clone(),
        ..args.inference.options(&study)?
    };
    let table = if args.streaming {
        let plan = crate::data::build::stream::plan(&study)?;
        let result = chain::run_streaming(&plan, &opts)?;
        return finish(result, None, &args, &format, lang, sample_dir);
    } else {
        let built = crate::analysis::study::build(&study)?;
        let mut table = built.table;
        crate::analysis::study::use_outcome(&mut table, &args.outcome)?;
        // Which model made the CLV the chain explains.
        if args.outcome == "clv" {
            opts.outcome_model = built.clv.as_ref().map(|r| match &r.per_customer {
                Some(p) => p.model.clone(),
                None => format!("{} without covariates", r.model_label),
            });
        }
        (table, built.found)
    };
    let result = chain::run(&table.0, &opts)?;
    finish(result, Some(table), &args, &format, lang, sample_dir)
}

/// The outputs of a chain run; `table` (in memory) also gives notebooks the report's
/// chain sections.
fn finish(
    result: chain::ChainResult,
    table: Option<(
        crate::data::CustomerTable,
        Option<crate::analysis::segments::found::Found>,
    )>,
    args: &ChainArgs,
    format: &str,
    lang: crate::report::i18n::Lang,
    sample_dir: Option<tempfile::TempDir>,
) -> Result<super::Outcome> {
    let out = match format {
        "json" => Rendered::Text(render::json_in(&result, lang)? + "\n"),
        "markdown" => Rendered::Text(render::markdown_in(&result, lang)),
        "csv" => Rendered::Text(export::table_csv(
            &render::export(&result)?,
            "coefficients",
        )?),
        "xlsx" => Rendered::Bytes(export::workbook(&render::export_in(&result, lang)?)?),
        _ => Rendered::Text(render::text_in(&result, lang)),
    };
    let json = render::json_in(&result, lang)? + "\n";
    let export = render::export(&result)?;
    // The report's chain sections (segment sizes, path diagrams, links), for notebooks.
    let shared = std::sync::Arc::new(result.clone());
    let mut o = super::Outcome::new("chain", json, out, result, |r, l| Ok(render::text_in(r, l)))
        .to(&args.output)
        .with_export(export, &args.export);
    // Computed only when asked for (the command line never does).
    let Some((table, found)) = table else {
        o.notes.extend(super::data_args::sample_note(&sample_dir));
        return Ok(o);
    };
    o.html = Some(Box::new(move |lang| {
        let sections = crate::report::html::Sections {
            clv: None,
            retention: None,
            csi: None,
            invest: None,
            found: found.as_ref(),
            feedback: None,
            lang,
        };
        let survey = crate::analysis::study::SurveySections::default();
        let sizes = crate::analysis::value::segment_profit(&table.df, &table.segments)?;
        let links = chain::links(&table)?;
        Ok(crate::report::html::render(&shared, None, &sizes, &links, &survey, &sections)?.html)
    }));
    o.notes.extend(super::data_args::sample_note(&sample_dir));
    Ok(o)
}
