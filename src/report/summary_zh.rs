//! The chain report's plain-language summary written in Chinese: the same findings as
//! `analysis::chain_summary` (bottom line per segment, pooled reversals, each hypothesis
//! across two segments), composed as Chinese sentences rather than translated word by word.
//! Terms follow `shared/glossary-zh.md`.

use crate::analysis::chain::{ChainResult, Hypothesis};
use crate::analysis::chain_summary::{
    bottom_line_minimum, bottom_line_parts, effect_step, p_text, signed, MIN_PER_COEFFICIENT,
};
use crate::format::{amount, thousands};

use super::i18n::Lang;

const ZH: Lang = Lang::Zh;

/// An amount with the study's unit: `+30.9 万元`.
fn money(x: f64, units: Option<&str>) -> String {
    match units {
        Some(u) => format!("{} {u}", signed(x)),
        None => signed(x),
    }
}

/// The evidence behind a verdict, in the data's units (share of wallet per 10 points, with
/// the per-unit coefficient of the tables), for outcome `y` (客户利润 or CLV).
fn evidence(h: &Hypothesis, y: &str, units: Option<&str>) -> String {
    let scale = effect_step(&h.id);
    let (unit, money_effect) = match h.id.as_str() {
        "H1" => (
            "花费份额每增加 10 个百分点，客户消费额变化".to_string(),
            true,
        ),
        "H2" => (format!("客户消费额每增加 1 个单位，{y}变化"), false),
        "H3" => (
            "客户满意度每提高 1 分，经花费份额带来的客户消费额变化".to_string(),
            true,
        ),
        "H4" => (
            format!("花费份额每增加 10 个百分点，经客户消费额带来的{y}变化"),
            true,
        ),
        _ => ("效应".to_string(), false),
    };
    let value = |x: f64| {
        if money_effect {
            money(x, units)
        } else {
            signed(x)
        }
    };
    let per_unit = if scale != 1.0 {
        format!("（即表中每单位花费份额 {}）", amount(h.estimate, 4))
    } else {
        String::new()
    };
    match (h.ci_low, h.ci_high) {
        (Some(lo), Some(hi)) => format!(
            "间接效应：{unit} {}{per_unit}，置信区间 [{}, {}]",
            value(h.estimate * scale),
            amount(lo * scale, 3),
            amount(hi * scale, 3)
        ),
        _ => format!(
            "{unit} {}{per_unit}，{}",
            value(h.estimate * scale),
            p_text(h.p_value)
        ),
    }
}

fn verdict_phrase(v: &str) -> &'static str {
    match v {
        "supported" => "成立",
        "reversed" => "方向相反（显著为负）",
        _ => "不成立",
    }
}

/// A hypothesis statement, with the outcome named as the run models it.
fn statement(id: &str, y: &str) -> String {
    ZH.t(&format!("hyp_{id}")).replace("客户利润", y)
}

/// One line comparing a hypothesis across two segments.
fn comparison_line(
    ha: &Hypothesis,
    a: &str,
    hb: &Hypothesis,
    b: &str,
    y: &str,
    units: Option<&str>,
) -> String {
    let id = ha.id.trim_start_matches('H');
    let st = statement(&ha.id, y);
    if ha.verdict == hb.verdict {
        format!(
            "假设{id}（{st}）在{a}（{}）和{b}（{}）中均{}。",
            evidence(ha, y, units),
            evidence(hb, y, units),
            verdict_phrase(&ha.verdict)
        )
    } else {
        format!(
            "假设{id}（{st}）在{a}中{}（{}），在{b}中{}（{}）。",
            verdict_phrase(&ha.verdict),
            evidence(ha, y, units),
            verdict_phrase(&hb.verdict),
            evidence(hb, y, units)
        )
    }
}

