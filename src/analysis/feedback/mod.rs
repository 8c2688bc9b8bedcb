//! `profitchain feedback`: themes in open-ended comments (Chinese and English), their
//! prevalence per segment, their impact on the ratings, what the codebook misses, and —
//! in a study — what removing a theme's effect on satisfaction is worth in profit
//! ([`bridge`]).

pub mod bridge;
pub mod codebook;
pub mod discover;
pub mod link;
pub mod process;
mod select;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::text::{Language, Resources, Tokenizer};
use crate::error::{Error, Result};
pub use codebook::{Codebook, Theme};
use discover::Distinct;
pub use link::{Effect, Impact, Prevalence};
use process::{Exclusion, Pass, Processed, Sentiment};
pub use select::mask;
use select::{bands, discovery, examples};

/// Options of a feedback run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeedbackOptions {
    /// The comment column.
    pub comment: String,
    /// Ratings the themes are linked to (satisfaction, the NPS item, CES); the first sets
    /// discovery's bands.
    pub ratings: Vec<String>,
    /// Segment column (None: all comments as one group).
    pub by: Option<String>,
    /// Id column, for the per-comment table and examples.
    pub id: Option<String>,
    /// Example comments per theme and segment (0: none).
    pub examples: usize,
    /// Mask digits and e-mail addresses in examples.
    pub mask: bool,
    pub confidence: f64,
    /// Longer comments are left out (counted).
    pub max_chars: usize,
    /// Discovery: a term must be in at least this many of a group's comments; list this
    /// many terms.
    pub min_comments: u32,
    pub top: usize,
    /// Scale of the first rating, for the bands [low, high] (None: the observed range).
    pub scale: Option<[f64; 2]>,
}

impl Default for FeedbackOptions {
    fn default() -> Self {
        FeedbackOptions {
            comment: "comment".into(),
            ratings: vec![],
            by: None,
            id: None,
            examples: 2,
            mask: false,
            confidence: 0.95,
            max_chars: 20_000,
            min_comments: 5,
            top: 15,
            scale: None,
        }
    }
}

/// Comments left out, by reason.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Excluded {
    pub reason: String,
    pub comments: usize,
}

/// Comments per detected language.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LanguageCount {
    pub language: Language,
    pub comments: usize,
    pub pct: f64,
}

/// An example comment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Example {
    pub segment: String,
    pub id: String,
    pub text: String,
}

/// One theme's results.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ThemeResult {
    pub name: String,
    pub zh: Option<String>,
    /// `all` first, then each segment.
    pub prevalence: Vec<Prevalence>,
    /// Pearson's χ² test that the prevalence is the same in every segment.
    pub difference: Option<crate::stats::regression::Test>,
    /// Mean sentiment of the comments that mention it (None: no lexicon word in them).
    pub sentiment: Option<f64>,
    pub examples: Vec<Example>,
}

/// Mean sentiment of a segment's comments.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SentimentSummary {
    pub segment: String,
    pub comments: usize,
    /// Comments with at least one lexicon word, and the mean of their scores.
    pub scored: usize,
    pub mean: Option<f64>,
    /// Shares (percent of the segment's comments) positive (> 0) and negative (< 0).
    pub positive_pct: f64,
    pub negative_pct: f64,
}

/// Discovery's lists.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Discovery {
    /// Analysed comments no theme matched, and those some theme did.
    pub unmatched: usize,
    pub matched: usize,
    /// Terms most distinctive of the unmatched comments (against the matched ones).
    pub terms: Vec<Distinct>,
    /// Terms in most unmatched comments (their z against the matched ones beside).
    pub frequent: Vec<Distinct>,
    /// Per band of the first rating, among the unmatched comments (against the other
    /// bands).
    pub bands: Vec<BandTerms>,
    pub method: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BandTerms {
    pub band: String,
    pub comments: usize,
    pub terms: Vec<Distinct>,
}

