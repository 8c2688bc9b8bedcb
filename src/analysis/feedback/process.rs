//! Each comment once: checked, normalized, its language detected, tokenized, matched
//! against the codebook and scored for sentiment; in the same parallel pass, the terms of
//! the comments no theme matched are counted for discovery.

use std::collections::HashMap;

use rayon::prelude::*;

use super::codebook::Compiled;
use crate::data::text::{self, Language, Resources, Token, Tokenizer, NEGATORS_ZH};

/// Why a comment was left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Exclusion {
    Blank,
    NotText,
    TooLong,
    NoWords,
}

impl Exclusion {
    pub fn reason(self, max_chars: usize) -> String {
        match self {
            Exclusion::Blank => "blank or missing".into(),
            Exclusion::NotText => {
                "not text (NUL bytes, control or replacement characters: binary data or a wrong encoding)".into()
            }
            Exclusion::TooLong => format!(
                "longer than {} characters (a pasted document or a broken export; raise --max-chars to keep them)",
                crate::format::thousands(max_chars as f64, 0)
            ),
            Exclusion::NoWords => "no words once stop words are removed (\"no\", \"-\", \"无\", \"n/a\")".into(),
        }
    }
}

/// One comment's results.
#[derive(Debug, Clone)]
pub struct Processed {
    pub excluded: Option<Exclusion>,
    pub language: Language,
    /// Themes present (bit t: theme t).
    pub themes: u64,
    /// Lexicon sentiment in [−1, 1]; None when no lexicon word occurs.
    pub sentiment: Option<f64>,
    /// Characters of the comment (for choosing short examples).
    pub chars: usize,
}

/// The sentiment lexicon, English words by stem.
pub struct Sentiment {
    scores: HashMap<String, f64>,
}

impl Sentiment {
    pub fn new(res: &Resources, tok: &Tokenizer) -> Self {
        let mut scores = HashMap::new();
        for (w, s) in &res.sentiment_zh {
            scores.insert(w.clone(), *s);
        }
        for (w, s) in &res.sentiment_en {
            scores.insert(tok.stem(w), *s);
        }
        Sentiment { scores }
    }

    /// A token's score: its own entry; else, for a negated word (`not_x`, 不x, 没有x), the
    /// negated word's score with its sign turned.
    pub fn score(&self, key: &str) -> Option<f64> {
        if let Some(s) = self.scores.get(key) {
            return Some(*s);
        }
        if let Some(base) = key.strip_prefix("not_") {
            return self.scores.get(base).map(|s| -s);
        }
        NEGATORS_ZH
            .iter()
            .find_map(|n| key.strip_prefix(n).filter(|b| !b.is_empty()))
            .and_then(|b| self.scores.get(b))
            .map(|s| -s)
    }

    /// Σ scores / Σ |scores| over the comment's lexicon words: +1 all positive, −1 all
    /// negative (the balance of polarity, as in Hu & Liu 2004's opinion-word count,
    /// normalized to [−1, 1]).
    pub fn of(&self, tokens: &[Token]) -> Option<f64> {
        let (mut sum, mut abs) = (0.0, 0.0);
        for t in tokens {
            if let Some(s) = self.score(&t.key) {
                sum += s;
                abs += s.abs();
            }
        }
        (abs > 0.0).then(|| sum / abs)
    }
}

/// Document frequencies of terms (unigrams and two-word phrases) by group.
pub type Counts = HashMap<String, Vec<u32>>;

/// What a pass needs.
pub struct Pass<'a> {
    pub tok: &'a Tokenizer,
    pub codebook: &'a Compiled,
    pub sentiment: &'a Sentiment,
    pub max_chars: usize,
}

