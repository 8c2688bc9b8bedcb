//! `profitchain feedback`

use std::path::PathBuf;

use clap::Args;

use crate::analysis::chain::DEFAULT_SEED;
use crate::analysis::feedback::{self, bridge, Codebook, FeedbackOptions, FeedbackResult};
use crate::data::audit::{self, TableAudit};
use crate::data::build::{cols, respondents_with_segments};
use crate::data::study::Level;
use crate::data::text::Resources;
use crate::data::{load, Study};
use crate::report::{export, feedback as render, regression};
use crate::{output, Error, Result};

use super::Rendered;

/// Themes in open-ended comments (Chinese and English), linked to ratings and profit.
#[derive(Debug, Args)]
pub struct FeedbackArgs {
    /// Survey table with a comment column (one row per respondent or customer):
    /// CSV/TSV, .txt/.dat, Parquet, IPC, NDJSON, SPSS, Stata, Excel, ODS.
    #[arg(long, value_name = "FILE", conflicts_with = "study")]
    pub data: Option<PathBuf>,
    /// Or: a study file with a `[feedback]` section. Its respondents are those the chain
    /// analyses, by segment, and each theme's effect on satisfaction is carried through
    /// the segment's chain to profit.
    #[arg(long, value_name = "FILE")]
    pub study: Option<PathBuf>,
    /// The comment column (with --study: `[feedback] comment`).
    #[arg(long, value_name = "COL")]
    pub comment: Option<String>,
    /// Ratings to link the themes to (satisfaction, the 0-10 recommend item, CES),
    /// comma-separated; the first sets discovery's bands. With --study: `[feedback]
    /// ratings`, else the satisfaction, recommend and effort roles.
    #[arg(long, value_name = "COL,...", value_delimiter = ',')]
    pub rating: Vec<String>,
    /// Segment column (with --study: the study's segments).
    #[arg(long, value_name = "COL")]
    pub by: Option<String>,
    /// Id column, shown with examples and in the per-comment table.
    #[arg(long, value_name = "COL")]
    pub id: Option<String>,
    /// Codebook (TOML); default: the starter codebook for banking and retail service.
    #[arg(long, value_name = "FILE")]
    pub codebook: Option<PathBuf>,
    /// Write a draft codebook from the comments no theme matched to FILE.
    #[arg(long, value_name = "FILE")]
    pub suggest: Option<PathBuf>,
    /// Write the starter codebook, stop-word lists and sentiment lexicons into DIR (to edit
    /// and pass back), and stop; files of the same names already there are kept unless
    /// --force.
    #[arg(long, value_name = "DIR")]
    pub write_defaults: Option<PathBuf>,
    /// Replace the English stop words (one word per line).
    #[arg(long, value_name = "FILE")]
    pub stopwords_en: Option<PathBuf>,
    /// Replace the Chinese stop words (one word per line).
    #[arg(long, value_name = "FILE")]
    pub stopwords_zh: Option<PathBuf>,
    /// Replace the English sentiment lexicon (word<TAB>score lines).
    #[arg(long, value_name = "FILE")]
    pub lexicon_en: Option<PathBuf>,
    /// Replace the Chinese sentiment lexicon (word<TAB>score lines).
    #[arg(long, value_name = "FILE")]
    pub lexicon_zh: Option<PathBuf>,
    /// Extra words for the Chinese segmenter (a jieba user dictionary: one word per line,
    /// optionally with frequency and tag): product and brand names.
    #[arg(long, value_name = "FILE")]
    pub user_dict: Option<PathBuf>,
    /// Example comments per theme and segment (0: none).
    #[arg(long, value_name = "N")]
    pub examples: Option<usize>,
    /// Mask digits and e-mail addresses in the examples.
    #[arg(long)]
    pub mask: bool,
    /// Comments longer than this many characters are left out (counted).
    #[arg(long, value_name = "N", default_value_t = 20_000)]
    pub max_chars: usize,
    /// Discovery: a word or phrase must appear in at least N comments of a group.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub min_comments: u32,
    /// Discovery: list this many words and phrases per group.
    #[arg(long, value_name = "N", default_value_t = 15)]
    pub top: usize,
    /// Scale of the first rating, for discovery's bands (default: the study's
    /// satisfaction scale, else the observed range).
    #[arg(long, value_name = "LOW-HIGH")]
    pub scale: Option<String>,
    /// Bootstrap resamples of the interval of the profit bridge (--study).
    #[arg(long, default_value_t = 1000)]
    pub bootstrap: usize,
    /// Bootstrap seed; the same seed gives identical output.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Write the per-comment table (id, segment, language, themes, sentiment, why left
    /// out) as CSV here.
    #[arg(long, value_name = "FILE")]
    pub comments: Option<PathBuf>,
    /// Output format: text (default), json, csv (one row per theme, segment and rating)
    /// or xlsx (with -o FILE.xlsx). The extension of -o chooses it too.
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

fn resources(args: &FeedbackArgs, user_dict: Option<PathBuf>) -> Result<Resources> {
    let mut r = Resources::default();
    if let Some(p) = &args.stopwords_en {
        r.stopwords_from("en", p)?;
    }
    if let Some(p) = &args.stopwords_zh {
        r.stopwords_from("zh", p)?;
    }
    if let Some(p) = &args.lexicon_en {
        r.lexicon_from("en", p)?;
    }
    if let Some(p) = &args.lexicon_zh {
        r.lexicon_from("zh", p)?;
    }
    if let Some(p) = args.user_dict.clone().or(user_dict) {
        r.user_dictionary_from(&p)?;
    }
    Ok(r)
}

pub fn compute(args: FeedbackArgs, lang: Option<&str>) -> Result<super::Outcome> {
    if let Some(dir) = &args.write_defaults {
        return write_defaults(dir, args.export.force);
    }
    let format = super::output_format(
        &args.output,
        args.format.as_deref(),
        &["text", "json", "csv", "xlsx"],
        &args.export,
    )?;
    let scale = args
        .scale
        .as_deref()
        .map(|s| crate::analysis::metrics::Scale::parse(s).map(|x| [x.low, x.high]))
        .transpose()?;
    let (mut out, inputs, study_lang) = match (&args.data, &args.study) {
        (Some(p), _) => (standalone(&args, p, scale)?, vec![p.clone()], None),
        (None, Some(s)) => {
            let study = Study::from_file(s)?;
            let l = study.language.clone();
            let inputs = super::study_inputs(&study);
            (with_study(&args, s, study, scale)?, inputs, l)
        }
        (None, None) => {
            return Err(Error::Usage(
                "give --data FILE --comment COL, or --study FILE with a [feedback] section".into(),
            ))
        }
    };
    super::not_an_input(
        &[
            args.output.as_deref(),
            args.comments.as_deref(),
            args.suggest.as_deref(),
        ],
        &inputs,
    )?;
    let lang = super::language(lang.or(study_lang.as_deref()), None)?;
    let suggestion = args.suggest.as_ref().map(|p| {
        (
            p.clone(),
            feedback::discover::suggest(
                &[out.discovery.terms.clone(), out.discovery.frequent.clone()].concat(),
            ),
        )
    });
    if let Some((p, draft)) = &suggestion {
        out.notes.push(format!(
            "A draft codebook of {} theme(s) from the unmatched comments was written to {}.",
            draft.matches("[[theme]]").count(),
            p.display()
        ));
    }
    let comments_csv = match &args.comments {
        Some(p) => Some((
            p.clone(),
            regression::csv(&mut render::comments_table(&out)?)?,
        )),
        None => None,
    };
    let rendered = match format.as_str() {
        "json" => Rendered::Text(super::to_json(&out)? + "\n"),
        "csv" => Rendered::Text(regression::csv(&mut render::themes_table(&out)?)?),
        "xlsx" => Rendered::Bytes(export::workbook(&render::export(&out)?)?),
        _ => Rendered::Text(render::text_in(&out, lang)),
    };
    let json = super::to_json(&out)? + "\n";
    let export = render::export(&out)?;
    let shared = std::sync::Arc::new(out);
    Ok(
        super::Outcome::shared("feedback", json, rendered, shared, |o, l| {
            Ok(render::text_in(o, l))
        })
        .to(&args.output)
        .with_export(export, &args.export)
        .then(Box::new(move || {
            if let Some((p, text)) = &suggestion {
                output::write_text(p, text)?;
            }
            if let Some((p, text)) = &comments_csv {
                output::write_text(p, text)?;
            }
            Ok(())
        })),
    )
}

/// `--write-defaults DIR`: the starter codebook and word lists, written after everything
/// is checked; a file of the same name already there (an edited codebook) is kept unless
/// `--force`.
fn write_defaults(dir: &std::path::Path, force: bool) -> Result<super::Outcome> {
    let mut files = vec![("codebook.toml", feedback::codebook::STARTER)];
    files.extend(Resources::defaults());
    if !force {
        if let Some((name, _)) = files.iter().find(|(n, _)| dir.join(n).exists()) {
            return Err(Error::Usage(format!(
                "--write-defaults {}: {name} is already there (perhaps an edited codebook or list); choose another folder, or add --force to replace the files",
                dir.display()
            )));
        }
    }
    let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
    let text = format!(
        "Wrote {} into {}: edit them and pass them back with --codebook, --stopwords-en, --stopwords-zh, --lexicon-en, --lexicon-zh.\n",
        names.join(", "),
        dir.display()
    );
    let dir = dir.to_path_buf();
    Ok(super::Outcome::new(
        "feedback",
        serde_json::json!({ "written": names }).to_string() + "\n",
        Rendered::Text(text.clone()),
        text,
        |t, _| Ok(t.clone()),
    )
    .then(Box::new(move || {
        std::fs::create_dir_all(&dir).map_err(|e| Error::Write {
            path: dir.clone(),
            reason: e.to_string(),
        })?;
        for (name, body) in files {
            output::write_text(&dir.join(name), body)?;
        }
        Ok(())
    })))
}

fn codebook(args: &FeedbackArgs, from_study: Option<PathBuf>) -> Result<Codebook> {
    match args.codebook.clone().or(from_study) {
        Some(p) => Codebook::from_file(&p),
        None => Ok(Codebook::starter()),
    }
}

fn options(args: &FeedbackArgs, comment: String, ratings: Vec<String>) -> FeedbackOptions {
    FeedbackOptions {
        comment,
        ratings,
        by: args.by.clone(),
        id: args.id.clone(),
        examples: args.examples.unwrap_or(2),
        mask: args.mask,
        confidence: args.confidence,
        max_chars: args.max_chars,
        min_comments: args.min_comments,
        top: args.top,
        scale: None,
    }
}

fn standalone(
    args: &FeedbackArgs,
    path: &std::path::Path,
    scale: Option<[f64; 2]>,
) -> Result<FeedbackResult> {
    let comment = args.comment.clone().ok_or_else(|| {
        Error::Usage("--data needs --comment COL (the open-ended question's column)".into())
    })?;
    let mut read = args.file.options()?;
    read.text_columns = [Some(comment.clone()), args.id.clone(), args.by.clone()]
        .into_iter()
        .flatten()
        .collect();
    let ctx = TableAudit {
        table: path.display().to_string(),
        missing_codes: args.audit.codes()?,
        allow_out_of_range: args.audit.allow_out_of_range,
        totals: true,
        survey: true,
        ..Default::default()
    };
    let a = audit::read(path, &read, ctx, &args.rating)?;
    let file = path.display().to_string();
    let mut opts = options(args, comment, args.rating.clone());
    opts.scale = scale;
    let mut out = feedback::run(
        &a.table.df,
        &file,
        &opts,
        &codebook(args, None)?,
        &resources(args, None)?,
    )?;
    out.diagnostics = a.diagnostics;
    Ok(out)
}

fn with_study(
    args: &FeedbackArgs,
    path: &std::path::Path,
    mut study: Study,
    scale: Option<[f64; 2]>,
) -> Result<FeedbackResult> {
    study.options.missing_codes.merge(args.audit.codes()?);
    study.options.allow_out_of_range |= args.audit.allow_out_of_range;
    let spec = study.feedback.clone();
    let comment = args
        .comment
        .clone()
        .or(spec.as_ref().map(|f| f.comment.clone()))
        .ok_or_else(|| {
            Error::study(
                path.display().to_string(),
                "no [feedback] section: add one with comment = \"COLUMN\" (the open-ended question), or give --comment COL",
            )
        })?;
    if spec.is_none() {
        // The comment column is a respondent's text, not a customer attribute.
        study.feedback = Some(crate::data::study_sections::FeedbackSpec {
            comment: comment.clone(),
            codebook: None,
            ratings: vec![],
            user_dictionary: None,
            examples: None,
            mask: false,
        });
    }
    let table = crate::analysis::study::build(&study)?.table;
    analyse(args, path, &study, &table, scale)
}

/// `report`'s feedback section: the study's `[feedback]` on its built customer table, with
/// the report's seed and confidence and 1,000 resamples of the bridge (none when the
/// report runs none).
pub fn for_report(
    study: &Study,
    table: &crate::data::CustomerTable,
    opts: &crate::analysis::chain::ChainOptions,
) -> Result<Option<FeedbackResult>> {
    use clap::Parser;
    if study.feedback.is_none() {
        return Ok(None);
    }
    let path = study.base_dir.join("study.toml");
    let resamples = if opts.bootstrap == 0 {
        0
    } else {
        crate::analysis::study::REPORT_DRIVER_RESAMPLES
    };
    let argv = [
        "profitchain".to_string(),
        "feedback".into(),
        "--study".into(),
        path.display().to_string(),
        "--bootstrap".into(),
        resamples.to_string(),
        "--seed".into(),
        opts.seed.to_string(),
        "--confidence".into(),
        opts.confidence.to_string(),
    ];
    let cli = super::Cli::try_parse_from(argv).map_err(|e| Error::Internal(e.to_string()))?;
    let super::Command::Feedback(args) = cli.command else {
        return Err(Error::Internal("feedback arguments".into()));
    };
    analyse(&args, &path, study, table, None).map(Some)
}

/// The feedback analysis of a built study.
fn analyse(
    args: &FeedbackArgs,
    path: &std::path::Path,
    study: &Study,
    table: &crate::data::CustomerTable,
    scale: Option<[f64; 2]>,
) -> Result<FeedbackResult> {
    let spec = study.feedback.clone();
    let comment = args
        .comment
        .clone()
        .or(spec.as_ref().map(|f| f.comment.clone()))
        .ok_or_else(|| Error::Internal("comment column".into()))?;
    let Some((df, rows_read)) = respondents_with_segments(study, table)? else {
        return Err(Error::study(
            path.display().to_string(),
            "no respondent-level table: [feedback] reads the comment column of the survey table ([[table]] level = \"respondent\")",
        ));
    };
    let r = &study.roles;
    let mut ratings = if !args.rating.is_empty() {
        args.rating.clone()
    } else {
        spec.as_ref().map(|s| s.ratings.clone()).unwrap_or_default()
    };
    if ratings.is_empty() {
        ratings = [
            Some(r.satisfaction.clone()),
            r.recommend.clone(),
            r.effort.clone(),
        ]
        .into_iter()
        .flatten()
        .filter(|c| df.schema().contains(c))
        .collect();
    }
    let survey = study
        .tables
        .iter()
        .find(|t| t.level == Level::Respondent)
        .ok_or_else(|| Error::Internal("respondent table".into()))?;
    let file = format!("{} (survey table '{}')", path.display(), survey.name);
    let resolve = |p: &PathBuf| {
        if p.is_absolute() {
            p.clone()
        } else {
            study.base_dir.join(p)
        }
    };
    let mut opts = options(args, comment, ratings);
    opts.by = Some(args.by.clone().unwrap_or_else(|| cols::SEGMENT.to_string()));
    opts.id = Some(args.id.clone().unwrap_or_else(|| {
        survey
            .respondent
            .clone()
            .unwrap_or_else(|| study.table_id(survey).to_string())
    }));
    if args.examples.is_none() {
        opts.examples = spec.as_ref().and_then(|s| s.examples).unwrap_or(2);
    }
    opts.mask |= spec.as_ref().is_some_and(|s| s.mask);
    opts.scale = scale.or(match opts.ratings.first() {
        Some(first) if *first == r.satisfaction => study.options.satisfaction_scale,
        Some(first) if Some(first) == r.recommend.as_ref() => Some([0.0, 10.0]),
        _ => None,
    });
    let cb = codebook(
        args,
        spec.as_ref().and_then(|s| s.codebook.as_ref()).map(resolve),
    )?;
    let res = resources(
        args,
        spec.as_ref()
            .and_then(|s| s.user_dictionary.as_ref())
            .map(resolve),
    )?;
    let mut out = feedback::run(&df, &file, &opts, &cb, &res)?;
    out.diagnostics = table.diagnostics.clone();
    if df.height() < rows_read {
        out.notes.insert(
            0,
            format!(
                "{} of {} survey rows belong to the {} customers the study analyses, with a valid '{}' rating (same build and join as `chain`); the other {} are left out",
                df.height(),
                rows_read,
                table.df.height(),
                r.satisfaction,
                rows_read - df.height()
            ),
        );
    }
    if opts.ratings.first() == Some(&r.satisfaction) {
        out.bridge = study_bridge(study, table, &df, &out, args)?;
        out.notes.push("Through the chain: a theme's effect on the satisfaction rating times the segment's total effect of satisfaction on profit (the slope of profit on satisfaction with the chain's covariates), for each customer weighted by the share of their rated respondents who mention it; percentile bootstrap over customers.".into());
    }
    Ok(out)
}

/// The bridge's inputs from the customer table and the respondents.
fn study_bridge(
    study: &Study,
    table: &crate::data::CustomerTable,
    df: &polars::prelude::DataFrame,
    out: &FeedbackResult,
    args: &FeedbackArgs,
) -> Result<Vec<bridge::Bridge>> {
    let ids: Vec<String> = string_values(&table.df, &table.id)?;
    let index: std::collections::HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let segs: Vec<String> = string_values(&table.df, cols::SEGMENT)?;
    let customer_segment: Vec<usize> = segs
        .iter()
        .map(|s| {
            out.segments
                .iter()
                .skip(1)
                .position(|x| x == s)
                .unwrap_or(usize::MAX)
        })
        .collect();
    let satisfaction = load::f64_values(&table.df, cols::SATISFACTION)?;
    let profit = load::f64_values(&table.df, cols::PROFIT)?;
    let covariates: Vec<Vec<f64>> = study
        .roles
        .covariates
        .iter()
        .map(|c| load::f64_values(&table.df, c))
        .collect::<Result<_>>()?;
    let survey = study
        .tables
        .iter()
        .find(|t| t.level == Level::Respondent)
        .ok_or_else(|| Error::Internal("respondent table".into()))?;
    let row_ids = string_values(df, study.table_id(survey))?;
    let row_customer: Vec<Option<usize>> = row_ids
        .iter()
        .map(|s| index.get(s.as_str()).copied())
        .collect();
    let rating = load::f64_values(df, &study.roles.satisfaction)?;
    let names: Vec<String> = out.themes.iter().map(|t| t.name.clone()).collect();
    Ok(bridge::bridges(
        &bridge::Data {
            segments: &out.segments,
            customer_segment: &customer_segment,
            satisfaction: &satisfaction,
            profit: &profit,
            covariates: &covariates,
            row_customer: &row_customer,
            rating: &rating,
            processed: &out.processed,
            themes: &names,
        },
        args.bootstrap,
        args.seed,
        args.confidence,
    ))
}

/// A column's values as text (missing: empty).
fn string_values(df: &polars::prelude::DataFrame, name: &str) -> Result<Vec<String>> {
    use polars::prelude::*;
    let s = df.column(name)?.cast(&DataType::String)?;
    Ok(s.as_materialized_series()
        .str()?
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect())
}
