//! The bundled brokerage sample (notebooks-data/brokerage), embedded in the binary so
//! `profitchain chain` works from any directory.

use tempfile::TempDir;

use super::Study;
use crate::error::{Error, Result};

const SURVEY: &str = include_str!("../../notebooks-data/brokerage/survey.csv");
const ACCOUNTS: &str = include_str!("../../notebooks-data/brokerage/accounts.csv");
const STUDY: &str = include_str!("../../notebooks-data/brokerage/study.toml");

/// Write the sample into a temporary folder and load its study; keep the folder alive
/// while the study is used.
pub fn brokerage() -> Result<(TempDir, Study)> {
    let dir = TempDir::new().map_err(|e| Error::Internal(format!("temporary folder: {e}")))?;
    for (name, text) in [
        ("survey.csv", SURVEY),
        ("accounts.csv", ACCOUNTS),
        ("study.toml", STUDY),
    ] {
        std::fs::write(dir.path().join(name), text)
            .map_err(|e| Error::Internal(format!("writing the sample: {e}")))?;
    }
    let study = Study::from_file(&dir.path().join("study.toml"))?;
    Ok((dir, study))
}
