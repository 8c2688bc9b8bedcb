//! The study file: which tables to read and which columns play which role.
//!
//! A study is TOML (see README "Study file reference"). Unknown keys are rejected with the
//! key's name, so a typo never silently falls back to a default. The same [`Study`] can be
//! built from command-line flags for one pre-joined table ([`Study::from_single_table`]).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub use super::audit::MissingCodes;
pub use super::study_sections::{ClvSpec, CsiSpec, InvestSpec, RetentionSection, ScenarioSpec};

/// Whether a table holds one row per customer or several rows (respondents) per customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// One row per customer; a repeated id is an error.
    #[default]
    Customer,
    /// Several rows per customer (survey respondents); aggregated to one row per customer.
    Respondent,
    /// One row per purchase (a transaction log): summarized and modelled by the `[clv]`
    /// settings, adding `frequency`, `recency`, `age`, `p_alive`, `expected_transactions`,
    /// `expected_spend` and `clv` to the customer table.
    Transaction,
}

/// How respondent ratings are combined into one value per customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Aggregation {
    #[default]
    Mean,
    Median,
}

/// Scale of a given share-of-wallet column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SowScale {
    /// Already a fraction in [0, 1].
    #[default]
    Fraction,
    /// A percentage in [0, 100]; divided by 100.
    Percent,
}

/// One input table.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    /// Short name used in diagnostics (e.g. "survey", "accounts").
    pub name: String,
    /// Path to the file; relative paths are resolved from the study file's folder.
    pub path: PathBuf,
    /// Name of the customer-id column in this table (defaults to the study's `id`).
    #[serde(default)]
    pub id: Option<String>,
    /// `customer` (default) or `respondent`.
    #[serde(default)]
    pub level: Level,
    /// Respondent-id column (respondent tables only; used for duplicate checks and counts).
    #[serde(default)]
    pub respondent: Option<String>,
    /// Purchase date column (transaction tables).
    #[serde(default)]
    pub date: Option<String>,
    /// Purchase amount column (transaction tables).
    #[serde(default)]
    pub amount: Option<String>,
    /// chrono format of text dates (transaction tables), e.g. `%d/%m/%Y`.
    #[serde(default)]
    pub date_format: Option<String>,
    /// Workbook sheet to read (Excel/ODS; default the first sheet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// CSV text encoding, e.g. `gb18030` or `gbk` for Chinese Excel exports (default UTF-8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// CSV separator, e.g. `;` (default `,`); `tab` for tab-separated files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub separator: Option<String>,
    /// CSV numbers written with a decimal comma (`1234,56`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub decimal_comma: bool,
}

impl TableSpec {
    /// How to read this table's file (sheet, encoding, separator, decimal comma).
    pub fn read_options(&self) -> Result<crate::data::load::ReadOptions> {
        Ok(crate::data::load::ReadOptions {
            sheet: self.sheet.clone(),
            encoding: self.encoding.clone(),
            separator: self
                .separator
                .as_deref()
                .map(crate::data::load::ReadOptions::parse_separator)
                .transpose()
                .map_err(|e| Error::study(&self.name, e.to_string()))?,
            decimal_comma: self.decimal_comma,
            text_columns: Vec::new(),
        })
    }
}

/// Which column plays which role in the model.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Roles {
    /// Customer id column name (the name the output table uses).
    pub id: String,
    /// Overall satisfaction.
    pub satisfaction: String,
    /// Share-of-wallet column, if given directly.
    #[serde(default)]
    pub share_of_wallet: Option<String>,
    /// Total category spend; share of wallet is derived as revenue / category_spend.
    #[serde(default)]
    pub category_spend: Option<String>,
    /// Revenue with us.
    pub revenue: String,
    /// Profit column, if given directly.
    #[serde(default)]
    pub profit: Option<String>,
    /// Cost to serve; profit is derived as revenue - cost.
    #[serde(default)]
    pub cost: Option<String>,
    /// Covariates added to every equation of the chain.
    #[serde(default)]
    pub covariates: Vec<String>,
    /// Moderators of the satisfaction -> share-of-wallet link.
    #[serde(default)]
    pub moderators: Vec<String>,
    /// Survey attribute ratings (drivers of satisfaction), for `report`'s driver section.
    #[serde(default)]
    pub attributes: Vec<String>,
    /// Likelihood-to-recommend item (0-10), for NPS in `report`.
    #[serde(default)]
    pub recommend: Option<String>,
    /// Customer-effort item, for CES in `report`.
    #[serde(default)]
    pub effort: Option<String>,
}

