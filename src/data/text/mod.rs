//! Open-ended comments as tokens (issue #27): Chinese by jieba's word segmentation
//! (`jieba-rs`, its default dictionary, HMM on for unknown words, the same default mode
//! as Python's `jieba.cut`), English by Unicode word boundaries (UAX #29,
//! `unicode-segmentation`) and the Snowball English stemmer (`rust-stemmers`); stop words
//! removed; a negator kept with the word it negates ("不满意", "not helpful" → `not_help`),
//! so a negated word never reads as itself.
//!
//! A comment's language is detected from its script (Han characters against Latin
//! letters), which is enough to tell Chinese from English; both at once is `mixed`.

mod resources;

use std::collections::HashSet;

use jieba_rs::Jieba;
use rust_stemmers::{Algorithm, Stemmer};
use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

pub use resources::{Lexicon, Resources};

/// A comment's language by its script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Zh,
    En,
    Mixed,
    /// Neither Han characters nor Latin letters (digits, emoji, other scripts).
    Other,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Language::Zh => "zh",
            Language::En => "en",
            Language::Mixed => "mixed",
            Language::Other => "other",
        }
    }
}

/// A Han (CJK ideograph) character: the unified ideographs, extension A and the
/// compatibility block (extensions B+ are rare in comments and count as Han too).
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// The language of a (normalized) comment: Chinese when Han characters are at least 90%
/// of its Han + Latin letters, English when Latin letters are, mixed otherwise. A Latin
/// word among Chinese ("APP 很难用") makes it mixed only when it is more than a tenth of
/// the letters; product names in a Chinese sentence stay Chinese.
pub fn detect(text: &str) -> Language {
    let (mut han, mut latin) = (0usize, 0usize);
    for c in text.chars() {
        if is_han(c) {
            han += 1;
        } else if c.is_ascii_alphabetic() || (c.is_alphabetic() && (c as u32) < 0x250) {
            latin += 1;
        }
    }
    // A Chinese character carries about as much as an English word of ~4 letters.
    let (h, l) = (han as f64 * 4.0, latin as f64);
    match (han, latin) {
        (0, 0) => Language::Other,
        _ if h >= 0.9 * (h + l) => Language::Zh,
        _ if l >= 0.9 * (h + l) => Language::En,
        _ => Language::Mixed,
    }
}

/// Full-width ASCII forms (Ａ, ！, ，) to their ASCII letters, ideographic space to a space,
/// control characters to spaces, and Latin letters to lower case. Chinese punctuation
/// (，。！？) is kept: it ends a clause like its ASCII form.
pub fn normalize(text: &str) -> String {
    text.chars()
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            0x3000 => ' ',
            _ if c.is_control() => ' ',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether a cell is not text: NUL bytes, or more than a tenth of its characters control
/// characters, replacement characters (U+FFFD, left by a wrong encoding) or private-use
/// code points.
pub fn is_binary(text: &str) -> bool {
    let (mut bad, mut all) = (0usize, 0usize);
    for c in text.chars() {
        all += 1;
        if c == '\0' {
            return true;
        }
        let u = c as u32;
        if (c.is_control() && !c.is_whitespace()) || u == 0xFFFD || (0xE000..=0xF8FF).contains(&u) {
            bad += 1;
        }
    }
    all > 0 && bad * 10 > all
}

/// One token: `key` is what themes, sentiment and discovery compare (the stem of an
/// English word, a Chinese word as segmented, a negated word with its negator's mark),
/// `surface` the words as written (lower case), shown in discovery's lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub key: String,
    pub surface: String,
    /// The word follows a clause break (punctuation): no phrase spans it.
    pub clause_start: bool,
    /// For a Chinese word of three or more characters, the dictionary words inside it
    /// ("等待时间" → 等待, 时间), as jieba's search mode finds them, so a codebook term
    /// matches inside a compound; empty for a negated word ("不满意" does not hold 满意).
    pub inner: Vec<String>,
}

