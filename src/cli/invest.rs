//! `profitchain invest`

use std::path::PathBuf;

use clap::Args;

use crate::analysis::chain::ChainOptions;
use crate::analysis::invest::{
    self, economics::Horizon, Change, Cost, InvestOptions, RetentionSource, Scenario,
};
use crate::analysis::study::Built;
use crate::data::study_sections::{InvestSpec, RetentionSpec};
use crate::data::Study;
use crate::report::{export, invest as render};
use crate::{Error, Result};

use super::chain::{InferenceArgs, ModelArgs};
use super::data_args::{study_or_sample, DataArgs};
use super::Rendered;

/// Return on satisfaction: what raising satisfaction is worth per segment through the
/// fitted chain, with bootstrap intervals, against a programme's cost.
#[derive(Debug, Args)]
pub struct InvestArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub inference: InferenceArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// One scenario: every customer reached gains this many satisfaction points (capped at
    /// the top of the scale). Without --add, --to or --gap: the study's [[invest.scenario]].
    #[arg(long, value_name = "POINTS", conflicts_with_all = ["to", "gap"], allow_negative_numbers = true)]
    pub add: Option<f64>,
    /// One scenario: customers below this satisfaction are raised to it.
    #[arg(long, value_name = "TARGET", conflicts_with = "gap")]
    pub to: Option<f64>,
    /// One scenario: every customer reached closes this share (0-1) of the distance to
    /// the top of the scale.
    #[arg(long, value_name = "SHARE")]
    pub gap: Option<f64>,
    /// The scenario reaches this segment only.
    #[arg(long, value_name = "NAME")]
    pub segment: Option<String>,
    /// The scenario reaches the customers this rule selects, e.g. "satisfaction < 6 and
    /// tenure_years > 5" or 'region = "South"'.
    #[arg(long, value_name = "RULE")]
    pub rule: Option<String>,
    /// The change applies to this attribute rating (one of the study's
    /// roles.attributes), and satisfaction moves through the segment's key-driver
    /// regression of satisfaction on the attributes.
    #[arg(long, value_name = "COL")]
    pub driver: Option<String>,
    /// Attribute ratings of the key-driver regression (repeatable; default: the study's
    /// roles.attributes).
    #[arg(long = "attribute", value_name = "COL")]
    pub attributes: Vec<String>,
    /// The scenario's name.
    #[arg(long, value_name = "NAME", default_value = "scenario")]
    pub name: String,
    /// Fixed programme cost.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub fixed_cost: f64,
    /// Programme cost per customer reached.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub cost_per_customer: f64,
    /// Programme cost per satisfaction point gained.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub cost_per_point: f64,
    /// Years the annual gain is valued over (default: the study's, else 1).
    #[arg(long, value_name = "YEARS")]
    pub horizon: Option<u32>,
    /// Discount rate per year (default: the study's, else 0).
    #[arg(long, value_name = "RATE", allow_negative_numbers = true)]
    pub discount: Option<f64>,
    /// Retention rate per year, or "clv": each customer's own, from the study's purchase
    /// model (P(alive) and expected dropout; needs the purchase log and [clv]). Default:
    /// the study's, else 1.
    #[arg(long, value_name = "RATE|clv")]
    pub retention: Option<String>,
    /// Satisfaction scale LOW,HIGH (default: the study's satisfaction_scale, else the
    /// observed range).
    #[arg(long, value_name = "LOW,HIGH")]
    pub scale: Option<String>,
    /// Output format: text (default), json, csv (one row per scenario and segment) or xlsx
    /// (with -o FILE.xlsx). The extension of -o chooses it too.
    #[arg(long, value_parser = ["text", "json", "csv", "xlsx"])]
    pub format: Option<String>,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub export: super::ExportArgs,
}

