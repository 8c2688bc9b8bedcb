//! The one error type of profitchain.
//!
//! Every variant that comes from the analyst's input says what was wrong (file, column,
//! row, value) and how to fix it; those map to exit code 2. Anything else is an internal
//! error (exit code 1).

use std::path::PathBuf;

/// Result alias used across the crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong in profitchain.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The analysis was interrupted (Ctrl-C in a notebook).
    #[error("interrupted")]
    Interrupted,

    /// An input file does not exist or cannot be opened.
    #[error("cannot read '{path}': {reason}. Check the path (relative paths in a study file are resolved from the study file's folder).")]
    MissingFile { path: PathBuf, reason: String },

    /// The file extension does not name a supported format.
    #[error("'{path}': unknown file type '{ext}'. profitchain reads .csv, .tsv/.tab (tab-separated), .txt/.dat (whitespace-separated), .parquet, .ipc/.arrow/.feather, .ndjson/.jsonl, .sav/.zsav (SPSS), .dta (Stata), and .xlsx/.xlsm/.xlsb/.xls/.ods (Excel, LibreOffice).")]
    UnknownExtension { path: PathBuf, ext: String },

    /// A file with a known extension whose contents cannot be read as that format (a
    /// corrupt workbook, text in an unexpected encoding, a missing sheet...).
    #[error("cannot read '{path}' as {format}: {reason}. {hint}")]
    Unreadable {
        path: PathBuf,
        format: String,
        reason: String,
        hint: String,
    },

    /// A column named by the study or a flag is not in the table.
    #[error("{file}: no column '{column}'{}. Columns are: {available}.", suggestion.as_ref().map(|s| format!(" (did you mean '{s}'?)")).unwrap_or_default())]
    MissingColumn {
        file: String,
        column: String,
        suggestion: Option<String>,
        available: String,
    },

    /// A numeric role holds a cell that is not a number; `location` names it as the
    /// analyst finds it (`line 12`, `cell D63 of sheet 'accounts'`, `case 11`).
    #[error("{file}: column '{column}' must be numeric, but {location} holds '{value}'. {hint}")]
    NonNumeric {
        file: String,
        column: String,
        location: String,
        value: String,
        hint: String,
    },

    /// An id appears more than once in a one-row-per-customer table.
    #[error("{file}: id column '{column}' must be unique (one row per customer), but {} repeat{}, e.g. {examples}. {hint}", if *count == 1 { "1 id".to_string() } else { format!("{count} ids") }, if *count == 1 { "s" } else { "" })]
    DuplicateId {
        file: String,
        column: String,
        count: usize,
        examples: String,
        hint: String,
    },

    /// Values that cannot be right (e.g. a share of wallet above 1), with the likely fix.
    #[error("{0}")]
    InvalidData(String),

    /// A rule of the input audit that stops the analysis (`data::audit`): the message
    /// names the file, column and rows, the fix and the option that relaxes the rule.
    #[error("{message}")]
    Audit { rule: String, message: String },

    /// The study file (or the equivalent flags) is invalid.
    #[error("study {source_name}: {message}")]
    Study {
        source_name: String,
        message: String,
    },

    /// A table has no rows (at all, or left after a join/filter).
    #[error("{what} has no rows. {hint}")]
    Empty { what: String, hint: String },

    /// Invalid command-line usage not caught by the argument parser.
    #[error("{0}")]
    Usage(String),

    /// Data that cannot support the requested model (too few rows, constant or collinear
    /// predictors, no variation in the response...).
    #[error("{0}")]
    Degenerate(String),

    /// A formula could not be parsed or refers to something unknown.
    #[error("formula '{formula}': {message}")]
    Formula { formula: String, message: String },

    /// Writing an output failed.
    #[error("cannot write '{path}': {reason}")]
    Write { path: PathBuf, reason: String },

    /// An error from polars that is not attributable to the input.
    #[error("internal table error: {0}")]
    Polars(#[from] polars::prelude::PolarsError),

    /// Any other internal failure.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// Exit code for the CLI: 2 for bad input or usage, 1 for internal errors.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Polars(_) | Error::Internal(_) | Error::Write { .. } => 1,
            _ => 2,
        }
    }

    /// Shorthand for a study-file error.
    pub fn study(source_name: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Study {
            source_name: source_name.into(),
            message: message.into(),
        }
    }
}

/// Closest name to `wanted` among `candidates`, if any is close: by Jaro-Winkler similarity
/// (at least 0.7; `strsim`), or one edit away (two for names of six or more characters), so
/// a doubled or dropped letter (`qq3` for `q3`) is caught too.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let lw = wanted.to_lowercase();
    candidates
        .into_iter()
        .filter_map(|c| {
            let lc = c.to_lowercase();
            let jw = strsim::jaro_winkler(&lw, &lc);
            let edits = strsim::levenshtein(&lw, &lc);
            let near = edits <= 1 || (edits <= 2 && lw.chars().count() >= 6);
            (jw >= 0.7 || (near && lw.chars().count() >= 2)).then_some((jw, edits, c))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)))
        .map(|(_, _, c)| c.to_string())
}