/// Build options.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Customers with fewer valid survey respondents are dropped (and counted).
    #[serde(default = "one")]
    pub min_respondents: usize,
    /// `mean` (default) or `median`.
    #[serde(default)]
    pub aggregation: Aggregation,
    /// `fraction` (default) or `percent`.
    #[serde(default)]
    pub share_of_wallet_scale: SowScale,
    /// Declared satisfaction scale `[low, high]`; values outside are reported.
    #[serde(default)]
    pub satisfaction_scale: Option<[f64; 2]>,
    /// Keep share-of-wallet values outside [0, 1] (with a warning) instead of stopping.
    /// A share of wallet above 1 is impossible, so this is off: usually the column holds
    /// percentages and `share_of_wallet_scale = "percent"` is the fix.
    #[serde(default)]
    pub allow_out_of_range: bool,
    /// Add satisfaction² to the share-of-wallet equation of the chain (every command).
    #[serde(default)]
    pub quadratic: bool,
    /// Codes read as missing: `[98, 99]` in every survey column (rating roles, labelled
    /// columns, numeric columns of respondent tables), or `{ satisfaction = [99] }` per
    /// column (`data::audit`).
    #[serde(default, skip_serializing_if = "MissingCodes::is_empty")]
    pub missing_codes: MissingCodes,
    /// Allow a `column:` segment rule on a column with many values (more than
    /// [`crate::data::build::MAX_SEGMENTS`]).
    #[serde(default)]
    pub allow_many_segments: bool,
}

fn one() -> usize {
    1
}

impl Default for Options {
    fn default() -> Self {
        Options {
            min_respondents: 1,
            aggregation: Aggregation::Mean,
            share_of_wallet_scale: SowScale::Fraction,
            satisfaction_scale: None,
            allow_out_of_range: false,
            quadratic: false,
            missing_codes: MissingCodes::None,
            allow_many_segments: false,
        }
    }
}

/// How customers are split into segments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "rule", rename_all = "lowercase", deny_unknown_fields)]
pub enum SegmentRule {
    /// `profit > 0` -> `profitable`, else `unprofitable` (the default).
    #[default]
    Profit,
    /// Each distinct value of a column is a segment.
    Column { column: String },
    /// `column > threshold` -> `above`, else `below`. Without names the segments read
    /// `column > threshold` and `column ≤ threshold`.
    Threshold {
        column: String,
        threshold: f64,
        #[serde(default)]
        above: Option<String>,
        #[serde(default)]
        below: Option<String>,
    },
    /// One segment, `all`.
    None,
    /// Segments found from the data: the leaves of a model tree
    /// ([`crate::analysis::segments`]) of the whole chain (or `formula`) over the `by`
    /// columns, grown on the built table; or the leaves of a saved tree (`file`: the JSON
    /// of `profitchain segments`), applied to it.
    Tree {
        #[serde(default)]
        by: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        formula: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        alpha: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        minsize: Option<usize>,
        /// Deepest level of nodes, the root being 1 (default 3: at most four segments).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        maxdepth: Option<usize>,
        /// Post-pruning: `aic` or `bic`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        prune: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        file: Option<String>,
    },
    /// Segments found from the data: the latent classes of a finite mixture of the whole
    /// chain (or `formula`), each customer in their most probable class.
    Classes {
        /// A number of classes, or a range chosen by BIC (`"1-4"`).
        classes: ClassCount,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        formula: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        starts: Option<usize>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seed: Option<u64>,
        /// Concomitant variables: class membership as a multinomial logit on them.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        concomitant: Vec<String>,
    },
}

/// `classes = 2` or `classes = "1-4"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ClassCount {
    One(usize),
    Range(String),
}

impl ClassCount {
    pub fn text(&self) -> String {
        match self {
            ClassCount::One(k) => k.to_string(),
            ClassCount::Range(r) => r.clone(),
        }
    }
}

impl SegmentRule {
    /// Whether the segments are found from the data (a tree's leaves, a mixture's classes).
    pub fn found(&self) -> bool {
        matches!(self, SegmentRule::Tree { .. } | SegmentRule::Classes { .. })
    }

    /// Names of a threshold rule's two segments (above, at-or-below): the study's names,
    /// else readable ones such as `revenue > 1150` / `revenue ≤ 1150`.
    pub fn threshold_names(
        column: &str,
        threshold: f64,
        above: &Option<String>,
        below: &Option<String>,
    ) -> (String, String) {
        (
            above
                .clone()
                .unwrap_or_else(|| format!("{column} > {threshold}")),
            below
                .clone()
                .unwrap_or_else(|| format!("{column} ≤ {threshold}")),
        )
    }

