//! The shipped word lists (stop words, sentiment lexicons), each replaceable by a file of
//! the analyst's: `profitchain feedback --write-defaults DIR` writes them out to edit.

use std::collections::HashMap;
use std::path::Path;

use crate::error::{Error, Result};

pub const STOPWORDS_EN: &str = include_str!("resources/stopwords_en.txt");
pub const STOPWORDS_ZH: &str = include_str!("resources/stopwords_zh.txt");
pub const SENTIMENT_EN: &str = include_str!("resources/sentiment_en.txt");
pub const SENTIMENT_ZH: &str = include_str!("resources/sentiment_zh.txt");

/// A sentiment lexicon: word → score (English words by their stem).
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    pub scores: HashMap<String, f64>,
}

/// Word lists of the text pipeline.
#[derive(Debug, Clone)]
pub struct Resources {
    pub stop_en: Vec<String>,
    pub stop_zh: Vec<String>,
    /// (word, score) as written; English words are stemmed by the tokenizer's stemmer.
    pub sentiment_en: Vec<(String, f64)>,
    pub sentiment_zh: Vec<(String, f64)>,
    /// Extra words for jieba's dictionary (product and brand names).
    pub user_dictionary: Vec<String>,
}

impl Default for Resources {
    fn default() -> Self {
        Resources {
            stop_en: words(STOPWORDS_EN),
            stop_zh: words(STOPWORDS_ZH),
            sentiment_en: scores(SENTIMENT_EN, "sentiment_en.txt").unwrap_or_default(),
            sentiment_zh: scores(SENTIMENT_ZH, "sentiment_zh.txt").unwrap_or_default(),
            user_dictionary: Vec::new(),
        }
    }
}

/// Lines that are not blank or comments, trimmed and lower case.
pub fn words(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            // A jieba user dictionary line may carry a frequency and a tag: the word first.
            l.split_whitespace().next().unwrap_or(l).to_lowercase()
        })
        .collect()
}

/// `word<TAB>score` lines (any whitespace separates; the word may not contain one).
pub fn scores(text: &str, file: &str) -> Result<Vec<(String, f64)>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let mut parts = l.split_whitespace();
        let word = parts.next().unwrap_or_default();
        let score = parts.next().and_then(|s| s.parse::<f64>().ok());
        match (score, parts.next()) {
            (Some(s), None) if s.is_finite() && s.abs() <= 5.0 => {
                out.push((word.to_lowercase(), s))
            }
            _ => {
                return Err(Error::InvalidData(format!(
                    "{file}, line {}: '{l}' is not 'word<TAB>score' with a score between -5 and 5 (e.g. 'helpful\t1', '失望\t-1')",
                    i + 1
                )))
            }
        }
    }
    Ok(out)
}

fn read(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::MissingFile {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    String::from_utf8(bytes).map_err(|e| {
        Error::InvalidData(format!(
            "{}: not UTF-8 text (byte {}); save the word list as UTF-8",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

impl Resources {
    /// Replace the stop words of `lang` (en or zh) by a file's.
    pub fn stopwords_from(&mut self, lang: &str, path: &Path) -> Result<()> {
        let w = words(&read(path)?);
        match lang {
            "zh" => self.stop_zh = w,
            _ => self.stop_en = w,
        }
        Ok(())
    }

    /// Replace the sentiment lexicon of `lang` by a file's.
    pub fn lexicon_from(&mut self, lang: &str, path: &Path) -> Result<()> {
        let s = scores(&read(path)?, &path.display().to_string())?;
        match lang {
            "zh" => self.sentiment_zh = s,
            _ => self.sentiment_en = s,
        }
        Ok(())
    }

    /// Words for jieba's dictionary, one per line (a jieba user dictionary file: word,
    /// optionally frequency and tag).
    pub fn user_dictionary_from(&mut self, path: &Path) -> Result<()> {
        self.user_dictionary = words(&read(path)?);
        Ok(())
    }

    /// The shipped lists as (file name, text), to write into a folder, edit and pass back.
    pub fn defaults() -> [(&'static str, &'static str); 4] {
        [
            ("stopwords_en.txt", STOPWORDS_EN),
            ("stopwords_zh.txt", STOPWORDS_ZH),
            ("sentiment_en.txt", SENTIMENT_EN),
            ("sentiment_zh.txt", SENTIMENT_ZH),
        ]
    }
}
