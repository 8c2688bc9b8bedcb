//! The chain study's plain-language summary: the bottom line a manager needs (the total
//! effect of satisfaction on profit per segment, with its interval), pooled results that
//! reverse, and one line per hypothesis comparing two segments.
//!
//! Effects are said in the units of the data: share of wallet is a fraction, so its slopes
//! are given per 10 percentage points; satisfaction per point of its scale. A hypothesis
//! that is significant in the negative direction "reverses"; it is never called "holds".

use super::{ChainOptions, Comparison, Hypothesis, SegmentResult};
use crate::format::{amount, pvalue, thousands};

/// `+1.23` / `-1.23` with thousands separators.
pub fn signed(x: f64) -> String {
    let s = amount(x, 3);
    if x > 0.0 {
        format!("+{s}")
    } else {
        s
    }
}

pub fn p_text(p: Option<f64>) -> String {
    match p {
        Some(p) => {
            let s = pvalue(p);
            match s.strip_prefix('<') {
                Some(rest) => format!("p < {rest}"),
                None => format!("p = {s}"),
            }
        }
        None => String::new(),
    }
}

/// The step a hypothesis's effect is stated per: 10 percentage points (0.1) of share of
/// wallet for H1 and H4, whose x is share of wallet; one unit otherwise.
pub fn effect_step(id: &str) -> f64 {
    if id == "H1" || id == "H4" {
        0.1
    } else {
        1.0
    }
}

/// How an amount reads with the study's unit: `+30.9 USD k` (or just `+30.9`).
fn money(x: f64, units: Option<&str>) -> String {
    match units {
        Some(u) => format!("{} {u}", signed(x)),
        None => signed(x),
    }
}

/// The evidence behind a hypothesis verdict, in the data's units: share-of-wallet effects
/// per 10 percentage points, with the per-unit coefficient of the tables beside them so the
/// two never look inconsistent; money in the study's unit; Y as the outcome names it.
pub fn evidence(h: &Hypothesis) -> String {
    evidence_in(h, "profit", None)
}

/// [`evidence`] for outcome `y` (`profit` or `CLV`) and money unit `units`.
pub fn evidence_in(h: &Hypothesis, y: &str, units: Option<&str>) -> String {
    let scale = effect_step(&h.id);
    let (what, money_effect) = match h.id.as_str() {
        "H1" => (
            " revenue per 10 percentage points of share of wallet".to_string(),
            true,
        ),
        "H2" => (format!(" {y} per unit of revenue"), false),
        "H3" => (" revenue per satisfaction point".to_string(), true),
        "H4" => (
            format!(" {y} per 10 percentage points of share of wallet"),
            true,
        ),
        _ => (String::new(), false),
    };
    let value = |x: f64| {
        if money_effect {
            money(x, units)
        } else {
            signed(x)
        }
    };
    let per_unit = if scale != 1.0 {
        format!(", i.e. {} per unit as in the tables", amount(h.estimate, 4))
    } else {
        String::new()
    };
    match (h.ci_low, h.ci_high) {
        (Some(lo), Some(hi)) => format!(
            "indirect effect {}{what}{per_unit}, CI [{}, {}]",
            value(h.estimate * scale),
            amount(lo * scale, 3),
            amount(hi * scale, 3)
        ),
        _ if h.id == "H3" || h.id == "H4" => format!(
            "indirect effect {}{what}{per_unit}, Sobel {}",
            value(h.estimate * scale),
            p_text(h.p_value)
        ),
        _ => format!(
            "{}{what}{per_unit}, {}",
            value(h.estimate * scale),
            p_text(h.p_value)
        ),
    }
}

/// One plain-language line comparing a hypothesis across two segments.
pub fn comparison_line(ha: &Hypothesis, a: &str, hb: &Hypothesis, b: &str) -> String {
    comparison_line_in(ha, a, hb, b, "profit", None)
}