    /// The segment names the rule itself defines, in report order (`profitable`,
    /// `unprofitable`; a threshold's above and below); empty for rules whose segments come
    /// from the data.
    pub fn names(&self) -> Vec<String> {
        match self {
            SegmentRule::Profit => vec!["profitable".into(), "unprofitable".into()],
            SegmentRule::Threshold {
                column,
                threshold,
                above,
                below,
            } => {
                let (a, b) = Self::threshold_names(column, *threshold, above, below);
                vec![a, b]
            }
            _ => vec![],
        }
    }

    /// The rule in words, for messages.
    pub fn describe(&self) -> String {
        match self {
            SegmentRule::Profit => "profit (profit > 0 → profitable)".into(),
            SegmentRule::Column { column } => format!("column:{column}"),
            SegmentRule::Threshold {
                column, threshold, ..
            } => format!("{column} > {threshold}"),
            SegmentRule::None => "none".into(),
            SegmentRule::Tree { by, file, .. } => match file {
                Some(f) => format!("tree (saved in {f})"),
                None => format!("tree over {}", by.join(", ")),
            },
            SegmentRule::Classes { classes, .. } => format!("classes ({})", classes.text()),
        }
    }

    /// Parse the CLI form: `profit`, `none`, `column:COL`, or `COL>THRESHOLD`.
    pub fn parse_cli(s: &str) -> Result<Self> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("profit") {
            return Ok(SegmentRule::Profit);
        }
        if s.eq_ignore_ascii_case("none") {
            return Ok(SegmentRule::None);
        }
        if let Some(cols) = s.strip_prefix("tree:") {
            return Ok(SegmentRule::Tree {
                by: cols
                    .split(',')
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty())
                    .collect(),
                formula: None,
                alpha: None,
                minsize: None,
                maxdepth: None,
                prune: None,
                file: None,
            });
        }
        if let Some(k) = s.strip_prefix("classes:") {
            return Ok(SegmentRule::Classes {
                classes: ClassCount::Range(k.trim().to_string()),
                formula: None,
                starts: None,
                seed: None,
                concomitant: Vec::new(),
            });
        }
        if let Some(col) = s.strip_prefix("column:") {
            return Ok(SegmentRule::Column {
                column: col.trim().to_string(),
            });
        }
        if let Some((col, thr)) = s.split_once('>') {
            let threshold: f64 = thr.trim().parse().map_err(|_| {
                Error::Usage(format!(
                    "--segment-rule '{s}': '{}' is not a number",
                    thr.trim()
                ))
            })?;
            return Ok(SegmentRule::Threshold {
                column: col.trim().to_string(),
                threshold,
                above: None,
                below: None,
            });
        }
        Err(Error::Usage(format!(
            "unknown segment rule '{s}'. Use 'profit' (profit > 0), 'none', 'column:COL' (one segment per value), 'COL>NUMBER', 'tree:COL,COL' (the leaves of a model tree of the chain) or 'classes:K' (latent classes)."
        )))
    }
}

/// A whole study.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Study {
    /// Study name shown in reports.
    #[serde(default = "default_name")]
    pub name: String,
    /// Language of the reports: `en` (default) or `zh`; `report --lang` overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The unit of money amounts (revenue, profit, cost, CLV), e.g. "USD k" or "万元": said
    /// with every amount in summaries, headers and chart axes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<String>,
    /// Input tables, joined on the customer id.
    #[serde(rename = "table")]
    pub tables: Vec<TableSpec>,
    pub roles: Roles,
    #[serde(default)]
    pub options: Options,
    #[serde(default)]
    pub segments: SegmentRule,
    /// Customer lifetime value from the transaction table, if there is one.
    #[serde(default)]
    pub clv: Option<ClvSpec>,
    /// Contractual retention (sBG) from a subscription table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<RetentionSection>,
    /// A satisfaction-index model on the survey table.
    #[serde(default)]
    pub csi: Option<CsiSpec>,
    /// Return-on-satisfaction scenarios (`profitchain invest`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invest: Option<InvestSpec>,
    /// Themes in an open-ended comment column (`profitchain feedback`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<super::study_sections::FeedbackSpec>,
    /// Folder relative paths are resolved from (not part of the file).
    #[serde(skip)]
    pub base_dir: PathBuf,
    /// True when the study was made from `--data` and role flags, not a study file
    /// (messages then name flags rather than study keys).
    #[serde(skip)]
    pub from_flags: bool,
}

