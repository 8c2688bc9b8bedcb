//! The argument group every data-reading command shares: `--study FILE`, or one
//! pre-joined table given by `--data FILE` plus role flags.

use std::path::PathBuf;

use clap::Args;

use crate::data::study::{Options, Roles, SowScale};
use crate::data::{SegmentRule, Study};
use crate::{Error, Result};

/// How to read a table file beyond its extension (`--data`, `--transactions`, inspected
/// files); a study file sets the same per table (`sheet`, `encoding`, `separator`,
/// `decimal_comma`).
#[derive(Debug, Clone, Default, Args)]
pub struct FileArgs {
    /// Workbook sheet to read (.xlsx/.xls/.ods; default the first sheet).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// CSV text encoding, e.g. gb18030 or gbk for Chinese Excel exports (default UTF-8).
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,
    /// CSV separator, e.g. ';' or tab (default ',').
    #[arg(long, value_name = "CHAR")]
    pub separator: Option<String>,
    /// CSV numbers use a decimal comma (1234,56).
    #[arg(long)]
    pub decimal_comma: bool,
}

impl FileArgs {
    /// The read options these flags describe.
    pub fn options(&self) -> Result<crate::data::load::ReadOptions> {
        Ok(crate::data::load::ReadOptions {
            sheet: self.sheet.clone(),
            encoding: self.encoding.clone(),
            separator: self
                .separator
                .as_deref()
                .map(crate::data::load::ReadOptions::parse_separator)
                .transpose()?,
            decimal_comma: self.decimal_comma,
            text_columns: Vec::new(),
        })
    }

    /// True when any flag was given.
    pub fn is_set(&self) -> bool {
        self.sheet.is_some()
            || self.encoding.is_some()
            || self.separator.is_some()
            || self.decimal_comma
    }
}

/// Where the customer data comes from.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Study file (TOML) naming the tables and the columns' roles.
    #[arg(long, value_name = "FILE", conflicts_with = "data")]
    pub study: Option<PathBuf>,

    /// One pre-joined table, one row per customer (instead of --study): CSV/TSV, .txt/.dat,
    /// Parquet, IPC, NDJSON, SPSS, Stata, Excel or ODS.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,

    /// Customer id column (with --data).
    #[arg(long, value_name = "COL", requires = "data")]
    pub id: Option<String>,

    /// Satisfaction column (with --data).
    #[arg(long, value_name = "COL", requires = "data")]
    pub satisfaction: Option<String>,

    /// Share-of-wallet column (with --data); or give --category-spend. Alias: --sow.
    #[arg(
        long,
        visible_alias = "sow",
        value_name = "COL",
        requires = "data",
        conflicts_with = "category_spend"
    )]
    pub share_of_wallet: Option<String>,

    /// Total category spend column: share of wallet = revenue / category spend.
    #[arg(long, value_name = "COL", requires = "data")]
    pub category_spend: Option<String>,

    /// Share-of-wallet scale of the given column: fraction or percent.
    #[arg(long, value_name = "SCALE", default_value = "fraction", value_parser = ["fraction", "percent"])]
    pub sow_scale: String,

    /// Revenue column (with --data).
    #[arg(long, value_name = "COL", requires = "data")]
    pub revenue: Option<String>,

    /// Profit column (with --data); or give --cost.
    #[arg(long, value_name = "COL", requires = "data", conflicts_with = "cost")]
    pub profit: Option<String>,

    /// Cost-to-serve column: profit = revenue - cost.
    #[arg(long, value_name = "COL", requires = "data")]
    pub cost: Option<String>,

    /// Segment rule, overriding the study's: profit | none | column:COL | COL>NUMBER
    /// (COL may be a derived role: profit, revenue, share_of_wallet, satisfaction).
    #[arg(long, value_name = "RULE")]
    pub segment_rule: Option<String>,

    /// Allow a column:COL segment rule on a column with more than 12 values.
    #[arg(long)]
    pub allow_many_segments: bool,

    /// The unit of money amounts, e.g. "USD k" (said with every amount in the summary,
    /// the headers and the charts); overrides the study's `units`.
    #[arg(long, value_name = "UNIT")]
    pub units: Option<String>,

    #[command(flatten)]
    pub file: FileArgs,

    #[command(flatten)]
    pub audit: AuditArgs,
}

/// The input audit's options every command reading survey or customer data shares.
#[derive(Debug, Clone, Default, Args)]
pub struct AuditArgs {
    /// Codes read as missing: in every survey column (e.g. 99 or 98,99), or per column
    /// (satisfaction=99). Repeatable; adds to the study's missing_codes.
    #[arg(long, value_name = "CODES")]
    pub missing_codes: Vec<String>,
    /// Keep values outside their valid or declared range (share of wallet outside [0, 1],
    /// ratings outside their scale, non-answer codes) with a warning, instead of stopping.
    #[arg(long)]
    pub allow_out_of_range: bool,
}