/// [`comparison_line`] for outcome `y` and money unit `units`.
pub fn comparison_line_in(
    ha: &Hypothesis,
    a: &str,
    hb: &Hypothesis,
    b: &str,
    y: &str,
    units: Option<&str>,
) -> String {
    let (ea, eb) = (evidence_in(ha, y, units), evidence_in(hb, y, units));
    let id = &ha.id;
    match (ha.verdict.as_str(), hb.verdict.as_str()) {
        ("supported", "supported") => {
            format!("{id} holds for both {a} ({ea}) and {b} customers ({eb}).")
        }
        ("reversed", "reversed") => {
            format!("{id} reverses for both {a} ({ea}) and {b} customers ({eb}).")
        }
        ("supported", "reversed") => {
            format!("{id} holds for {a} customers ({ea}) but reverses for {b} ones ({eb}).")
        }
        ("reversed", "supported") => {
            format!("{id} holds for {b} customers ({eb}) but reverses for {a} ones ({ea}).")
        }
        ("supported", _) => {
            format!("{id} holds for {a} customers ({ea}) but not for {b} ones ({eb}).")
        }
        (_, "supported") => {
            format!("{id} holds for {b} customers ({eb}) but not for {a} ones ({ea}).")
        }
        ("reversed", _) => format!(
            "{id} reverses for {a} customers ({ea}) and is not supported for {b} ones ({eb})."
        ),
        (_, "reversed") => format!(
            "{id} reverses for {b} customers ({eb}) and is not supported for {a} ones ({ea})."
        ),
        _ => format!("{id} is supported for neither {a} ({ea}) nor {b} customers ({eb})."),
    }
}

/// The numbers behind a segment's bottom line, for any language's sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct BottomLine {
    /// Total effect of one satisfaction point on profit, and its interval.
    pub estimate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// True for the bootstrap percentile interval, false for the regression's t interval.
    pub bootstrap: bool,
    /// +1: more satisfied customers are more profitable; -1: less; 0: no clear link.
    pub reading: i8,
    /// The part through share of wallet and revenue (total indirect effect), with its
    /// interval when finite.
    pub via: Option<(f64, Option<(f64, f64)>)>,
    /// The direct effect c' (satisfaction → profit with share of wallet and revenue held).
    pub direct: f64,
}

impl BottomLine {
    /// The indirect and direct effects pull in opposite directions (inconsistent
    /// mediation): the indirect part is then no share of the whole and must not read as one.
    pub fn inconsistent(&self) -> bool {
        match self.via {
            Some((v, _)) => v * self.direct < 0.0,
            None => false,
        }
    }
}

/// The total effect of satisfaction on profit in one segment, with its interval: the
/// bootstrap percentile interval when resampled, else the regression's t interval.
pub fn bottom_line_parts(s: &SegmentResult) -> Option<BottomLine> {
    let m = s.mediation.as_ref()?;
    let (lo, hi, bootstrap) = match &m.total_effect_interval {
        Some(i) if i.ci_low.is_finite() && i.ci_high.is_finite() => (i.ci_low, i.ci_high, true),
        _ => {
            let t = s
                .regressions
                .iter()
                .find(|r| r.model == "T_profit_sat")?
                .result
                .term("satisfaction")?;
            (t.ci_low, t.ci_high, false)
        }
    };
    let via = m
        .indirect_effects
        .iter()
        .find(|e| e.path == "total indirect")
        .map(|e| {
            let i = &e.interval;
            let ci =
                (i.ci_low.is_finite() && i.ci_high.is_finite()).then_some((i.ci_low, i.ci_high));
            (i.estimate, ci)
        });
    Some(BottomLine {
        estimate: m.total_effect.estimate,
        direct: m.direct_effect.estimate,
        ci_low: lo,
        ci_high: hi,
        bootstrap,
        reading: if lo > 0.0 {
            1
        } else if hi < 0.0 {
            -1
        } else {
            0
        },
        via,
    })
}

/// Customers a segment needs per coefficient of its profit equation for a bottom line:
/// below, its paths are estimated and shown, but a one-sentence verdict on them would be
/// noise presented as a finding (40 segments of 7 customers would each get one).
pub const MIN_PER_COEFFICIENT: usize = 5;

/// The customers a bottom line needs in `s` (5 per coefficient of its profit equation).
pub fn bottom_line_minimum(s: &SegmentResult) -> usize {
    let k = s
        .regressions
        .iter()
        .find(|r| r.model == "Y")
        .map_or(4, |r| r.result.terms.len());
    MIN_PER_COEFFICIENT * k
}