/// The whole summary, in Chinese.
pub fn summary(chain: &ChainResult) -> Vec<String> {
    let opts = &chain.options;
    let mut out = Vec::new();
    let analysed: Vec<_> = chain
        .segments
        .iter()
        .filter(|s| s.error.is_none())
        .collect();
    let split = analysed.iter().any(|s| s.name != "all");
    let y = if opts.outcome == "clv" {
        "客户生命周期价值"
    } else {
        "客户利润"
    };
    let units = opts.units.as_deref();
    if opts.outcome == "clv" {
        out.push("结果变量：客户生命周期价值（CLV，来自交易记录）取代客户利润进入 Y 方程；模型名称和路径中的“客户利润”应读作 CLV。细分群体仍按观察到的客户利润划分。".to_string());
        if let Some(m) = &opts.outcome_model {
            out.push(match m.split_once(" with covariates (") {
                Some((model, names)) => format!(
                    "每位客户的 CLV 来自含协变量（{}）的 {model}，因此协变量对购买与流失的影响按模型构造已包含在结果变量中。",
                    names.trim_end_matches(')')
                ),
                None => format!(
                    "每位客户的 CLV 来自不含协变量的 {}。",
                    m.trim_end_matches(" without covariates")
                ),
            });
        }
    }
    for s in analysed
        .iter()
        .filter(|s| s.name != "all")
        .chain(analysed.iter().filter(|s| s.name == "all"))
    {
        let min = bottom_line_minimum(s);
        if s.n < min {
            out.push(format!(
                "{}（n = {}）客户过少，不给出结论：结论至少需要 {min} 位客户（利润方程每个系数 {MIN_PER_COEFFICIENT} 位）。其估计见各表。",
                ZH.name(&s.name),
                thousands(s.n as f64, 0)
            ));
            continue;
        }
        let Some(b) = bottom_line_parts(s) else {
            continue;
        };
        let reading = match (b.reading, opts.outcome == "clv") {
            (1, true) => "满意度越高的客户，客户生命周期价值越高",
            (-1, true) => "满意度越高的客户，客户生命周期价值反而越低",
            (_, true) => "客户满意度与客户生命周期价值之间没有明确关系",
            (1, _) => "满意度越高的客户越盈利",
            (-1, _) => "满意度越高的客户反而越不盈利",
            _ => "客户满意度与客户利润之间没有明确关系",
        };
        let via = match b.via {
            Some((est, ci)) if b.inconsistent() => format!(
                "；经由花费份额和客户消费额的间接路径（{}{}）与直接路径（{}）方向相反",
                money(est, units),
                ci.map(|(lo, hi)| format!(" [{}, {}]", amount(lo, 3), amount(hi, 3)))
                    .unwrap_or_default(),
                money(b.direct, units)
            ),
            Some((est, Some((lo, hi)))) => format!(
                "；其中 {} [{}, {}] 经由花费份额和客户消费额传导",
                money(est, units),
                amount(lo, 3),
                amount(hi, 3)
            ),
            Some((est, None)) => {
                format!("；其中 {} 经由花费份额和客户消费额传导", money(est, units))
            }
            None => String::new(),
        };
        out.push(format!(
            "结论（{}，n = {}）：{reading}——客户满意度每提高 1 分，{y}变化 {}（{:.0}% {}置信区间 [{}, {}]）{via}。",
            ZH.name(&s.name),
            thousands(s.n as f64, 0),
            money(b.estimate, units),
            opts.confidence * 100.0,
            if b.bootstrap { "自助法" } else { "回归" },
            amount(b.ci_low, 3),
            amount(b.ci_high, 3)
        ));
    }
    if split {
        if let Some(all) = analysed.iter().find(|s| s.name == "all") {
            for h in all.hypotheses.iter().filter(|h| h.verdict == "reversed") {
                out.push(format!(
                    "将全部客户合并分析时，假设{}（{}）方向相反：效应显著为负（{}）。分细分群体的结果说明了原因。",
                    h.id.trim_start_matches('H'),
                    statement(&h.id, y),
                    evidence(h, y, units)
                ));
            }
        }
    }
    for s in chain.segments.iter().filter(|s| s.error.is_some()) {
        out.push(format!(
            "细分群体“{}”未能分析：{}",
            ZH.name(&s.name),
            s.error.as_deref().unwrap_or("")
        ));
    }
    let named: Vec<_> = analysed.iter().filter(|s| s.name != "all").collect();
    if named.len() < 2 {
        for s in &analysed {
            for h in &s.hypotheses {
                out.push(format!(
                    "假设{}（{}）：{}——{}（{}）。",
                    h.id.trim_start_matches('H'),
                    ZH.name(&s.name),
                    statement(&h.id, y),
                    ZH.verdict(&h.verdict),
                    evidence(h, y, units)
                ));
            }
        }
    }
    for c in &chain.comparisons {
        let (Some(sa), Some(sb)) = (
            analysed.iter().find(|s| s.name == c.segment_a),
            analysed.iter().find(|s| s.name == c.segment_b),
        ) else {
            continue;
        };
        for (ha, hb) in sa.hypotheses.iter().zip(&sb.hypotheses) {
            out.push(comparison_line(
                ha,
                &ZH.name(&sa.name),
                hb,
                &ZH.name(&sb.name),
                y,
                units,
            ));
        }
    }
    out
}
