//! `profitchain csi`

use std::path::PathBuf;

use clap::Args;

use crate::analysis::csi::{self, CsiOptions, Missing};
use crate::data::audit::{MissingCodes, TableAudit};
use crate::report::{csi as render, export};
use crate::stats::blocks::Resampling;
use crate::stats::pls::{Scheme, Settings};
use crate::{Error, Result};

use super::Rendered;
use crate::report::html::Standalone;

/// Satisfaction index model: PLS path modeling of multi-item survey data.
#[derive(Debug, Args)]
pub struct CsiArgs {
    /// Respondent-level survey data (one row per respondent, one column per item): CSV/TSV,
    /// .txt/.dat, Parquet, IPC, NDJSON, SPSS, Stata, Excel or ODS.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Model file (TOML): template = "ecsi"/"acsi" with [items], or [[construct]] blocks
    /// (name, items, mode = "A"/"B") and arrows = [["From", "To"], ...].
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// Inner weighting scheme.
    #[arg(long, default_value = "path", value_parser = ["path", "centroid", "factorial"])]
    pub scheme: String,
    /// Convergence tolerance: the largest change of any outer weight.
    #[arg(long, default_value_t = 1e-10)]
    pub tolerance: f64,
    /// Most iterations of the PLS algorithm.
    #[arg(long, default_value_t = 300)]
    pub max_iterations: usize,
    /// Consistent PLS (PLSc, Dijkstra & Henseler 2015): disattenuated paths, R² and
    /// loadings for reflective blocks.
    #[arg(long)]
    pub consistent: bool,
    /// Bootstrap resamples for standard errors and intervals (0 = none).
    #[arg(long, default_value_t = 5000)]
    pub bootstrap: usize,
    /// Bootstrap seed; the same seed gives identical output.
    #[arg(long, default_value_t = crate::analysis::chain::DEFAULT_SEED)]
    pub seed: u64,
    /// Confidence level of intervals.
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Missing items: casewise (leave the respondent out, counted) or mean (replace by
    /// the item mean, counted).
    #[arg(long, default_value = "casewise", value_parser = ["casewise", "mean"])]
    pub missing: String,
    /// Declared item scale LOW,HIGH for the 0-100 indices (default: the model file's
    /// `scale`, else the observed range).
    #[arg(long, value_name = "LOW,HIGH")]
    pub scale: Option<String>,
    /// IPMA target construct (default: Loyalty, else Satisfaction).
    #[arg(long, value_name = "CONSTRUCT")]
    pub target: Option<String>,
    /// How the bootstrap resamples: auto (hash blocks of respondents from 200,000 with an
    /// id column, else respondents), customers (respondents), or blocks (1,000 groups by
    /// a hash of --respondent, else --id).
    #[arg(long, default_value = "auto", value_parser = ["auto", "customers", "blocks"])]
    pub resampling: String,
    /// Read --data in batches on polars' streaming engine (Parquet, IPC or CSV; a file, a
    /// glob or a folder of parts): the model from the items' sums, the bootstrap by hash
    /// blocks of --respondent (or --id). Not with --by or --scores-out.
    #[arg(long)]
    pub streaming: bool,
    /// Compare the model between the groups of this column: permutation tests of the
    /// path differences and MICOM step 2.
    #[arg(long, value_name = "COL")]
    pub by: Option<String>,
    /// Permutations for the group comparison.
    #[arg(long, default_value_t = 1000)]
    pub permutations: usize,
    /// Write each respondent's 0-100 construct indices here (CSV, Parquet or xlsx): every
    /// row of the survey, with --respondent and --id, the row, the indices, and why a
    /// respondent was left out.
    #[arg(long, value_name = "FILE")]
    pub scores_out: Option<PathBuf>,
    /// Respondent id column, carried into --scores-out.
    #[arg(long, value_name = "COL")]
    pub respondent: Option<String>,
    /// Customer id column, carried into --scores-out.
    #[arg(long, value_name = "COL")]
    pub id: Option<String>,
    /// Output format: text summary (default), json (the full result), csv (the paths
    /// table) or xlsx (with -o FILE.xlsx). The extension of -o chooses it too.
    #[arg(long, value_parser = ["text", "json", "csv", "xlsx"])]
    pub format: Option<String>,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub export: super::ExportArgs,
    #[command(flatten)]
    pub file: super::data_args::FileArgs,
    #[command(flatten)]
    pub audit: super::data_args::AuditArgs,
}

/// A scale flag `LOW,HIGH` (`--scale` of `csi` and `invest`).
pub(crate) fn parse_scale(s: &str) -> Result<[f64; 2]> {
    let v: Vec<f64> = s
        .split(',')
        .map(|x| x.trim().parse::<f64>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| Error::Usage(format!("--scale '{s}': write LOW,HIGH, e.g. 1,10")))?;
    match v.as_slice() {
        [lo, hi] if lo < hi => Ok([*lo, *hi]),
        _ => Err(Error::Usage(format!(
            "--scale '{s}': write LOW,HIGH with LOW < HIGH, e.g. 1,10"
        ))),
    }
}

pub fn compute(args: CsiArgs, lang: Option<&str>) -> Result<super::Outcome> {
    let format = super::output_format(
        &args.output,
        args.format.as_deref(),
        &["text", "json", "csv", "xlsx"],
        &args.export,
    )?;
    super::not_an_input(
        &[args.output.as_deref(), args.scores_out.as_deref()],
        &[args.data.clone(), args.model.clone()],
    )?;
    let scale = match &args.scale {
        Some(s) => Some(parse_scale(s)?),
        None => None,
    };
    if args.streaming {
        return streaming(args, &format, lang);
    }
    let mut read = args.file.options()?;
    read.text_columns = args.respondent.iter().cloned().collect();
    let ctx = TableAudit {
        table: args.data.display().to_string(),
        id: args.id.clone(),
        skip: args.respondent.iter().cloned().collect(),
        missing_codes: args.audit.codes()?,
        allow_out_of_range: args.audit.allow_out_of_range,
        ..Default::default()
    };
    let (spec, model, audited) =
        csi::read_model_and_data(&args.model, &args.data, &read, ctx, scale)?;
    let df = audited.table.df;
    let opts = options(&args, scale.or(spec.scale))?;
    let file = args.data.display().to_string();
    let prep = csi::prepare(&df, &file, &model.items(), opts.missing, args.by.as_deref())?;
    let key = args.respondent.as_deref().or(args.id.as_deref());
    let origin = &audited.table.meta.origin;
    let groups = csi::block_groups(&df, &prep, key, &opts, &file, origin)?;
    // On a terminal the bar only goes with -o (standard output carries the result).
    let shown = args.output.is_some() || crate::progress::is_quiet();
    let bar = crate::progress::bar(
        if shown { args.bootstrap as u64 } else { 0 },
        "bootstrap {bar:40} {pos}/{len} ({eta})",
    );
    let mut result = csi::run(
        &model,
        &prep.cols,
        prep.rows_read,
        prep.handled,
        &opts,
        groups.as_deref(),
        &bar,
    )?;
    bar.finish_and_clear();
    result.diagnostics = audited.diagnostics;
    if let Some(labels) = &prep.groups {
        result.groups = csi::compare_groups(&model, &prep.cols, labels, &opts, args.permutations)?;
        result.group_indices = csi::group_indices(&result, &prep.cols, labels)?;
    }
    // Everything is computed before anything is written.
    // The scores table (respondent ids, indices, why a respondent was left out): written by
    // --scores-out, and a table of the Python result.
    let ids: Vec<String> = args.respondent.iter().chain(&args.id).cloned().collect();
    let scores = csi::scores_table(&result, &prep, &df, &ids, origin)?;
    outcome(result, Some(scores), &format, &args, lang)
}

/// The options of a run from the flags (`scale`: the declared item scale).
fn options(args: &CsiArgs, scale: Option<[f64; 2]>) -> Result<CsiOptions> {
    Ok(CsiOptions {
        settings: Settings {
            scheme: Scheme::parse(&args.scheme)?,
            tolerance: args.tolerance,
            max_iterations: args.max_iterations,
        },
        bootstrap: args.bootstrap,
        seed: args.seed,
        confidence: args.confidence,
        missing: if args.missing == "mean" {
            Missing::Mean
        } else {
            Missing::Casewise
        },
        scale,
        target: args.target.clone(),
        consistent: args.consistent,
        resampling: Resampling::parse(&args.resampling)?,
    })
}

/// What every pass of a streamed (or Spark) run needs, from `csi`'s flags: the model
/// file read and checked, the options, the id column of the hash blocks and the declared
/// non-answer codes of each item.
pub fn spec(args: &CsiArgs) -> Result<csi::parts::CsiSpec> {
    if args.by.is_some() || args.scores_out.is_some() {
        return Err(Error::Usage(
            "--by and --scores-out need the survey in memory; run without --streaming".into(),
        ));
    }
    let scale = match &args.scale {
        Some(s) => Some(parse_scale(s)?),
        None => None,
    };
    let src = args.model.display().to_string();
    let file = crate::stats::pls::model::ModelFile::read(&args.model)?;
    let model = file.model(&src)?;
    model.validate(&src, None)?;
    let options = options(args, scale.or(file.scale))?;
    let codes = args.audit.codes()?;
    let codes = model
        .items()
        .iter()
        .map(|i| match &codes {
            MissingCodes::All(v) => v.clone(),
            MissingCodes::ByColumn(m) => m.get(i).cloned().unwrap_or_default(),
            MissingCodes::None => vec![],
        })
        .collect();
    Ok(csi::parts::CsiSpec {
        model,
        options,
        key: args.respondent.clone().or(args.id.clone()),
        codes,
        table: args.data.display().to_string(),
    })
}

/// `csi --streaming`: the survey read in batches, the model from its sums.
fn streaming(args: CsiArgs, format: &str, lang: Option<&str>) -> Result<super::Outcome> {
    let spec = spec(&args)?;
    let lf = crate::data::load::sources::stream_scan(&args.data)?;
    let shown = args.output.is_some() || crate::progress::is_quiet();
    let bar = crate::progress::bar(
        if shown { args.bootstrap as u64 } else { 0 },
        "bootstrap {bar:40} {pos}/{len} ({eta})",
    );
    let result = csi::parts::stream(lf, &spec, &bar)?;
    bar.finish_and_clear();
    outcome(result, None, format, &args, lang)
}

/// The rendered result (and the scores table, from a run in memory).
fn outcome(
    result: csi::CsiResult,
    scores: Option<polars::prelude::DataFrame>,
    format: &str,
    args: &CsiArgs,
    lang: Option<&str>,
) -> Result<super::Outcome> {
    let lang = super::language(lang, None)?;
    let rendered = match format {
        "json" => Rendered::Text(super::to_json(&result)? + "\n"),
        "csv" => Rendered::Text(render::paths_csv(&result)?),
        "xlsx" => Rendered::Bytes(export::workbook(&render::export(&result)?)?),
        _ => Rendered::Text(render::text_in(&result, lang)),
    };
    let json = super::to_json(&result)? + "\n";
    let export = render::export(&result)?;
    let scores_out = args.scores_out.clone();
    let shared = std::sync::Arc::new(result);
    let mut o = super::Outcome::shared("csi", json, rendered, shared.clone(), |r, l| {
        Ok(render::text_in(r, l))
    })
    .to(&args.output)
    .with_export(export, &args.export)
    .with_html(shared, |c| Standalone {
        csi: Some(c),
        ..Default::default()
    });
    if let Some(df) = &scores {
        o.tables.push(crate::report::export::Table {
            name: "scores".into(),
            df: df.clone(),
        });
    }
    // The 0-100 indices per construct (the Python result's `indices`).
    let constructs = o
        .export
        .as_ref()
        .and_then(|e| e.tables.iter().find(|t| t.name == "constructs"));
    if let Some(c) = constructs {
        let df =
            c.df.select(["construct", "index_mean", "index_ci_low", "index_ci_high"])?;
        o.tables.push(crate::report::export::Table {
            name: "indices".into(),
            df,
        });
    }
    let mut scores = scores;
    Ok(o.then(Box::new(move || match (&scores_out, &mut scores) {
        (Some(p), Some(df)) => super::write_table(p, df),
        _ => Ok(()),
    })))
}
