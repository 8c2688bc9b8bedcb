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

/// The evidence behind a hypothesis verdict, in the data's units.
pub fn evidence(h: &Hypothesis) -> String {
    let scale = effect_step(&h.id);
    let unit = match h.id.as_str() {
        "H1" => " revenue per 10 percentage points of share of wallet",
        "H2" => " profit per unit of revenue",
        "H3" => " revenue per satisfaction point",
        "H4" => " profit per 10 percentage points of share of wallet",
        _ => "",
    };
    match (h.ci_low, h.ci_high) {
        (Some(lo), Some(hi)) => format!(
            "indirect effect {}{unit}, CI [{}, {}]",
            signed(h.estimate * scale),
            amount(lo * scale, 3),
            amount(hi * scale, 3)
        ),
        _ if h.id == "H3" || h.id == "H4" => format!(
            "indirect effect {}{unit}, Sobel {}",
            signed(h.estimate * scale),
            p_text(h.p_value)
        ),
        _ => format!(
            "{}{unit}, {}",
            signed(h.estimate * scale),
            p_text(h.p_value)
        ),
    }
}

/// One plain-language line comparing a hypothesis across two segments.
pub fn comparison_line(ha: &Hypothesis, a: &str, hb: &Hypothesis, b: &str) -> String {
    let (ea, eb) = (evidence(ha), evidence(hb));
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

fn bottom_line(s: &SegmentResult, opts: &ChainOptions) -> Option<String> {
    let b = bottom_line_parts(s)?;
    let reading = match b.reading {
        1 => "more satisfied customers are more profitable",
        -1 => "more satisfied customers are LESS profitable",
        _ => "no clear link between satisfaction and profit",
    };
    let who = if s.name == "all" {
        "all customers".to_string()
    } else {
        format!("{} customers", s.name)
    };
    let via = match b.via {
        Some((est, Some((lo, hi)))) => format!(
            "; of this, {} [{}, {}] runs through share of wallet and revenue",
            signed(est),
            amount(lo, 3),
            amount(hi, 3)
        ),
        Some((est, None)) => format!(
            "; of this, {} runs through share of wallet and revenue",
            signed(est)
        ),
        None => String::new(),
    };
    Some(format!(
        "Bottom line, {who} (n = {}): {reading} — one more satisfaction point goes with {} profit ({:.0}% {} CI [{}, {}]){via}.",
        thousands(s.n as f64, 0),
        signed(b.estimate),
        opts.confidence * 100.0,
        if b.bootstrap { "bootstrap" } else { "regression" },
        amount(b.ci_low, 3),
        amount(b.ci_high, 3)
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
                    evidence(h)
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
                    evidence(h)
                ));
            }
        }
    }
    for c in comparisons {
        out.extend(c.summary.iter().cloned());
    }
    out
}