/// One comment's row of the per-comment table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CommentRow {
    pub id: String,
    pub segment: String,
    pub language: String,
    /// Theme names, `;`-separated.
    pub themes: String,
    pub sentiment: Option<f64>,
    /// Why it was left out (empty when analysed).
    pub excluded: String,
}

/// The `feedback` output.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeedbackResult {
    pub comment: String,
    pub codebook: Codebook,
    /// Rows read, comments analysed, and those left out by reason.
    pub rows: usize,
    pub analysed: usize,
    pub excluded: Vec<Excluded>,
    pub languages: Vec<LanguageCount>,
    /// `all` first.
    pub segments: Vec<String>,
    pub themes: Vec<ThemeResult>,
    pub sentiment: Vec<SentimentSummary>,
    pub impact: Vec<Impact>,
    /// In a study: the profit a theme's effect on satisfaction costs, per segment.
    #[serde(default)]
    pub bridge: Vec<bridge::Bridge>,
    pub discovery: Discovery,
    pub notes: Vec<String>,
    pub warnings: Vec<String>,
    pub options: FeedbackOptions,
    #[serde(default)]
    pub diagnostics: crate::data::Diagnostics,
    /// Per comment (written by `--comments`, not in JSON).
    #[serde(skip)]
    pub per_comment: Vec<CommentRow>,
    /// Each row's processing (for the bridge; not in JSON).
    #[serde(skip)]
    pub processed: Vec<Processed>,
}

/// Text cells of a column (a numeric column is read as text).
fn text_cells(df: &DataFrame, column: &str, file: &str) -> Result<Vec<Option<String>>> {
    crate::data::load::require_column(df, file, column)?;
    let s = df.column(column)?.cast(&DataType::String)?;
    Ok(s.as_materialized_series()
        .str()?
        .iter()
        .map(|v| v.map(str::to_string))
        .collect())
}

/// Values of a numeric column (NaN where missing).
fn numbers(df: &DataFrame, column: &str, file: &str) -> Result<Vec<f64>> {
    crate::data::load::require_column(df, file, column)?;
    let s = df.column(column)?.cast(&DataType::Float64).map_err(|_| {
        Error::InvalidData(format!(
            "{file}: rating column '{column}' is not numeric; give a numeric rating with --rating (the comment goes in --comment)"
        ))
    })?;
    Ok(s.as_materialized_series()
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect())
}

