//! The PLS path model: constructs measured by blocks of items (mode A reflective, mode B
//! formative) and the inner arrows between constructs, with validation and the built-in
//! ECSI and ACSI templates.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How a block's outer weights are estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Mode {
    /// Reflective: weights are the covariances of the items with the inner proxy.
    #[default]
    A,
    /// Formative: weights are the multiple-regression coefficients of the inner proxy on
    /// the items.
    B,
}

/// One construct and its items.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Construct {
    pub name: String,
    pub items: Vec<String>,
    #[serde(default)]
    pub mode: Mode,
}

/// The model: constructs and arrows `[from, to]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlsModel {
    #[serde(rename = "construct")]
    pub constructs: Vec<Construct>,
    pub arrows: Vec<[String; 2]>,
}

impl PlsModel {
    /// Index of a construct by name.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.constructs.iter().position(|c| c.name == name)
    }

    /// Arrows as (from, to) construct indices (validated models only).
    pub fn edges(&self) -> Vec<(usize, usize)> {
        self.arrows
            .iter()
            .filter_map(|[a, b]| Some((self.index(a)?, self.index(b)?)))
            .collect()
    }

    /// All items in block order.
    pub fn items(&self) -> Vec<String> {
        self.constructs
            .iter()
            .flat_map(|c| c.items.clone())
            .collect()
    }

    /// Check the model against itself and, given, the data's columns: unknown items, an
    /// item in two blocks, empty blocks, arrows naming unknown constructs, a construct
    /// without arrows, cycles. `src` names the model in messages.
    pub fn validate(&self, src: &str, columns: Option<&[String]>) -> Result<()> {
        let err = |m: String| Error::Usage(format!("model file {src}: {m}"));
        if self.constructs.len() < 2 {
            return Err(err("a path model needs at least two constructs".into()));
        }
        let mut seen = std::collections::HashMap::new();
        for c in &self.constructs {
            if self.constructs.iter().filter(|d| d.name == c.name).count() > 1 {
                return Err(err(format!("construct '{}' is defined twice", c.name)));
            }
            if c.items.is_empty() {
                return Err(err(format!("construct '{}' has no items", c.name)));
            }
            for i in &c.items {
                if let Some(other) = seen.insert(i.clone(), c.name.clone()) {
                    return Err(err(if other == c.name {
                        format!(
                            "item '{i}' is listed twice in block '{other}'; list each item once"
                        )
                    } else {
                        format!(
                            "item '{i}' is in two blocks, '{other}' and '{}'; each item measures one construct",
                            c.name
                        )
                    }));
                }
                if let Some(cols) = columns {
                    if !cols.contains(i) {
                        let near = crate::error::closest(i, cols.iter().map(String::as_str));
                        return Err(err(format!(
                            "item '{i}' of construct '{}' is not a column of the data{}",
                            c.name,
                            near.map(|n| format!(" (did you mean '{n}'?)"))
                                .unwrap_or_default()
                        )));
                    }
                }
            }
        }
        for [a, b] in &self.arrows {
            for n in [a, b] {
                if self.index(n).is_none() {
                    return Err(err(format!(
                        "arrow {a} -> {b} names '{n}', which is not a construct"
                    )));
                }
            }
            if a == b {
                return Err(err(format!("arrow {a} -> {b} points to itself")));
            }
        }
        for c in &self.constructs {
            if !self
                .arrows
                .iter()
                .any(|[a, b]| *a == c.name || *b == c.name)
            {
                return Err(err(format!(
                    "construct '{}' has no arrow to or from another construct",
                    c.name
                )));
            }
        }
        if let Some(cycle) = self.cycle() {
            return Err(err(format!(
                "the arrows form a cycle ({}); PLS path models must be recursive",
                cycle.join(" -> ")
            )));
        }
        Ok(())
    }

    /// A cycle of construct names, if the arrows have one (depth-first search).
    fn cycle(&self) -> Option<Vec<String>> {
        let m = self.constructs.len();
        let edges = self.edges();
        // 0 unvisited, 1 on the stack, 2 done.
        fn visit(
            v: usize,
            edges: &[(usize, usize)],
            state: &mut [u8],
            stack: &mut Vec<usize>,
        ) -> Option<Vec<usize>> {
            state[v] = 1;
            stack.push(v);
            for &(a, b) in edges.iter().filter(|e| e.0 == v) {
                let _ = a;
                if state[b] == 1 {
                    let start = stack.iter().position(|&s| s == b).unwrap_or(0);
                    let mut c = stack[start..].to_vec();
                    c.push(b);
                    return Some(c);
                }
                if state[b] == 0 {
                    if let Some(c) = visit(b, edges, state, stack) {
                        return Some(c);
                    }
                }
            }
            stack.pop();
            state[v] = 2;
            None
        }
        let mut state = vec![0u8; m];
        for v in 0..m {
            if state[v] == 0 {
                if let Some(c) = visit(v, &edges, &mut state, &mut Vec::new()) {
                    return Some(
                        c.into_iter()
                            .map(|i| self.constructs[i].name.clone())
                            .collect(),
                    );
                }
            }
        }
        None
    }

    /// A built-in template's structure with `items` mapping each construct to its columns
    /// (constructs left out of `items` are an error naming them).
    pub fn template(name: &str, items: &[(String, Vec<String>)]) -> Result<PlsModel> {
        let (constructs, arrows): (&[&str], &[[&str; 2]]) = match name {
            // Tenenhaus et al. (2005), the ECSI model: 7 constructs, 12 arrows.
            "ecsi" => (&ECSI_CONSTRUCTS[..], &ECSI_ARROWS[..]),
            // Fornell et al. (1996), the ACSI model: ECSI without Image (6 constructs,
            // 9 arrows).
            "acsi" => (&ECSI_CONSTRUCTS[1..], &ECSI_ARROWS[3..]),
            other => {
                return Err(Error::Usage(format!(
                    "template '{other}': use ecsi or acsi"
                )))
            }
        };
        let mut out = Vec::new();
        for c in constructs {
            let Some((_, it)) = items.iter().find(|(n, _)| n == c) else {
                return Err(Error::Usage(format!(
                    "template {name}: give the items of construct '{c}' (constructs: {})",
                    constructs.join(", ")
                )));
            };
            out.push(Construct {
                name: c.to_string(),
                items: it.clone(),
                mode: Mode::A,
            });
        }
        for (n, _) in items {
            if !constructs.contains(&n.as_str()) {
                return Err(Error::Usage(format!(
                    "template {name} has no construct '{n}' (constructs: {})",
                    constructs.join(", ")
                )));
            }
        }
        Ok(PlsModel {
            constructs: out,
            arrows: arrows
                .iter()
                .map(|[a, b]| [a.to_string(), b.to_string()])
                .collect(),
        })
    }
}