/// English negators: the next content word in the same clause is negated.
const NEGATORS_EN: &[&str] = &["not", "no", "never", "without", "hardly", "nor", "cannot"];
/// Chinese negators, longest first (a segmented word that starts with one of them and
/// continues with a lexicon word is that word negated: 不满意, 没有帮助).
pub const NEGATORS_ZH: &[&str] = &[
    "没有", "并不", "不太", "不是", "不够", "从不", "从没", "不", "没", "未", "别", "无", "非",
];

/// Clause-ending punctuation (ASCII and Chinese).
fn breaks_clause(s: &str) -> bool {
    s.chars().any(|c| {
        matches!(
            c,
            '.' | ','
                | ';'
                | '!'
                | '?'
                | ':'
                | '，'
                | '。'
                | '；'
                | '！'
                | '？'
                | '：'
                | '、'
                | '\n'
        )
    })
}

/// Chinese words and English words, with stop words and negators applied.
pub struct Tokenizer {
    jieba: Jieba,
    stemmer: Stemmer,
    stop_en: HashSet<String>,
    stop_zh: HashSet<String>,
}

impl Tokenizer {
    /// A tokenizer with jieba's default dictionary, the given stop-word lists (English
    /// words are matched as written, lower case) and extra words for jieba's dictionary
    /// (the codebook's and lexicon's Chinese terms, a user dictionary).
    pub fn new(res: &Resources, user_words: &[String]) -> Self {
        let mut jieba = Jieba::new();
        for w in res.user_dictionary.iter().chain(user_words) {
            if w.chars().any(is_han) && !jieba.has_word(w) {
                jieba.add_word(w, None, None);
            }
        }
        Tokenizer {
            jieba,
            stemmer: Stemmer::create(Algorithm::English),
            stop_en: res.stop_en.iter().cloned().collect(),
            stop_zh: res.stop_zh.iter().cloned().collect(),
        }
    }

    /// jieba's default mode on the whole text (HMM on), every token including spaces and
    /// punctuation: the segmentation the reference test compares with Python's
    /// `jieba.cut(text)`.
    pub fn segment(&self, text: &str) -> Vec<String> {
        self.jieba
            .cut(text, true)
            .into_iter()
            .map(|t| t.word.to_string())
            .collect()
    }

    /// Dictionary words of two or three characters inside a word of three or more (the
    /// sub-words jieba's search mode adds).
    fn inner_words(&self, word: &str) -> Vec<String> {
        let chars: Vec<(usize, char)> = word.char_indices().collect();
        let n = chars.len();
        if n < 3 {
            return vec![];
        }
        let end = |i: usize| chars.get(i).map_or(word.len(), |c| c.0);
        let mut out = Vec::new();
        for len in [2, 3] {
            for i in 0..n.saturating_sub(len - 1) {
                if len == n {
                    continue;
                }
                let w = &word[chars[i].0..end(i + len)];
                if self.jieba.has_word(w) {
                    out.push(w.to_string());
                }
            }
        }
        out
    }

    /// The stem of an English word.
    pub fn stem(&self, word: &str) -> String {
        self.stemmer.stem(word).into_owned()
    }