/// Terms of a comment for discovery: each distinct key, and each pair of adjacent keys
/// in one clause ("key1 key2").
pub fn terms(tokens: &[Token]) -> Vec<String> {
    let mut out: Vec<String> = tokens.iter().map(|t| t.key.clone()).collect();
    for w in tokens.windows(2) {
        if !w[1].clause_start && w[0].key != w[1].key {
            out.push(format!("{} {}", w[0].key, w[1].key));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

impl Pass<'_> {
    /// One comment.
    pub fn one(&self, cell: Option<&str>) -> (Processed, Vec<Token>) {
        let blank = Processed {
            excluded: Some(Exclusion::Blank),
            language: Language::Other,
            themes: 0,
            sentiment: None,
            chars: 0,
        };
        let Some(raw) = cell.filter(|s| !s.trim().is_empty()) else {
            return (blank, vec![]);
        };
        let chars = raw.chars().count();
        let out = |e| Processed {
            excluded: Some(e),
            chars,
            ..blank.clone()
        };
        if chars > self.max_chars {
            return (out(Exclusion::TooLong), vec![]);
        }
        if text::is_binary(raw) {
            return (out(Exclusion::NotText), vec![]);
        }
        let norm = text::normalize(raw);
        let language = text::detect(&norm);
        let tokens = self.tok.tokens(&norm);
        if tokens.is_empty() {
            return (
                Processed {
                    language,
                    ..out(Exclusion::NoWords)
                },
                vec![],
            );
        }
        let p = Processed {
            excluded: None,
            language,
            themes: self.codebook.matches(&tokens),
            sentiment: self.sentiment.of(&tokens),
            chars,
        };
        (p, tokens)
    }

    /// Every comment, in parallel; with `group_of(i, processed)` naming the discovery
    /// groups a comment's terms count in (indices below `groups`), the document
    /// frequencies of terms by group. Results are in row order whatever the threads.
    ///
    /// Discovery looks for topics: a sentiment-lexicon word (or a phrase holding one) is
    /// not counted, as the sentiment score already measures it. The comments in each
    /// group are counted too.
    pub fn all<G>(
        &self,
        cells: &[Option<&str>],
        groups: usize,
        group_of: G,
    ) -> (Vec<Processed>, Counts, Vec<u32>)
    where
        G: Fn(usize, &Processed) -> Vec<usize> + Sync,
    {
        const CHUNK: usize = 4096;
        let parts: Vec<(Vec<Processed>, Counts, Vec<u32>)> = cells
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(c, chunk)| {
                let mut counts: Counts = HashMap::new();
                let mut sizes = vec![0u32; groups];
                let mut rows = Vec::with_capacity(chunk.len());
                for (j, cell) in chunk.iter().enumerate() {
                    let (p, tokens) = self.one(*cell);
                    let gs = group_of(c * CHUNK + j, &p);
                    for &g in &gs {
                        sizes[g] += 1;
                    }
                    if !gs.is_empty() {
                        for term in terms(&tokens) {
                            if term.split(' ').any(|k| self.sentiment.score(k).is_some()) {
                                continue;
                            }
                            let v = counts.entry(term).or_insert_with(|| vec![0; groups]);
                            for &g in &gs {
                                v[g] += 1;
                            }
                        }
                    }
                    rows.push(p);
                }
                (rows, counts, sizes)
            })
            .collect();
        let mut rows = Vec::with_capacity(cells.len());
        let mut counts: Counts = HashMap::new();
        let mut sizes = vec![0u32; groups];
        for (r, c, s) in parts {
            rows.extend(r);
            sizes.iter_mut().zip(&s).for_each(|(a, b)| *a += b);
            for (term, v) in c {
                match counts.get_mut(&term) {
                    Some(total) => total.iter_mut().zip(&v).for_each(|(a, b)| *a += b),
                    None => {
                        counts.insert(term, v);
                    }
                }
            }
        }
        (rows, counts, sizes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::text::normalize;

    #[test]
    fn negation_turns_sentiment() {
        let res = Resources::default();
        let tok = Tokenizer::new(&res, &[]);
        let s = Sentiment::new(&res, &tok);
        let of = |x: &str| s.of(&tok.tokens(&normalize(x)));
        assert_eq!(of("The staff were helpful"), Some(1.0));
        assert_eq!(of("The staff were not helpful"), Some(-1.0));
        assert_eq!(of("我很满意"), Some(1.0));
        assert_eq!(of("我不满意"), Some(-1.0));
        assert_eq!(of("没有帮助"), Some(-1.0));
        assert_eq!(of("the branch"), None);
        let mixed = of("friendly staff but the app is terrible").unwrap();
        assert!((mixed - (1.0 - 2.0) / 3.0).abs() < 1e-12, "{mixed}");
    }
}