impl AuditArgs {
    /// The codes the flags declare.
    pub fn codes(&self) -> Result<crate::data::audit::MissingCodes> {
        crate::data::audit::MissingCodes::parse_flags(&self.missing_codes)
    }
}

impl DataArgs {
    /// True when neither --study nor --data was given.
    pub fn is_empty(&self) -> bool {
        self.study.is_none() && self.data.is_none()
    }

    /// The study these arguments describe; `extra` adds covariates/moderators from flags.
    pub fn study(&self, covariates: &[String], moderators: &[String]) -> Result<Study> {
        let mut study = match (&self.study, &self.data) {
            (Some(path), _) => {
                if self.file.is_set() {
                    return Err(Error::Usage(format!(
                        "--sheet/--encoding/--separator/--decimal-comma apply to --data; with --study set sheet, encoding, separator or decimal_comma in the table's block of {}",
                        path.display()
                    )));
                }
                Study::from_file(path)?
            }
            (None, Some(data)) => {
                let need = |v: &Option<String>, flag: &str| {
                    v.clone().ok_or_else(|| Error::Usage(format!("--data needs {flag} COL")))
                };
                if self.share_of_wallet.is_none() && self.category_spend.is_none() {
                    return Err(Error::Usage("--data needs --share-of-wallet COL or --category-spend COL".into()));
                }
                if self.profit.is_none() && self.cost.is_none() {
                    return Err(Error::Usage("--data needs --profit COL or --cost COL".into()));
                }
                let roles = Roles {
                    id: need(&self.id, "--id")?,
                    satisfaction: need(&self.satisfaction, "--satisfaction")?,
                    share_of_wallet: self.share_of_wallet.clone(),
                    category_spend: self.category_spend.clone(),
                    revenue: need(&self.revenue, "--revenue")?,
                    profit: self.profit.clone(),
                    cost: self.cost.clone(),
                    ..Roles::default()
                };
                let options = Options {
                    share_of_wallet_scale: if self.sow_scale == "percent" {
                        SowScale::Percent
                    } else {
                        SowScale::Fraction
                    },
                    ..Options::default()
                };
                let mut study =
                    Study::from_single_table(data.clone(), roles, options, SegmentRule::Profit)?;
                let t = &mut study.tables[0];
                t.sheet = self.file.sheet.clone();
                t.encoding = self.file.encoding.clone();
                t.separator = self.file.separator.clone();
                t.decimal_comma = self.file.decimal_comma;
                study
            }
            (None, None) => {
                return Err(Error::Usage("give --study FILE, or --data FILE with the role flags (--id, --satisfaction, --share-of-wallet, --revenue, --profit)".into()))
            }
        };
        self.apply(&mut study, covariates, moderators)?;
        Ok(study)
    }

    /// The flags that change any study, the bundled sample's included: the audit's
    /// options, the segment rule, units, covariates and moderators.
    pub fn apply(
        &self,
        study: &mut Study,
        covariates: &[String],
        moderators: &[String],
    ) -> Result<()> {
        if self.audit.allow_out_of_range {
            study.options.allow_out_of_range = true;
        }
        study.options.missing_codes.merge(self.audit.codes()?);
        if let Some(rule) = &self.segment_rule {
            study.segments = SegmentRule::parse_cli(rule)?;
        }
        study.options.allow_many_segments |= self.allow_many_segments;
        if let Some(u) = &self.units {
            study.units = Some(u.clone());
        }
        for c in covariates {
            if !study.roles.covariates.contains(c) {
                study.roles.covariates.push(c.clone());
            }
        }
        for c in moderators {
            if !study.roles.moderators.contains(c) {
                study.roles.moderators.push(c.clone());
            }
        }
        Ok(())
    }
}

/// The study of the data arguments, or the bundled brokerage sample when none were given
/// (said on stderr by [`sample_note`] once the command has succeeded, so an error is the
/// only thing it prints). Keep the returned folder alive while the study's files are read.
pub fn study_or_sample(
    data: &DataArgs,
    covariates: &[String],
    moderators: &[String],
) -> Result<(Option<tempfile::TempDir>, Study)> {
    if data.is_empty() {
        let (dir, mut study) = crate::data::sample::brokerage()?;
        data.apply(&mut study, covariates, moderators)?;
        Ok((Some(dir), study))
    } else {
        Ok((None, data.study(covariates, moderators)?))
    }
}

/// Say that the bundled sample was used (when `sample` is its folder).
pub fn sample_note(sample: &Option<tempfile::TempDir>) -> Option<String> {
    sample.as_ref().map(|_| {
        "No --study or --data given: used the bundled brokerage sample (81 simulated B2B clients).".to_string()
    })
}