    /// The tokens of a normalized comment, in order.
    pub fn tokens(&self, text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        let mut negate: Option<String> = None;
        let mut clause_start = true;
        // Runs of Han characters go to jieba; the rest to UAX #29 word boundaries.
        let mut push_word = |out: &mut Vec<Token>, word: &str, zh: bool, clause: &mut bool| {
            if breaks_clause(word) {
                negate = None;
                *clause = true;
                return;
            }
            if !word.chars().any(char::is_alphanumeric) {
                return;
            }
            if zh {
                if let Some(n) = NEGATORS_ZH.iter().find(|n| **n == word) {
                    negate = Some((*n).to_string());
                    return;
                }
                if self.stop_zh.contains(word) {
                    return;
                }
                let negated = negate.is_some();
                let (key, surface) = match negate.take() {
                    Some(n) => (format!("{n}{word}"), format!("{n}{word}")),
                    None => (word.to_string(), word.to_string()),
                };
                let inner = if negated || NEGATORS_ZH.iter().any(|n| word.starts_with(n)) {
                    vec![]
                } else {
                    self.inner_words(word)
                };
                out.push(Token {
                    key,
                    surface,
                    clause_start: std::mem::take(clause),
                    inner,
                });
            } else {
                if word.chars().all(|c| c.is_ascii_digit()) {
                    return;
                }
                // "don't", "isn't", "can't": the auxiliary itself carries nothing.
                let contraction = word.ends_with("n't") || word.ends_with("n’t");
                if contraction || NEGATORS_EN.contains(&word) {
                    negate = Some("not".into());
                    return;
                }
                if self.stop_en.contains(word) {
                    return;
                }
                let stem = self.stemmer.stem(word).into_owned();
                let (key, surface) = match negate.take() {
                    Some(_) => (format!("not_{stem}"), format!("not {word}")),
                    None => (stem, word.to_string()),
                };
                out.push(Token {
                    key,
                    surface,
                    clause_start: std::mem::take(clause),
                    inner: vec![],
                });
            }
        };
        let mut start = 0;
        let mut han_run = None::<bool>;
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut flush = |out: &mut Vec<Token>, s: &str, han: bool, clause: &mut bool| {
            if han {
                for t in self.jieba.cut(s, true) {
                    push_word(out, t.word, true, clause);
                }
            } else {
                for w in s.split_word_bounds() {
                    push_word(out, w, false, clause);
                }
            }
        };
        for &(i, c) in &chars {
            let h = is_han(c);
            match han_run {
                Some(prev) if prev != h => {
                    flush(&mut out, &text[start..i], prev, &mut clause_start);
                    start = i;
                    han_run = Some(h);
                }
                None => han_run = Some(h),
                _ => {}
            }
        }
        if let Some(h) = han_run {
            flush(&mut out, &text[start..], h, &mut clause_start);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(t: &Tokenizer, s: &str) -> Vec<String> {
        t.tokens(&normalize(s)).into_iter().map(|t| t.key).collect()
    }

    #[test]
    fn negation_stays_with_its_word() {
        let t = Tokenizer::new(&Resources::default(), &[]);
        assert_eq!(
            keys(&t, "The staff were not helpful."),
            ["staff", "not_help"]
        );
        assert_eq!(
            keys(&t, "Staff weren't very helpful"),
            ["staff", "not_help"]
        );
        assert_eq!(keys(&t, "Helpful staff"), ["help", "staff"]);
        // A clause break ends the negation's reach.
        assert_eq!(keys(&t, "No. Helpful staff"), ["help", "staff"]);
        let zh = keys(&t, "柜员态度不满意，没有帮助");
        assert!(zh.iter().any(|k| k == "不满意"), "{zh:?}");
        assert!(zh.iter().any(|k| k == "没有帮助"), "{zh:?}");
        assert!(!zh.iter().any(|k| k == "帮助"), "{zh:?}");
    }

    #[test]
    fn languages_by_script() {
        assert_eq!(detect("排队时间太长了"), Language::Zh);
        assert_eq!(detect("waiting time too long"), Language::En);
        assert_eq!(detect("app 很难用，经常闪退"), Language::Zh);
        assert_eq!(detect("the app is 很难用 and crashes"), Language::Mixed);
        assert_eq!(detect("12345 !!!"), Language::Other);
    }

    #[test]
    fn full_width_and_case_are_normalized() {
        assert_eq!(normalize("ＡＰＰ　Slow！"), "app slow!");
        assert!(is_binary("\u{0}abc"));
        assert!(is_binary("\u{FFFD}\u{FFFD}ab"));
        assert!(!is_binary("很好 good"));
    }
}