fn bottom_line(s: &SegmentResult, opts: &ChainOptions) -> Option<String> {
    let who = if s.name == "all" {
        "all customers".to_string()
    } else {
        format!("{} customers", s.name)
    };
    let min = bottom_line_minimum(s);
    if s.n < min {
        return Some(format!(
            "No bottom line for {who} (n = {}): too few customers; a bottom line needs at least {min} ({MIN_PER_COEFFICIENT} per coefficient of the profit equation). Its estimates are in the tables.",
            s.n
        ));
    }
    let b = bottom_line_parts(s)?;
    let y = super::outcome_word(opts);
    let units = opts.units.as_deref();
    let reading = match (b.reading, y) {
        (1, "CLV") => "more satisfied customers have a higher CLV".to_string(),
        (-1, "CLV") => "more satisfied customers have a LOWER CLV".to_string(),
        (_, "CLV") => "no clear link between satisfaction and CLV".to_string(),
        (1, _) => "more satisfied customers are more profitable".to_string(),
        (-1, _) => "more satisfied customers are LESS profitable".to_string(),
        _ => "no clear link between satisfaction and profit".to_string(),
    };
    let interval = |lo: f64, hi: f64| format!("[{}, {}]", amount(lo, 3), amount(hi, 3));
    let via = match b.via {
        // Inconsistent mediation: the two paths pull in opposite directions.
        Some((est, ci)) if b.inconsistent() => format!(
            "; the indirect path through share of wallet and revenue ({}{}) and the direct path ({}) pull in opposite directions",
            money(est, units),
            ci.map(|(lo, hi)| format!(" {}", interval(lo, hi))).unwrap_or_default(),
            money(b.direct, units)
        ),
        Some((est, Some((lo, hi)))) => format!(
            "; of this, {} {} runs through share of wallet and revenue",
            money(est, units),
            interval(lo, hi)
        ),
        Some((est, None)) => format!(
            "; of this, {} runs through share of wallet and revenue",
            money(est, units)
        ),
        None => String::new(),
    };
    Some(format!(
        "Bottom line, {who} (n = {}): {reading} — one more satisfaction point goes with {} {y} ({:.0}% {} CI {}){via}.",
        thousands(s.n as f64, 0),
        money(b.estimate, units),
        opts.confidence * 100.0,
        if b.bootstrap { "bootstrap" } else { "regression" },
        interval(b.ci_low, b.ci_high)
    ))
}

/// The whole summary of a chain run.
pub fn summary(
    segments: &[SegmentResult],
    comparisons: &[Comparison],
    opts: &ChainOptions,
) -> Vec<String> {
    let mut out = Vec::new();
    let analysed: Vec<&SegmentResult> = segments.iter().filter(|s| s.error.is_none()).collect();
    let split = analysed.iter().any(|s| s.name != "all");
    // Segments first, the pooled group last.
    for s in analysed
        .iter()
        .filter(|s| s.name != "all")
        .chain(analysed.iter().filter(|s| s.name == "all"))
    {
        out.extend(bottom_line(s, opts));
    }
    if split {
        if let Some(all) = analysed.iter().find(|s| s.name == "all") {
            for h in all.hypotheses.iter().filter(|h| h.verdict == "reversed") {
                out.push(format!(
                    "Pooled over all customers, {} reverses: \"{}\" is contradicted by a significant negative effect ({}). The segment results show where this comes from.",
                    h.id,
                    h.statement,
                    evidence_in(h, super::outcome_word(opts), opts.units.as_deref())
                ));
            }
        }
    }
    for s in segments.iter().filter(|s| s.error.is_some()) {
        out.push(format!(
            "Segment '{}' was not analysed: {}",
            s.name,
            s.error.as_deref().unwrap_or("")
        ));
    }
    if comparisons.is_empty() {
        // No pair of segments: one line per hypothesis of each analysed segment.
        for s in &analysed {
            for h in &s.hypotheses {
                out.push(format!(
                    "{} ({}): {} — {} ({}).",
                    h.id,
                    s.name,
                    h.statement,
                    h.verdict,
                    evidence_in(h, super::outcome_word(opts), opts.units.as_deref())
                ));
            }
        }
    }
    for c in comparisons {
        out.extend(c.summary.iter().cloned());
    }
    out
}