/// Analyse the comments of `df` (named `file` in errors).
pub fn run(
    df: &DataFrame,
    file: &str,
    opts: &FeedbackOptions,
    codebook: &Codebook,
    resources: &Resources,
) -> Result<FeedbackResult> {
    let cells = text_cells(df, &opts.comment, file)?;
    if df.height() == 0 {
        return Err(Error::Empty {
            what: file.to_string(),
            hint: "give a table with comments".into(),
        });
    }
    let mut user_words = codebook.chinese_terms();
    user_words.extend(resources.sentiment_zh.iter().map(|(w, _)| w.clone()));
    let tok = Tokenizer::new(resources, &user_words);
    let compiled = codebook.compile(&tok)?;
    let sentiment = Sentiment::new(resources, &tok);
    let ratings: Vec<Vec<f64>> = opts
        .ratings
        .iter()
        .map(|r| numbers(df, r, file))
        .collect::<Result<_>>()?;
    let ids: Vec<String> = match &opts.id {
        Some(id) => text_cells(df, id, file)?
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect(),
        None => (1..=df.height()).map(|i| format!("row {i}")).collect(),
    };
    let (segments, seg) = segment_index(df, opts.by.as_deref(), file)?;
    let scale = opts.scale.or_else(|| {
        let v = ratings.first()?;
        let lo = v
            .iter()
            .copied()
            .filter(|x| x.is_finite())
            .reduce(f64::min)?;
        let hi = v
            .iter()
            .copied()
            .filter(|x| x.is_finite())
            .reduce(f64::max)?;
        (hi > lo).then_some([lo, hi])
    });
    let band_list = scale.map(bands).unwrap_or_default();
    let band_of = |i: usize| -> Option<usize> {
        let x = *ratings.first()?.get(i)?;
        band_list
            .iter()
            .position(|(_, lo, hi)| x >= *lo && x <= *hi)
            .filter(|_| x.is_finite())
    };
    // Discovery groups: 0 all analysed, 1 unmatched, 2 matched, 3.. unmatched per band.
    let groups = 3 + band_list.len();
    let pass = Pass {
        tok: &tok,
        codebook: &compiled,
        sentiment: &sentiment,
        max_chars: opts.max_chars,
    };
    let cell_refs: Vec<Option<&str>> = cells.iter().map(|c| c.as_deref()).collect();
    let (processed, counts, sizes) = pass.all(&cell_refs, groups, |i, p| {
        if p.excluded.is_some() {
            return vec![];
        }
        if p.themes != 0 {
            return vec![0, 2];
        }
        let mut g = vec![0, 1];
        if let Some(b) = band_of(i) {
            g.push(3 + b);
        }
        g
    });
    let analysed: Vec<usize> = (0..processed.len())
        .filter(|&i| processed[i].excluded.is_none())
        .collect();
    if analysed.is_empty() {
        return Err(Error::Empty {
            what: format!("column '{}' of {file}", opts.comment),
            hint: format!(
                "every one of its {} cells is blank, not text or too long; check that --comment names the open-ended question",
                df.height()
            ),
        });
    }
    let mut excluded: Vec<(Exclusion, usize)> = Vec::new();
    for p in &processed {
        if let Some(e) = p.excluded {
            match excluded.iter_mut().find(|(x, _)| *x == e) {
                Some(x) => x.1 += 1,
                None => excluded.push((e, 1)),
            }
        }
    }
    excluded.sort();
    let mut languages: Vec<LanguageCount> = Vec::new();
    for l in [Language::Zh, Language::En, Language::Mixed, Language::Other] {
        let n = analysed
            .iter()
            .filter(|&&i| processed[i].language == l)
            .count();
        if n > 0 {
            languages.push(LanguageCount {
                language: l,
                comments: n,
                pct: 100.0 * n as f64 / analysed.len() as f64,
            });
        }
    }
    let names: Vec<String> = codebook.themes.iter().map(|t| t.name.clone()).collect();
    let themes: Vec<ThemeResult> = codebook
        .themes
        .iter()
        .enumerate()
        .map(|(t, th)| {
            let (prevalence, difference) =
                link::prevalence(&processed, &seg, &segments, t, opts.confidence);
            let s: Vec<f64> = analysed
                .iter()
                .filter(|&&i| processed[i].themes >> t & 1 == 1)
                .filter_map(|&i| processed[i].sentiment)
                .collect();
            ThemeResult {
                name: th.name.clone(),
                zh: th.zh.clone(),
                prevalence,
                difference,
                sentiment: (!s.is_empty()).then(|| s.iter().sum::<f64>() / s.len() as f64),
                examples: examples(&processed, &cells, &ids, &seg, &segments, t, opts),
            }
        })
        .collect();
    let members = |g: usize| -> Vec<usize> {
        analysed
            .iter()
            .copied()
            .filter(|&i| g == 0 || seg[i] == Some(g - 1))
            .collect()
    };
    let sentiment_summary: Vec<SentimentSummary> = (0..segments.len())
        .map(|g| {
            let rows = members(g);
            let s: Vec<f64> = rows
                .iter()
                .filter_map(|&i| processed[i].sentiment)
                .collect();
            let n = rows.len().max(1) as f64;
            SentimentSummary {
                segment: segments[g].clone(),
                comments: rows.len(),
                scored: s.len(),
                mean: (!s.is_empty()).then(|| s.iter().sum::<f64>() / s.len() as f64),
                positive_pct: 100.0 * s.iter().filter(|x| **x > 0.0).count() as f64 / n,
                negative_pct: 100.0 * s.iter().filter(|x| **x < 0.0).count() as f64 / n,
            }
        })
        .collect();
    let mut impact = Vec::new();
    for (r, values) in opts.ratings.iter().zip(&ratings) {
        for (g, name) in segments.iter().enumerate() {
            impact.push(link::impact(
                r,
                values,
                &processed,
                &members(g),
                &names,
                name,
                opts.confidence,
            )?);
        }
    }
    let discovery = discovery(
        &counts, &sizes, &processed, &analysed, &band_list, opts, &tok, &cells,
    );
    let per_comment = processed
        .iter()
        .enumerate()
        .map(|(i, p)| CommentRow {
            id: ids[i].clone(),
            segment: seg[i].map_or("all".into(), |s| segments[s + 1].clone()),
            language: if p.excluded.is_some() {
                String::new()
            } else {
                p.language.code().into()
            },
            themes: names
                .iter()
                .enumerate()
                .filter(|(t, _)| p.themes >> t & 1 == 1)
                .map(|(_, n)| n.as_str())
                .collect::<Vec<_>>()
                .join(";"),
            sentiment: p.sentiment,
            excluded: p
                .excluded
                .map(|e| e.reason(opts.max_chars))
                .unwrap_or_default(),
        })
        .collect();
    let mut notes = vec![
        "Sentiment: a lexicon score, Σ word scores / Σ |word scores| over the comment's lexicon words (−1 all negative, +1 all positive; a negated word counts with its sign turned). It does not read irony, comparisons or context; comments without a lexicon word are neutral (0) in the regressions.".to_string(),
        "Impact: OLS of each rating on the theme indicators and sentiment, HC3 standard errors; respondents are treated as independent. A theme's effect is an association: customers who mention it score that much higher or lower, other themes and sentiment held equal.".to_string(),
    ];
    if opts.ratings.is_empty() {
        notes.push("No rating given: prevalence and discovery only (give --rating to link themes to scores).".into());
    }
    let mut warnings = Vec::new();
    for (e, n) in &excluded {
        if matches!(e, Exclusion::NotText | Exclusion::TooLong) {
            warnings.push(format!(
                "{n} comment(s) left out: {}",
                e.reason(opts.max_chars)
            ));
        }
    }
    Ok(FeedbackResult {
        comment: opts.comment.clone(),
        codebook: codebook.clone(),
        rows: df.height(),
        analysed: analysed.len(),
        excluded: excluded
            .iter()
            .map(|(e, n)| Excluded {
                reason: e.reason(opts.max_chars),
                comments: *n,
            })
            .collect(),
        languages,
        segments,
        themes,
        sentiment: sentiment_summary,
        impact,
        bridge: vec![],
        discovery,
        notes,
        warnings,
        options: opts.clone(),
        diagnostics: Default::default(),
        per_comment,
        processed,
    })
}

/// Segment names (`all` first) and each row's segment index (None: no segment column, or
/// a missing value, counted in `all` only).
fn segment_index(
    df: &DataFrame,
    by: Option<&str>,
    file: &str,
) -> Result<(Vec<String>, Vec<Option<usize>>)> {
    let mut segments = vec!["all".to_string()];
    let Some(by) = by else {
        return Ok((segments, vec![None; df.height()]));
    };
    let values = text_cells(df, by, file)?;
    let mut distinct: Vec<String> = values.iter().flatten().cloned().collect();
    distinct.sort();
    distinct.dedup();
    if distinct.len() > crate::analysis::regress::MAX_GROUPS {
        return Err(Error::Usage(format!(
            "--by {by}: {} distinct values; give a column with at most {} segments",
            distinct.len(),
            crate::analysis::regress::MAX_GROUPS
        )));
    }
    let seg = values
        .iter()
        .map(|v| v.as_ref().and_then(|v| distinct.binary_search(v).ok()))
        .collect();
    segments.extend(distinct);
    Ok((segments, seg))
}