pub fn compute(args: InvestArgs, lang: Option<&str>) -> Result<super::Outcome> {
    let format = super::output_format(
        &args.output,
        args.format.as_deref(),
        &["text", "json", "csv", "xlsx"],
        &args.export,
    )?;
    let (sample_dir, study) =
        study_or_sample(&args.data, &args.model.covariates, &args.model.moderators)?;
    super::not_an_input(&[args.output.as_deref()], &super::study_inputs(&study))?;
    let lang = super::language(lang, Some(&study))?;
    let section = study.invest.clone().unwrap_or_default();
    let scenarios = match (args.add, args.to, args.gap) {
        (None, None, None) => {
            if args.segment.is_some() || args.rule.is_some() {
                return Err(Error::Usage(
                    "--segment and --rule describe a scenario given by --add, --to or --gap".into(),
                ));
            }
            invest::scenario::from_study(&section)?
        }
        (add, to, gap) => vec![Scenario {
            name: args.name.clone(),
            change: match (add, to, gap) {
                (Some(d), _, _) => Change::Add(d),
                (_, Some(t), _) => Change::To(t),
                (_, _, g) => Change::Gap(g.unwrap_or_default()),
            },
            segment: args.segment.clone(),
            rule: args.rule.clone(),
            cost: Cost {
                fixed: args.fixed_cost,
                per_customer: args.cost_per_customer,
                per_point: args.cost_per_point,
            },
            driver: args.driver.clone(),
        }],
    };
    let scale = match &args.scale {
        Some(s) => Some(super::csi::parse_scale(s)?),
        None => study.options.satisfaction_scale,
    };
    let (horizon, source) = horizon(
        args.retention.as_deref(),
        args.horizon,
        args.discount,
        &section,
    )?;
    let opts = InvestOptions {
        scenarios,
        horizon,
        retention: source,
        scale,
        attributes: if args.attributes.is_empty() {
            study.roles.attributes.clone()
        } else {
            args.attributes.clone()
        },
    };
    let chain = ChainOptions {
        quadratic: args.model.quadratic || study.options.quadratic,
        ..args.inference.options(&study)?
    };
    let built = crate::analysis::study::build(&study)?;
    let activity = activity(&opts, &built)?;
    let mut result = invest::run(&built.table, &chain, &opts, activity.as_ref())?;
    if let Some(c) = &built.clv {
        invest::lifetime::add_route(&mut result, &built.table, c, &opts)?;
    }
    result.statements = render::statements(&result, crate::report::i18n::Lang::En);
    let rendered = match format.as_str() {
        "json" => Rendered::Text(super::to_json(&result)? + "\n"),
        "csv" => Rendered::Text(render::csv(&result)?),
        "xlsx" => Rendered::Bytes(export::workbook(&render::export(&result)?)?),
        _ => Rendered::Text(render::text_in(&result, lang)),
    };
    let json = super::to_json(&result)? + "\n";
    let exported = render::export(&result)?;
    let shared = std::sync::Arc::new(result);
    let mut o = super::Outcome::shared("invest", json, rendered, shared.clone(), |r, l| {
        Ok(render::text_in(r, l))
    })
    .to(&args.output)
    .with_export(exported, &args.export)
    .with_html(shared, |r| crate::report::html::Standalone {
        invest: Some(r),
        ..Default::default()
    });
    o.notes.extend(super::data_args::sample_note(&sample_dir));
    Ok(o)
}

/// The horizon from the flags, else the study's `[invest]`, and where retention comes from.
fn horizon(
    retention: Option<&str>,
    years: Option<u32>,
    discount: Option<f64>,
    section: &InvestSpec,
) -> Result<(Horizon, RetentionSource)> {
    let retention = match retention {
        Some(text) => Some(retention_arg(text)?),
        None => section.retention.clone(),
    };
    let (rate, source) = match retention {
        None => (1.0, RetentionSource::Rate),
        Some(RetentionSpec::Rate(r)) => (r, RetentionSource::Rate),
        Some(RetentionSpec::Source(s)) if s == "clv" => (1.0, RetentionSource::Clv),
        Some(RetentionSpec::Source(s)) => {
            return Err(Error::study(
                "[invest]",
                format!("retention = \"{s}\": give a yearly rate (e.g. 0.85) or \"clv\""),
            ))
        }
    };
    let h = Horizon {
        years: years.or(section.horizon).unwrap_or(1),
        discount: discount.or(section.discount).unwrap_or(0.0),
        retention: rate,
    };
    Ok((h, source))
}

/// Each customer's year weights when retention comes from the study's purchase model.
fn activity(opts: &InvestOptions, built: &Built) -> Result<Option<invest::Activity>> {
    match (opts.retention, &built.clv) {
        (RetentionSource::Rate, _) => Ok(None),
        (RetentionSource::Clv, None) => Err(Error::Usage(
            "retention \"clv\" takes each customer's retention from the study's purchase model: add the purchase log (a table with level = \"transaction\") and a [clv] section, or give a yearly rate, e.g. --retention 0.85".into(),
        )),
        (RetentionSource::Clv, Some(c)) if opts.horizon.years > 0 => {
            Ok(Some(invest::retention::activity(
                &built.table.df,
                c,
                opts.horizon.years,
                &invest::segment_index(&built.table)?,
            )?))
        }
        (RetentionSource::Clv, Some(_)) => Ok(None),
    }
}

/// The study's `[[invest.scenario]]` run with the report's chain options (None without
/// scenarios): the report's "Return on satisfaction" section.
pub fn for_report(
    study: &Study,
    built: &Built,
    chain: &ChainOptions,
) -> Result<Option<invest::InvestResult>> {
    let Some(section) = study.invest.as_ref().filter(|s| !s.scenarios.is_empty()) else {
        return Ok(None);
    };
    let (horizon, retention) = horizon(None, None, None, section)?;
    let opts = InvestOptions {
        scenarios: invest::scenario::from_study(section)?,
        horizon,
        retention,
        scale: study.options.satisfaction_scale,
        attributes: study.roles.attributes.clone(),
    };
    let activity = activity(&opts, built)?;
    let mut result = invest::run(&built.table, chain, &opts, activity.as_ref())?;
    if let Some(c) = &built.clv {
        invest::lifetime::add_route(&mut result, &built.table, c, &opts)?;
    }
    result.statements = render::statements(&result, crate::report::i18n::Lang::En);
    Ok(Some(result))
}

/// `--retention`: a yearly rate or `clv`.
fn retention_arg(text: &str) -> Result<RetentionSpec> {
    if text.trim().eq_ignore_ascii_case("clv") {
        return Ok(RetentionSpec::Source("clv".into()));
    }
    text.trim()
        .parse::<f64>()
        .map(RetentionSpec::Rate)
        .map_err(|_| {
            Error::Usage(format!(
                "--retention {text}: give a yearly rate between 0 and 1 (e.g. 0.85) or clv"
            ))
        })
}
