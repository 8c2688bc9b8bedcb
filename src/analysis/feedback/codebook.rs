//! The analyst's codebook: themes with their terms in either language, read from TOML,
//! checked, and compiled to token sequences by the same tokenizer as the comments, so a
//! term matches a comment when its words occur there in order (English by stem, a
//! negated word only as negated).

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::data::text::{normalize, Token, Tokenizer};
use crate::error::{Error, Result};

/// The bundled starter codebook (banking and retail service, English and Chinese).
pub const STARTER: &str = include_str!("codebook_banking.toml");

/// One theme as written in the codebook.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Theme {
    pub name: String,
    /// Chinese name (shown with `--lang zh`).
    #[serde(default)]
    pub zh: Option<String>,
    pub terms: Vec<String>,
    /// A comment containing any of these is not counted for the theme.
    #[serde(default)]
    pub exclude: Vec<String>,
}

impl Theme {
    /// The name in `lang` (the English name when no Chinese one is given).
    pub fn label(&self, zh: bool) -> &str {
        match (&self.zh, zh) {
            (Some(z), true) => z,
            _ => &self.name,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    theme: Vec<Theme>,
}

/// A checked codebook.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Codebook {
    /// Where it came from: a path, or "starter codebook (banking and retail)".
    pub source: String,
    pub themes: Vec<Theme>,
}

/// Most themes a codebook may hold (indicators are a bit set; a regression on more
/// themes than this is not readable either).
pub const MAX_THEMES: usize = 64;
/// Longest term, in characters.
const MAX_TERM: usize = 100;

impl Codebook {
    pub fn starter() -> Self {
        Self::parse(STARTER, "starter codebook (banking and retail)")
            .expect("the starter codebook is valid")
    }

    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::MissingFile {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parse and check: at least one theme; names unique (case-insensitive, in either
    /// language); every theme with at least one term; no term blank, longer than 100
    /// characters, without a letter or digit, or holding control characters.
    pub fn parse(text: &str, source: &str) -> Result<Self> {
        let bad = |m: String| Error::InvalidData(format!("codebook {source}: {m}"));
        let file: File = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| {
                    let (l, c) = crate::data::study::line_col(text, s.start);
                    format!(" (line {l}, column {c})")
                })
                .unwrap_or_default();
            bad(format!(
                "{}{at}; a theme is written [[theme]] name = \"waiting time\" zh = \"排队等待\" terms = [\"wait\", \"排队\"]",
                e.message()
            ))
        })?;
        if file.theme.is_empty() {
            return Err(bad(
                "no [[theme]] entries; start from the starter codebook (`profitchain feedback --write-defaults DIR`)".into(),
            ));
        }
        if file.theme.len() > MAX_THEMES {
            return Err(bad(format!(
                "{} themes; at most {MAX_THEMES} (merge related themes)",
                file.theme.len()
            )));
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, t) in file.theme.iter().enumerate() {
            let name = t.name.trim();
            if name.is_empty() {
                return Err(bad(format!("theme {} has an empty name", i + 1)));
            }
            for label in std::iter::once(name).chain(t.zh.as_deref().map(str::trim)) {
                if let Some(j) = seen.insert(label.to_lowercase(), i) {
                    return Err(bad(format!(
                        "theme '{label}' appears twice (themes {} and {}); merge their terms into one theme or rename one",
                        j + 1,
                        i + 1
                    )));
                }
            }
            if t.terms.is_empty() {
                return Err(bad(format!("theme '{name}' has no terms")));
            }
            for term in t.terms.iter().chain(&t.exclude) {
                let why = if term.trim().is_empty() {
                    Some("is blank")
                } else if term.chars().count() > MAX_TERM {
                    Some("is longer than 100 characters (a term is a word or a short phrase)")
                } else if term.chars().any(char::is_control) {
                    Some("holds control characters")
                } else if !term.chars().any(char::is_alphanumeric) {
                    Some("has no letter or digit")
                } else {
                    None
                };
                if let Some(why) = why {
                    return Err(bad(format!(
                        "theme '{name}': term '{}' {why}",
                        term.escape_debug()
                    )));
                }
            }
        }
        Ok(Codebook {
            source: source.to_string(),
            themes: file.theme,
        })
    }

    /// Every Chinese term (for jieba's dictionary, so a term is one word in context too).
    pub fn chinese_terms(&self) -> Vec<String> {
        self.themes
            .iter()
            .flat_map(|t| t.terms.iter().chain(&t.exclude))
            .map(|s| normalize(s.trim()))
            .filter(|s| !s.contains(' ') && s.chars().any(crate::data::text::is_han))
            .collect()
    }

