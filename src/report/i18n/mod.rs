//! The reports' UI text in one table per language (`en.toml`, `zh.toml`): headings, table
//! headers, captions, chart titles and axis labels, hypothesis statements and verdicts.
//! Adding a language means adding one file and one [`Lang`] variant; a test fails when a
//! key exists in one file and not in another.
//!
//! Chinese terms follow the glossary of Chinese customer-satisfaction practice
//! (`shared/glossary-zh.md`): 客户满意度, 花费份额, 客户消费额, 客户利润, 细分群体, ...
//! Whole sentences (the summary) are written per language in [`super::summary_zh`], not
//! assembled word by word.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub mod zh_patterns;

const EN: &str = include_str!("en.toml");
const ZH: &str = include_str!("zh.toml");

/// A report language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    /// From `en`/`zh` (also `zh-CN`, `zh-Hans`, `english`, `chinese`, `中文`).
    pub fn parse(s: &str) -> Result<Lang> {
        match s.trim().to_lowercase().as_str() {
            "en" | "english" | "en-us" | "en-gb" => Ok(Lang::En),
            "zh" | "zh-cn" | "zh-hans" | "chinese" | "中文" | "cn" => Ok(Lang::Zh),
            other => Err(Error::Usage(format!(
                "language '{other}': use en (English) or zh (简体中文)"
            ))),
        }
    }

    /// Every language, for the parity test.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    fn source(self) -> &'static str {
        match self {
            Lang::En => EN,
            Lang::Zh => ZH,
        }
    }

    /// The message table of this language.
    pub fn messages(self) -> &'static BTreeMap<String, String> {
        static TABLES: [OnceLock<BTreeMap<String, String>>; 2] = [OnceLock::new(), OnceLock::new()];
        TABLES[self as usize].get_or_init(|| {
            // The tables are compiled in and tested; a broken one is a build defect.
            toml::from_str(self.source()).unwrap_or_default()
        })
    }

    /// One message; a key missing from the table comes back as itself (never in a tested
    /// build: the parity test covers every key the code uses).
    pub fn t(self, key: &str) -> &str {
        match self.messages().get(key) {
            Some(s) => s.as_str(),
            None => key,
        }
    }

    /// A message with `{name}` placeholders filled.
    pub fn f(self, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        let mut s = self.t(key).to_string();
        for (k, v) in args {
            s = s.replace(&format!("{{{k}}}"), &v.to_string());
        }
        s
    }

    /// A role or segment name as readers know it: `share_of_wallet` → "share of wallet" /
    /// "花费份额", `profitable` → "盈利性客户". Other names are shown as they are.
    pub fn name(self, raw: &str) -> String {
        for prefix in ["var_", "seg_"] {
            if let Some(s) = self.messages().get(&format!("{prefix}{raw}")) {
                if self != Lang::En || prefix == "seg_" {
                    return s.clone();
                }
            }
        }
        raw.to_string()
    }

    /// A message the analysis wrote in English, in this language: English as it is; Chinese
    /// through [`zh_patterns`] (a message of unknown form stays as written).
    pub fn message(self, s: &str) -> String {
        match self {
            Lang::En => s.to_string(),
            Lang::Zh => {
                zh_patterns::translate(s, &|n: &str| self.name(n)).unwrap_or_else(|| s.to_string())
            }
        }
    }

    /// A path such as `satisfaction -> share_of_wallet -> revenue` with each name shown as
    /// readers know it (`total indirect` is a name too).
    pub fn path(self, p: &str) -> String {
        if self == Lang::En {
            return p.to_string();
        }
        p.split(" -> ")
            .map(|n| self.name(&n.replace(' ', "_")))
            .collect::<Vec<_>>()
            .join(" → ")
    }

    /// A verdict word (`supported`, `not supported`, `reversed`).
    pub fn verdict(self, v: &str) -> String {
        let key = format!("verdict_{}", v.replace(' ', "_"));
        self.messages()
            .get(&key)
            .cloned()
            .unwrap_or_else(|| v.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn every_language_has_every_message() {
        let en = Lang::En.messages();
        assert!(
            en.len() > 100,
            "the English table parses ({} keys)",
            en.len()
        );
        for lang in Lang::ALL {
            let m = lang.messages();
            let missing: Vec<&String> = en.keys().filter(|k| !m.contains_key(*k)).collect();
            let extra: Vec<&String> = m.keys().filter(|k| !en.contains_key(*k)).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{lang:?}: missing {missing:?}, extra {extra:?}"
            );
        }
    }

    /// A table that does not parse (a repeated key) would silently print keys.
    #[test]
    fn every_table_parses() {
        for lang in Lang::ALL {
            let parsed: std::result::Result<std::collections::BTreeMap<String, String>, _> =
                toml::from_str(lang.source());
            assert!(parsed.is_ok(), "{lang:?}: {:?}", parsed.err());
        }
    }

    #[test]
    fn placeholders_are_filled_and_names_translated() {
        assert_eq!(
            Lang::Zh.f("holdout", &[("n", &26), ("unit", &"周")]),
            "留出期检验（26 个周）"
        );
        assert_eq!(Lang::Zh.name("share_of_wallet"), "花费份额");
        assert_eq!(Lang::En.name("share_of_wallet"), "share_of_wallet");
        assert_eq!(Lang::Zh.name("profitable"), "盈利性客户");
        assert_eq!(Lang::Zh.verdict("not supported"), "不支持");
    }
}
