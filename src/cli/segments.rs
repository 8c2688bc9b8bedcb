//! `profitchain segments`

use std::path::PathBuf;

use clap::Args;

use crate::analysis::segments::mixture::{self, MixtureOptions};
use crate::analysis::segments::{self, TreeOptions};
use crate::report::segments as render;
use crate::stats::Formula;
use crate::Result;

use super::regress::{formula_table, Loaded, TableArgs};
use super::Rendered;

/// Where does a regression differ? A linear model tree: model-based recursive partitioning
/// over the variables you name (partykit's lmtree).
#[derive(Debug, Args)]
pub struct SegmentsArgs {
    #[command(flatten)]
    pub table: TableArgs,
    /// The regression, e.g. "share_of_wallet ~ satisfaction".
    #[arg(
        long,
        short = 'f',
        required_unless_present = "chain",
        conflicts_with = "chain"
    )]
    pub formula: Option<String>,
    /// Instead of one regression: the whole chain at once (share of wallet, revenue and
    /// profit equations jointly; a split means the chain differs there). Needs the columns
    /// satisfaction, share_of_wallet, revenue and profit (a study's customer table has them).
    #[arg(long)]
    pub chain: bool,
    /// With --chain: a covariate in every equation (repeatable); default: the study's.
    #[arg(long = "covariate", value_name = "COL", requires = "chain")]
    pub covariates: Vec<String>,
    /// A partitioning variable (repeatable): numbers split at a value, anything else by
    /// groups of its categories.
    #[arg(long = "by", value_name = "COL", required_unless_present = "classes")]
    pub by: Vec<String>,
    /// Instead of a tree: latent classes, a finite mixture of the regression with this many
    /// classes, or a range chosen by BIC (e.g. 1-4).
    #[arg(long, value_name = "K|K1-K2", conflicts_with = "by")]
    pub classes: Option<String>,
    /// With --classes: a concomitant variable (repeatable), so class membership is a
    /// multinomial logit on these columns (flexmix's FLXPmultinom).
    #[arg(long, value_name = "COL", requires = "classes")]
    pub concomitant: Vec<String>,
    /// Random starts of EM per number of classes (the best log-likelihood is kept).
    #[arg(long, default_value_t = 10)]
    pub starts: usize,
    /// Seed of the random starts.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Smallest node (default 10 × the number of coefficients).
    #[arg(long, value_name = "N")]
    pub minsize: Option<usize>,
    /// Split while the smallest (Bonferroni-adjusted) instability p-value is at most this.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Deepest level of nodes (the root is 1); default: no limit.
    #[arg(long, value_name = "N")]
    pub maxdepth: Option<usize>,
    /// Share of customers trimmed at each end of the supLM scan (or, above 1, a number).
    #[arg(long, default_value_t = 0.1)]
    pub trim: f64,
    /// Do not adjust the p-values for the number of variables tested.
    #[arg(long)]
    pub no_bonferroni: bool,
    /// Post-prune the grown tree by an information criterion (as partykit's prune).
    #[arg(long, value_parser = ["aic", "bic"])]
    pub prune: Option<String>,
    /// Output format: text (default), json or csv (one row per node and coefficient).
    #[arg(long, value_parser = ["text", "json", "csv"])]
    pub format: Option<String>,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub export: super::ExportArgs,
}

pub fn compute(args: SegmentsArgs, lang: Option<&str>) -> Result<super::Outcome> {
    let format = super::output_format(
        &args.output,
        args.format.as_deref(),
        &["text", "json", "csv"],
        &args.export,
    )?;
    let formulas = equations(&args)?;
    // The table is read for the last equation, which uses every chain variable.
    let formula = Formula::parse(formulas.last().map_or("", String::as_str))?;
    if !(args.alpha > 0.0 && args.alpha < 1.0) {
        return Err(crate::Error::Usage(format!(
            "--alpha {}: a level between 0 and 1, e.g. 0.05",
            args.alpha
        )));
    }
    if args.maxdepth == Some(0) || args.minsize == Some(0) || !(args.trim > 0.0 && args.trim != 0.5)
    {
        return Err(crate::Error::Usage(
            "--maxdepth and --minsize are 1 or more, --trim above 0 (a share below 0.5, or a number of customers)".into(),
        ));
    }
    let Loaded {
        df, file, inputs, ..
    } = formula_table(&args.table, &formula)?;
    super::not_an_input(&[args.output.as_deref()], &inputs)?;
    let lang = super::language(lang, None)?;
    if let Some(classes) = &args.classes {
        let opts = MixtureOptions {
            ks: mixture::parse_classes(classes)?,
            starts: args.starts,
            seed: args.seed,
            em: Default::default(),
            concomitant: args.concomitant.clone(),
        };
        let result = mixture::run(&df, &file, &formulas, &opts)?;
        let rendered = match format.as_str() {
            "json" => Rendered::Text(super::to_json(&result)? + "\n"),
            "csv" => Rendered::Text(render::mixture_csv(&result)?),
            _ => Rendered::Text(render::mixture_text_in(&result, lang)),
        };
        let json = super::to_json(&result)? + "\n";
        let export = render::mixture_export(&result)?;
        return Ok(
            super::Outcome::new("segments", json, rendered, result, |r, l| {
                Ok(render::mixture_text_in(r, l))
            })
            .to(&args.output)
            .with_export(export, &args.export),
        );
    }
    let opts = TreeOptions {
        alpha: args.alpha,
        bonferroni: !args.no_bonferroni,
        minsize: args.minsize,
        maxdepth: args.maxdepth.unwrap_or(usize::MAX),
        trim: args.trim,
        prune: args
            .prune
            .as_deref()
            .map(crate::analysis::segments::tree::Prune::parse)
            .transpose()?,
    };
    let result = segments::run(&df, &file, &formulas, &args.by, &opts)?;
    let rendered = match format.as_str() {
        "json" => Rendered::Text(super::to_json(&result)? + "\n"),
        "csv" => Rendered::Text(render::csv(&result)?),
        _ => Rendered::Text(render::text_in(&result, lang)),
    };
    let json = super::to_json(&result)? + "\n";
    let export = render::export(&result)?;
    Ok(
        super::Outcome::new("segments", json, rendered, result, |r, l| {
            Ok(render::text_in(r, l))
        })
        .to(&args.output)
        .with_export(export, &args.export),
    )
}

/// The regressions: the formula, or the chain's equations with the covariates given (else
/// the study's).
fn equations(args: &SegmentsArgs) -> Result<Vec<String>> {
    if !args.chain {
        return Ok(vec![args.formula.clone().unwrap_or_default()]);
    }
    let covariates = match (&args.table.study, args.covariates.is_empty()) {
        (Some(study), true) => {
            crate::data::study::Study::from_file(study)?
                .roles
                .covariates
        }
        _ => args.covariates.clone(),
    };
    Ok(segments::chain_formulas(&covariates))
}