    /// Terms as token-key sequences, indexed by their first key.
    pub fn compile(&self, tok: &Tokenizer) -> Result<Compiled> {
        let mut index: HashMap<String, Vec<Entry>> = HashMap::new();
        for (ti, t) in self.themes.iter().enumerate() {
            for (term, exclude) in t
                .terms
                .iter()
                .map(|s| (s, false))
                .chain(t.exclude.iter().map(|s| (s, true)))
            {
                let keys: Vec<String> = tok
                    .tokens(&normalize(term))
                    .into_iter()
                    .map(|k| k.key)
                    .collect();
                let Some(first) = keys.first().cloned() else {
                    return Err(Error::InvalidData(format!(
                        "codebook {}: theme '{}': term '{term}' has no word left once stop words are removed; use a more specific word",
                        self.source, t.name
                    )));
                };
                index.entry(first).or_default().push(Entry {
                    theme: ti,
                    rest: keys[1..].to_vec(),
                    exclude,
                });
            }
        }
        Ok(Compiled {
            themes: self.themes.len(),
            index,
        })
    }
}

#[derive(Debug, Clone)]
struct Entry {
    theme: usize,
    rest: Vec<String>,
    exclude: bool,
}

/// A compiled codebook.
#[derive(Debug, Clone)]
pub struct Compiled {
    themes: usize,
    index: HashMap<String, Vec<Entry>>,
}

impl Compiled {
    /// The themes a comment's tokens carry, as a bit set (bit t: theme t): a term's keys
    /// in order, or a one-word term inside a Chinese compound.
    pub fn matches(&self, tokens: &[Token]) -> u64 {
        let keys: Vec<&str> = tokens.iter().map(|t| t.key.as_str()).collect();
        let (mut hit, mut excluded) = self.matches_keys(&keys);
        for t in tokens {
            for w in &t.inner {
                for e in self.index.get(w).into_iter().flatten() {
                    if e.rest.is_empty() {
                        if e.exclude {
                            excluded |= 1 << e.theme;
                        } else {
                            hit |= 1 << e.theme;
                        }
                    }
                }
            }
        }
        hit &= !excluded;
        hit
    }

    /// (themes hit, themes excluded) by the keys in order.
    fn matches_keys(&self, keys: &[&str]) -> (u64, u64) {
        let (mut hit, mut excluded) = (0u64, 0u64);
        for (i, k) in keys.iter().enumerate() {
            let Some(entries) = self.index.get(*k) else {
                continue;
            };
            for e in entries {
                let follows = e.rest.len() < keys.len() - i
                    && e.rest.iter().zip(&keys[i + 1..]).all(|(a, b)| a == b);
                if e.rest.is_empty() || follows {
                    if e.exclude {
                        excluded |= 1 << e.theme;
                    } else {
                        hit |= 1 << e.theme;
                    }
                }
            }
        }
        debug_assert!(self.themes <= MAX_THEMES);
        (hit, excluded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::text::Resources;

    #[test]
    fn terms_match_in_order_and_exclusions_win() {
        let cb = Codebook::parse(
            r#"
[[theme]]
name = "waiting time"
zh = "排队等待"
terms = ["wait", "on hold", "等了很久"]
[[theme]]
name = "fees"
terms = ["fee"]
exclude = ["no fee"]
"#,
            "t",
        )
        .unwrap();
        let tok = Tokenizer::new(&Resources::default(), &cb.chinese_terms());
        let c = cb.compile(&tok).unwrap();
        let m = |s: &str| c.matches(&tok.tokens(&normalize(s)));
        assert_eq!(m("We waited 40 minutes"), 0b01);
        assert_eq!(m("I was put on hold"), 0b01);
        assert_eq!(m("我在网点等了很久"), 0b01);
        // Inside a compound (等待时间 is one word in jieba's dictionary).
        let c2 = Codebook::parse(
            "[[theme]]\nname = \"w\"\nterms = [\"等待\", \"满意\"]\n",
            "t",
        )
        .unwrap()
        .compile(&tok)
        .unwrap();
        assert_eq!(c2.matches(&tok.tokens(&normalize("等待时间一个小时"))), 1);
        assert_eq!(c2.matches(&tok.tokens(&normalize("不满意"))), 0);
        assert_eq!(m("The fees are high"), 0b10);
        assert_eq!(m("I did not wait, and there was a fee"), 0b10);
        assert_eq!(m("Fee? No fee at all"), 0b00);
    }

    #[test]
    fn bad_codebooks_are_named() {
        let dup = "[[theme]]\nname = \"Fees\"\nterms = [\"fee\"]\n[[theme]]\nname = \"fees\"\nterms = [\"charge\"]\n";
        let e = Codebook::parse(dup, "cb.toml").unwrap_err().to_string();
        assert!(
            e.contains("'fees' appears twice") && e.contains("cb.toml"),
            "{e}"
        );
        let blank = "[[theme]]\nname = \"x\"\nterms = [\"  \"]\n";
        assert!(Codebook::parse(blank, "cb")
            .unwrap_err()
            .to_string()
            .contains("is blank"));
        let punct = "[[theme]]\nname = \"x\"\nterms = [\"!!\"]\n";
        assert!(Codebook::parse(punct, "cb")
            .unwrap_err()
            .to_string()
            .contains("no letter"));
        let unknown = "[[theme]]\nname = \"x\"\nwords = [\"a\"]\n";
        let e = Codebook::parse(unknown, "cb").unwrap_err().to_string();
        assert!(e.contains("line 3"), "{e}");
        assert_eq!(Codebook::starter().themes.len(), 7);
    }
}
