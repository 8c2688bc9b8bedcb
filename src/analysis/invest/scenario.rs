//! Scenarios: what changes (satisfaction up by Δ points, to a target, or a share of the
//! distance to the scale's top), for whom (everyone, a segment, or the customers a rule
//! selects), and at what cost; the rule language; each customer's satisfaction change.

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The change in satisfaction a scenario makes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Every customer reached gains Δ points (capped at the scale's top).
    Add(f64),
    /// Customers below the target are raised to it.
    To(f64),
    /// Every customer reached closes this share (0–1) of their distance to the top.
    Gap(f64),
}

/// Programme cost: fixed, per customer reached, and per satisfaction point gained.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cost {
    #[serde(default)]
    pub fixed: f64,
    #[serde(default)]
    pub per_customer: f64,
    #[serde(default)]
    pub per_point: f64,
}

/// One scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    pub name: String,
    pub change: Change,
    /// The segment it targets (None: every segment).
    #[serde(default)]
    pub segment: Option<String>,
    /// A rule selecting customers, e.g. `satisfaction < 6 and tenure_years > 5` (None:
    /// everyone in the segment).
    #[serde(default)]
    pub rule: Option<String>,
    #[serde(default)]
    pub cost: Cost,
    /// An attribute rating the change applies to (a driver scenario): satisfaction then
    /// moves through the segment's key-driver regression. None: satisfaction itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
}

impl Scenario {
    /// Check the numbers that cannot mean anything: a zero or negative change, a share
    /// outside (0, 1], a target off the scale, a negative cost.
    pub fn check(&self, [lo, hi]: [f64; 2]) -> Result<()> {
        let bad = |m: String| Err(Error::Usage(format!("scenario '{}': {m}", self.name)));
        match self.change {
            Change::Add(d) if !(d.is_finite() && d > 0.0) => {
                return bad(format!(
                    "a change of {d} points: give a gain above 0 (e.g. 1)"
                ))
            }
            Change::Add(d) if d >= hi - lo => {
                return bad(format!(
                    "a gain of {d} points takes everyone to the top of the scale [{lo}, {hi}] and past it; give a smaller gain, or `to = {hi}`"
                ))
            }
            Change::To(t) if !(t > lo && t <= hi) => {
                return bad(format!(
                    "target {t} is not above the bottom and on the scale [{lo}, {hi}]"
                ))
            }
            Change::Gap(g) if !(g > 0.0 && g <= 1.0) => {
                return bad(format!(
                    "a share of {g} of the distance to the top: give a share in (0, 1], e.g. 0.5"
                ))
            }
            _ => {}
        }
        let c = self.cost;
        for (what, v) in [
            ("fixed cost", c.fixed),
            ("cost per customer", c.per_customer),
            ("cost per point", c.per_point),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return bad(format!("{what} {v}: costs are amounts of 0 or more"));
            }
        }
        Ok(())
    }

    /// A customer's new satisfaction (scaled by `k`: the change times k), capped to the
    /// scale.
    pub fn new_satisfaction(&self, s: f64, [_, hi]: [f64; 2], k: f64) -> f64 {
        let target = match self.change {
            Change::Add(d) => s + k * d,
            Change::To(t) => {
                if s >= t {
                    s
                } else {
                    s + k * (t - s)
                }
            }
            Change::Gap(g) => s + k * g * (hi - s).max(0.0),
        };
        target.min(hi).max(s)
    }

    /// The change in words: "+1 point", "to 8", "50% of the distance to the top".
    pub fn change_words(&self) -> String {
        let what = self.driver.as_deref().unwrap_or("satisfaction");
        let base = match self.change {
            Change::Add(1.0) => "+1 point".to_string(),
            Change::Add(d) => format!("+{d} points"),
            Change::To(t) => format!("raising {what} to {t}"),
            Change::Gap(g) => format!("closing {:.0}% of the distance to the top", g * 100.0),
        };
        match (&self.driver, self.change) {
            (Some(d), Change::Add(_) | Change::Gap(_)) => format!("{base} in {d}"),
            _ => base,
        }
    }

    /// The change and whom it reaches, in words.
    pub fn describe(&self) -> String {
        let what = self.change_words();
        let mut who = Vec::new();
        if let Some(s) = &self.segment {
            who.push(format!("segment {s}"));
        }
        if let Some(r) = &self.rule {
            who.push(r.clone());
        }
        if who.is_empty() {
            format!("{what}, everyone")
        } else {
            format!("{what}, {}", who.join(", "))
        }
    }
}

/// A rule as a polars expression: conditions `COLUMN OP VALUE` joined by `and`, OP one of
/// `<`, `<=`, `>`, `>=`, `=` (or `==`), `!=`; VALUE a number or a quoted text. Columns
/// must be in `schema`.
pub fn rule_expr(rule: &str, schema: &Schema) -> Result<Expr> {
    let mut out: Option<Expr> = None;
    for cond in split_and(rule) {
        let e = condition(cond.trim(), rule, schema)?;
        out = Some(match out {
            Some(o) => o.and(e),
            None => e,
        });
    }
    out.ok_or_else(|| {
        Error::Usage(format!(
            "rule '{rule}' is empty: write e.g. satisfaction < 6"
        ))
    })
}