/// The ECSI model (Tenenhaus et al. 2005): 7 constructs, 12 arrows; Image and its three
/// arrows come first, so ACSI is what follows them.
const ECSI_CONSTRUCTS: [&str; 7] = [
    "Image",
    "Expectation",
    "Quality",
    "Value",
    "Satisfaction",
    "Complaints",
    "Loyalty",
];
const ECSI_ARROWS: [[&str; 2]; 12] = [
    ["Image", "Expectation"],
    ["Image", "Satisfaction"],
    ["Image", "Loyalty"],
    ["Expectation", "Quality"],
    ["Expectation", "Value"],
    ["Expectation", "Satisfaction"],
    ["Quality", "Value"],
    ["Quality", "Satisfaction"],
    ["Value", "Satisfaction"],
    ["Satisfaction", "Complaints"],
    ["Satisfaction", "Loyalty"],
    ["Complaints", "Loyalty"],
];

/// A model file (`--model FILE`): a template with its items, or constructs and arrows.
///
/// ```toml
/// template = "ecsi"               # or "acsi"; or leave out and give [[construct]] + arrows
/// scale = [1, 10]                 # declared item scale, for the 0-100 indices
/// [items]
/// Image = ["IMAG1", "IMAG2"]
/// # ...
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    #[serde(default)]
    pub template: Option<String>,
    #[serde(default)]
    pub items: std::collections::BTreeMap<String, Vec<String>>,
    #[serde(default, rename = "construct")]
    pub constructs: Vec<Construct>,
    #[serde(default)]
    pub arrows: Vec<[String; 2]>,
    #[serde(default)]
    pub scale: Option<[f64; 2]>,
}

impl ModelFile {
    /// Parse model TOML; `src` names it in errors.
    pub fn parse(text: &str, src: &str) -> Result<Self> {
        toml::from_str(text).map_err(|e| {
            let msg = e.message().trim();
            // A top-level key written after a [[construct]] belongs to that construct.
            let hint = if ["`arrows`", "`scale`", "`template`"]
                .iter()
                .any(|k| msg.starts_with(&format!("unknown field {k}")))
            {
                " (arrows, scale and template go before the first [[construct]]; keys after it belong to that construct)"
            } else {
                ""
            };
            let at = e
                .span()
                .map(|sp| {
                    let (line, col) = crate::data::study::line_col(text, sp.start);
                    format!(" (line {line}, column {col})")
                })
                .unwrap_or_default();
            Error::Usage(format!("model file {src}: {msg}{at}{hint}"))
        })
    }

    /// Read and parse a model file.
    pub fn read(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::MissingFile {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// The model it describes.
    pub fn model(&self, src: &str) -> Result<PlsModel> {
        match &self.template {
            Some(t) => {
                if !self.constructs.is_empty() || !self.arrows.is_empty() {
                    return Err(Error::Usage(format!(
                        "model file {src}: give either template = \"...\" with [items], or [[construct]] blocks with arrows, not both"
                    )));
                }
                let items: Vec<(String, Vec<String>)> = self
                    .items
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                PlsModel::template(t, &items)
                    .map_err(|e| Error::Usage(format!("model file {src}: {e}")))
            }
            None => {
                if self.constructs.is_empty() {
                    return Err(Error::Usage(format!(
                        "model file {src}: no model; give template = \"ecsi\" (or \"acsi\") with [items], or [[construct]] blocks and arrows"
                    )));
                }
                Ok(PlsModel {
                    constructs: self.constructs.clone(),
                    arrows: self.arrows.clone(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ACSI is ECSI without Image: 6 constructs, 9 arrows, and it validates.
    #[test]
    fn templates_have_the_published_structure() {
        let items = |names: &[&str]| -> Vec<(String, Vec<String>)> {
            names
                .iter()
                .map(|n| (n.to_string(), vec![format!("{n}1"), format!("{n}2")]))
                .collect()
        };
        let ecsi = PlsModel::template("ecsi", &items(&ECSI_CONSTRUCTS)).unwrap();
        assert_eq!((ecsi.constructs.len(), ecsi.arrows.len()), (7, 12));
        let acsi = PlsModel::template("acsi", &items(&ECSI_CONSTRUCTS[1..])).unwrap();
        assert_eq!((acsi.constructs.len(), acsi.arrows.len()), (6, 9));
        assert!(acsi
            .arrows
            .iter()
            .all(|[a, b]| a != "Image" && b != "Image"));
        acsi.validate("acsi", None).unwrap();
        assert!(PlsModel::template("acsi", &items(&ECSI_CONSTRUCTS)).is_err());
    }
}