fn default_name() -> String {
    "study".into()
}

impl Study {
    /// Read and validate a study file.
    pub fn from_file(path: &Path) -> Result<Self> {
        if let Some((text, base_dir)) = crate::data::load::memory::study(path) {
            let mut study = Self::from_toml(&text, &path.display().to_string())?;
            study.base_dir = base_dir;
            return Ok(study);
        }
        if path.is_dir() {
            let studies: Vec<String> = std::fs::read_dir(path)
                .map(|d| {
                    d.filter_map(|e| e.ok())
                        .map(|e| e.path())
                        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                        .map(|p| p.display().to_string())
                        .collect()
                })
                .unwrap_or_default();
            return Err(Error::MissingFile {
                path: path.to_path_buf(),
                reason: if studies.is_empty() {
                    "it is a folder, not a study file; name the study's .toml file (README, \"Study file reference\"), or use --data FILE with the role flags".into()
                } else {
                    format!(
                        "it is a folder, not a study file; name the study's .toml file, e.g. --study {}",
                        studies.join(" or --study ")
                    )
                },
            });
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::MissingFile {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let mut study = Self::from_toml(&text, &path.display().to_string())?;
        study.base_dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(study)
    }

    /// Parse and validate study TOML; `source_name` names it in errors.
    pub fn from_toml(text: &str, source_name: &str) -> Result<Self> {
        let study: Study =
            toml::from_str(text).map_err(|e| Error::study(source_name, toml_message(&e, text)))?;
        study.validate(source_name)?;
        Ok(study)
    }

    /// A study over one pre-joined, one-row-per-customer table (the CLI flag form).
    pub fn from_single_table(
        path: PathBuf,
        roles: Roles,
        options: Options,
        segments: SegmentRule,
    ) -> Result<Self> {
        let study = Study {
            name: path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(default_name),
            tables: vec![TableSpec {
                name: "data".into(),
                path,
                id: None,
                level: Level::Customer,
                ..Default::default()
            }],
            roles,
            options,
            segments,
            clv: None,
            retention: None,
            csi: None,
            invest: None,
            feedback: None,
            language: None,
            units: None,
            base_dir: PathBuf::new(),
            from_flags: true,
        };
        study.validate("flags")?;
        Ok(study)
    }

    /// Path of a table, resolved against the study's folder.
    pub fn resolve(&self, table: &TableSpec) -> PathBuf {
        if table.path.is_absolute() {
            table.path.clone()
        } else {
            self.base_dir.join(&table.path)
        }
    }

    /// Id column of a table.
    pub fn table_id<'a>(&'a self, table: &'a TableSpec) -> &'a str {
        table.id.as_deref().unwrap_or(&self.roles.id)
    }

    fn validate(&self, src: &str) -> Result<()> {
        if self.tables.is_empty() {
            return Err(Error::study(
                src,
                "no [[table]] given: name at least one input table",
            ));
        }
        let mut names = std::collections::HashSet::new();
        for t in &self.tables {
            if !names.insert(t.name.as_str()) {
                return Err(Error::study(
                    src,
                    format!(
                        "two tables are named '{}'; give each [[table]] a distinct name",
                        t.name
                    ),
                ));
            }
            if t.respondent.is_some() && t.level == Level::Customer {
                return Err(Error::study(src, format!("table '{}' names a respondent column but has level = \"customer\"; set level = \"respondent\"", t.name)));
            }
        }
        let tx: Vec<&TableSpec> = self
            .tables
            .iter()
            .filter(|t| t.level == Level::Transaction)
            .collect();
        if tx.len() > 1 {
            return Err(Error::study(src, "more than one table has level = \"transaction\"; combine the transaction logs into one file"));
        }
        if let Some(t) = tx.first() {
            if t.date.is_none() || t.amount.is_none() {
                return Err(Error::study(src, format!("table '{}' has level = \"transaction\": name its date and amount columns (date = \"...\", amount = \"...\")", t.name)));
            }
            if self.clv.is_none() {
                return Err(Error::study(src, format!("table '{}' is a transaction log: add a [clv] section with at least calibration_end = \"YYYY-MM-DD\"", t.name)));
            }
        } else if self.clv.is_some() {
            return Err(Error::study(src, "[clv] needs a table with level = \"transaction\" (one row per purchase: id, date, amount)"));
        }
        if self.tables.iter().all(|t| t.level != Level::Customer) {
            return Err(Error::study(src, "no table has level = \"customer\"; at least one table must hold one row per customer"));
        }
        let r = &self.roles;
        for (key, v) in [
            ("roles.id", &r.id),
            ("roles.satisfaction", &r.satisfaction),
            ("roles.revenue", &r.revenue),
        ] {
            if v.trim().is_empty() {
                return Err(Error::study(src, format!("{key} is empty")));
            }
        }
        match (&r.share_of_wallet, &r.category_spend) {
            (None, None) => return Err(Error::study(src, "give roles.share_of_wallet (a column) or roles.category_spend (share of wallet = revenue / category_spend)")),
            (Some(_), Some(_)) => return Err(Error::study(src, "give only one of roles.share_of_wallet and roles.category_spend")),
            _ => {}
        }
        match (&r.profit, &r.cost) {
            (None, None) => {
                return Err(Error::study(
                    src,
                    "give roles.profit (a column) or roles.cost (profit = revenue - cost)",
                ))
            }
            (Some(_), Some(_)) => {
                return Err(Error::study(
                    src,
                    "give only one of roles.profit and roles.cost",
                ))
            }
            _ => {}
        }
        if self.options.min_respondents == 0 {
            return Err(Error::study(
                src,
                "options.min_respondents must be at least 1",
            ));
        }
        if let Some([lo, hi]) = self.options.satisfaction_scale {
            if !(lo.is_finite() && hi.is_finite() && lo < hi) {
                return Err(Error::study(src, format!("options.satisfaction_scale = [{lo}, {hi}] must be [low, high] with low < high")));
            }
        }
        Ok(())
    }
}

/// 1-based line and column of a byte offset in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Turn a toml error into one line naming the key and its line and column.
fn toml_message(e: &toml::de::Error, text: &str) -> String {
    let msg = e.message().trim().to_string();
    let msg = if msg.starts_with("unknown field") {
        // toml/serde says: unknown field `x`, expected one of `a`, `b`
        format!("{msg} (check the key's spelling)")
    } else if msg.starts_with("unknown variant") {
        format!("{msg} (unknown value)")
    } else {
        msg
    };
    match e.span() {
        Some(span) => {
            let (line, col) = line_col(text, span.start);
            format!("{msg} (line {line}, column {col})")
        }
        None => msg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"
name = "t"
[[table]]
name = "accounts"
path = "a.csv"
[roles]
id = "cid"
satisfaction = "sat"
share_of_wallet = "sow"
revenue = "rev"
cost = "cost"
"#;

    #[test]
    fn parses_minimal_study_with_defaults() {
        let s = Study::from_toml(OK, "t").unwrap();
        assert_eq!(s.options.min_respondents, 1);
        assert_eq!(s.segments, SegmentRule::Profit);
        assert_eq!(s.tables[0].level, Level::Customer);
    }

    #[test]
    fn typo_key_is_named() {
        let bad = OK.replace(
            "satisfaction = \"sat\"",
            "satisfaction = \"sat\"\nrevnue = \"x\"",
        );
        let e = Study::from_toml(&bad, "t").unwrap_err().to_string();
        assert!(e.contains("revnue"), "{e}");
        // Issue #15 item 13: a position a person can find, not a byte offset.
        assert!(e.contains("line 9, column 1"), "{e}");
        assert!(!e.contains("byte"), "{e}");
    }

    #[test]
    fn unknown_segment_rule_is_named() {
        let bad = format!("{OK}\n[segments]\nrule = \"quartiles\"\n");
        let e = Study::from_toml(&bad, "t").unwrap_err().to_string();
        assert!(e.contains("quartiles"), "{e}");
    }

    #[test]
    fn cli_segment_rules() {
        assert_eq!(
            SegmentRule::parse_cli("profit").unwrap(),
            SegmentRule::Profit
        );
        assert_eq!(
            SegmentRule::parse_cli("column:region").unwrap(),
            SegmentRule::Column {
                column: "region".into()
            }
        );
        match SegmentRule::parse_cli("revenue > 1000").unwrap() {
            SegmentRule::Threshold {
                column, threshold, ..
            } => {
                assert_eq!(column, "revenue");
                assert!((threshold - 1000.0).abs() < 1e-12);
            }
            other => panic!("{other:?}"),
        }
        assert!(SegmentRule::parse_cli("deciles").is_err());
    }
}