/// Split on ` and ` (any case) outside quotes; column names may be in any script.
fn split_and(rule: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quote, mut skip_to) = (0, None, 0);
    for (i, c) in rule.char_indices() {
        if i < skip_to {
            continue;
        }
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if rule
                .get(i..i + 5)
                .is_some_and(|w| w.eq_ignore_ascii_case(" and ")) =>
            {
                parts.push(&rule[start..i]);
                start = i + 5;
                skip_to = i + 5;
            }
            None => {}
        }
    }
    parts.push(&rule[start..]);
    parts
}

fn condition(cond: &str, rule: &str, schema: &Schema) -> Result<Expr> {
    const OPS: [&str; 7] = ["<=", ">=", "!=", "==", "<", ">", "="];
    let Some((pos, op)) = cond.char_indices().find_map(|(i, _)| {
        OPS.iter()
            .find(|o| cond[i..].starts_with(*o))
            .map(|o| (i, *o))
    }) else {
        return Err(Error::Usage(format!(
            "rule '{rule}': '{cond}' has no comparison; write COLUMN OP VALUE with OP one of <, <=, >, >=, =, != (e.g. satisfaction < 6, region = \"South\")"
        )));
    };
    let column = cond[..pos].trim().trim_matches('`');
    let value = cond[pos + op.len()..].trim();
    if !schema.contains(column) {
        let names: Vec<&str> = schema.iter_names().map(|s| s.as_str()).collect();
        return Err(Error::Usage(format!(
            "rule '{rule}': no column '{column}' in the customer table{}; columns: {}",
            crate::error::closest(column, names.iter().copied())
                .map(|c| format!(" (did you mean '{c}'?)"))
                .unwrap_or_default(),
            names.join(", ")
        )));
    }
    let quoted = value.len() >= 2
        && ((value.starts_with('"') && value.ends_with('"'))
            || (value.starts_with('\'') && value.ends_with('\'')));
    let (lhs, rhs) = if quoted {
        (
            col(column).cast(DataType::String),
            lit(value[1..value.len() - 1].to_string()),
        )
    } else {
        let v: f64 = value.parse().map_err(|_| {
            Error::Usage(format!(
                "rule '{rule}': '{value}' is neither a number nor a quoted text (write \"South\" for text)"
            ))
        })?;
        (col(column).cast(DataType::Float64), lit(v))
    };
    Ok(match op {
        "<" => lhs.lt(rhs),
        "<=" => lhs.lt_eq(rhs),
        ">" => lhs.gt(rhs),
        ">=" => lhs.gt_eq(rhs),
        "!=" => lhs.neq(rhs),
        _ => lhs.eq(rhs),
    })
}

/// Which rows of `df` a scenario reaches (its segment and rule; a missing value in a
/// rule's column does not select).
pub fn selected(df: &DataFrame, scenario: &Scenario, segment_col: &str) -> Result<Vec<bool>> {
    let schema = df.schema();
    let mut e = lit(true);
    if let Some(s) = &scenario.segment {
        e = e.and(col(segment_col).cast(DataType::String).eq(lit(s.clone())));
    }
    if let Some(r) = &scenario.rule {
        e = e.and(rule_expr(r, schema)?);
    }
    let mask = df
        .clone()
        .lazy()
        .select([e.fill_null(lit(false)).alias("__in")])
        .collect()?;
    let c = mask.column("__in")?.bool()?.clone();
    let n = df.height();
    let out: Vec<bool> = if c.len() == 1 && n != 1 {
        vec![c.get(0).unwrap_or(false); n]
    } else {
        c.iter().map(|v| v.unwrap_or(false)).collect()
    };
    Ok(out)
}

/// The scenarios of a study's `[invest]` section.
pub fn from_study(spec: &crate::data::study::InvestSpec) -> Result<Vec<Scenario>> {
    spec.scenarios
        .iter()
        .map(|s| {
            let change = match (s.add, s.to, s.gap) {
                (Some(d), None, None) => Change::Add(d),
                (None, Some(t), None) => Change::To(t),
                (None, None, Some(g)) => Change::Gap(g),
                _ => {
                    return Err(Error::Usage(format!(
                        "[[invest.scenario]] '{}': give exactly one of add = POINTS, to = TARGET or gap = SHARE",
                        s.name
                    )))
                }
            };
            Ok(Scenario {
                name: s.name.clone(),
                change,
                segment: s.segment.clone(),
                rule: s.rule.clone(),
                cost: Cost {
                    fixed: s.fixed_cost,
                    per_customer: s.cost_per_customer,
                    per_point: s.cost_per_point,
                },
                driver: s.driver.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_split_on_and_outside_quotes_in_any_script() {
        assert_eq!(
            split_and("满意度 < 6 AND 地区 = \"南 and 北\""),
            vec!["满意度 < 6", "地区 = \"南 and 北\""]
        );
        let schema = Schema::from_iter([
            Field::new("满意度".into(), DataType::Float64),
            Field::new("region".into(), DataType::String),
        ]);
        assert!(rule_expr("满意度 < 6 and region = 'South'", &schema).is_ok());
        let e = rule_expr("满意 < 6", &schema).unwrap_err().to_string();
        assert!(e.contains("no column '满意'"), "{e}");
        assert!(rule_expr("region ~ 3", &schema).is_err());
    }
}
