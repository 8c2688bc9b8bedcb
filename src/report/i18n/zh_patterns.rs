//! Chinese for the messages the analysis layer writes as English sentences (diagnostics,
//! drop reasons, warnings and notes, driver quadrants). Each entry pairs the English form,
//! with `{}` where a value goes, and the Chinese sentence, with `{0}`, `{1}`... in Chinese
//! word order. A message that matches no entry stays as written (and a test runs the
//! bundled samples' Chinese reports to catch English left over).

/// (English pattern, Chinese sentence).
const PATTERNS: &[(&str, &str)] = &[
    // Diagnostics rows.
    ("rows read from {}", "从 {0} 读取的行数"),
    ("customers read", "读取的客户数"),
    ("distinct customers read", "读取的不重复客户数"),
    ("customers in every table", "各表均有的客户数"),
    ("analysed in segment '{}'", "“{0}”纳入分析的客户数"),
    ("analysed in total", "纳入分析的客户合计"),
    ("dropped: {}", "剔除：{0}"),
    // Drop reasons.
    ("missing id in '{}'", "客户编号列“{0}”为空"),
    ("missing or non-finite value in '{}'", "“{0}”缺失或不是有限数值"),
    (
        "share of wallet not computable (missing revenue or '{}' missing/not positive)",
        "无法计算花费份额（客户消费额缺失，或“{0}”缺失或不为正）",
    ),
    ("id in '{}' but not in '{}'", "客户编号在“{0}”中有，在“{1}”中没有"),
    ("id not in '{}' (present in another table)", "客户编号不在“{0}”中（出现在其他表中）"),
    ("respondent has no valid '{}' rating", "受访者没有有效的“{0}”评分"),
    ("no respondent with a valid '{}' rating", "没有受访者给出有效的“{0}”评分"),
    ("fewer than {} valid respondents (min_respondents)", "有效受访者少于 {0} 人（min_respondents）"),
    // Notes and warnings of the build.
    (
        "table '{}': {} cell{} of '{}' held a declared missing code ({}) and {} read as missing",
        "表“{0}”：“{3}”中有 {1} 个单元格为声明的缺失值代码（{4}），已按缺失值处理",
    ),
    (
        "table '{}': non-numeric column(s) {} not aggregated to customers",
        "表“{0}”：非数值列 {1} 未汇总到客户层面",
    ),
    (
        "table '{}': {} id{} with surrounding spaces trimmed (e.g. {})",
        "表“{0}”：{1} 个客户编号去除了首尾空格（例如 {3}）",
    ),
    (
        "{} customers have share of wallet outside [0, 1], kept because allow_out_of_range is set (e.g. {})",
        "{0} 位客户的花费份额超出 [0, 1]，因设置了 allow_out_of_range 而保留（例如 {1}）",
    ),
    (
        "{} customers have satisfaction outside the declared scale {} (kept; e.g. {})",
        "{0} 位客户的客户满意度超出声明的量表 {1}（已保留；例如 {2}）",
    ),
    (
        "the segment rule '{}' puts every customer in one segment ('{}'), so no segments are compared; choose another rule or use `none`",
        "细分规则“{0}”把全部客户归入同一个细分群体（“{1}”），因此不作细分群体比较；请换一种规则，或使用 `none`",
    ),
    (
        "CLV uses each customer's margin, profit / revenue; {} customers with revenue ≤ 0 get margin 0",
        "客户生命周期价值按每位客户自身的利润率（客户利润 / 客户消费额）计算；{0} 位客户消费额 ≤ 0 的客户利润率记为 0",
    ),
    (
        "CLV uses each customer's margin, profit / revenue",
        "客户生命周期价值按每位客户自身的利润率（客户利润 / 客户消费额）计算",
    ),
    (
        "frequency and mean spend correlate (r = {}): the Gamma-Gamma model assumes they are independent",
        "购买频次与平均消费额相关（r = {0}）：Gamma-Gamma 模型假定二者相互独立",
    ),
    // Workbook overview headings.
    ("Satisfaction → share of wallet → revenue → profit: {}", "客户满意度 → 花费份额 → 客户消费额 → 客户利润：{0}"),
    ("Summary", "结论摘要"),
    ("Warning: {}", "警告：{0}"),
    ("Customers analysed", "纳入分析的客户"),
    ("Segments: size and profit", "细分群体：规模与利润"),
    ("Satisfaction metrics by segment ({})", "各细分群体的满意度指标（按{0}计）"),
    ("Key drivers of '{}' by segment", "各细分群体中“{0}”的关键驱动因素"),
    ("respondents", "受访者"),
    // Hypotheses (statements and verdicts in the tables).
    ("Share of wallet is positively related to revenue", "花费份额与客户消费额正相关"),
    ("Revenue is positively related to profit", "客户消费额与客户利润正相关"),
    ("Share of wallet mediates satisfaction -> revenue", "花费份额在客户满意度对客户消费额的影响中起中介作用"),
    ("Revenue mediates share of wallet -> profit", "客户消费额在花费份额对客户利润的影响中起中介作用"),
    ("supported", "支持"),
    ("not supported", "不支持"),
    ("reversed", "相反（显著负相关）"),
    // The whale curve's base.
    ("total profit", "总利润"),
    ("profit of the profitable customers", "盈利总额"),
    // Optimiser status.
    ("converged", "收敛"),
    // Metrics notes.
    ("lower effort is better", "分数越低越省力"),
    ("group '{}': no {} responses; {} left out", "组别“{0}”：没有 {1} 的回答，不计算 {2}"),
    // Diagnostics stages.
    ("all tables", "全部表"),
    ("join", "合并"),
    ("customers", "客户"),
    ("warning", "警告"),
    ("note", "说明"),
    // Driver quadrants.
    ("strength: keep up", "优势：继续保持"),
    ("priority: improve", "优先改进"),
    ("low priority", "次要"),
    ("maintain: possible overkill", "维持：可能投入过度"),
    ("not distinguishable (importance)", "无法区分（重要性区间跨越均值线）"),
    ("not distinguishable (performance)", "无法区分（表现区间跨越均值线）"),
    ("not distinguishable (both)", "无法区分（重要性与表现区间均跨越均值线）"),
];

/// The values a message fills into `pattern`'s `{}` slots, if it has that form.
fn captures(pattern: &str, message: &str) -> Option<Vec<String>> {
    let parts: Vec<&str> = pattern.split("{}").collect();
    let mut rest = message.strip_prefix(parts[0])?;
    let mut out = Vec::new();
    for (i, lit) in parts.iter().enumerate().skip(1) {
        let last = i == parts.len() - 1;
        let at = if last {
            if !rest.ends_with(lit) {
                return None;
            }
            rest.len() - lit.len()
        } else if lit.is_empty() {
            0
        } else {
            rest.find(lit)?
        };
        out.push(rest[..at].to_string());
        rest = &rest[at + lit.len()..];
    }
    (parts.len() > 1 || rest.is_empty()).then_some(out)
}

/// `message` in Chinese when it has a known form; `name` translates captured names
/// (segments, roles); captured reasons are translated in turn.
pub fn translate(message: &str, name: &dyn Fn(&str) -> String) -> Option<String> {
    PATTERNS.iter().find_map(|(en, zh)| {
        let caps = captures(en, message)?;
        let mut s = zh.to_string();
        for (i, c) in caps.iter().enumerate() {
            let shown = translate(c, name).unwrap_or_else(|| name(c));
            s = s.replace(&format!("{{{i}}}"), &shown);
        }
        Some(s)
    })
}

#[cfg(test)]
mod tests {
    use super::translate;

    fn zh(s: &str) -> Option<String> {
        translate(s, &|n: &str| {
            if n == "profitable" {
                "盈利性客户".into()
            } else {
                n.into()
            }
        })
    }

    #[test]
    fn known_messages_read_as_chinese() {
        assert_eq!(
            zh("analysed in segment 'profitable'").unwrap(),
            "“盈利性客户”纳入分析的客户数"
        );
        assert_eq!(
            zh("dropped: missing or non-finite value in 'revenue'").unwrap(),
            "剔除：“revenue”缺失或不是有限数值"
        );
        assert_eq!(
            zh("id in 'survey' but not in 'accounts'").unwrap(),
            "客户编号在“survey”中有，在“accounts”中没有"
        );
        assert_eq!(zh("customers").unwrap(), "客户");
        assert!(
            zh("customers read extra").is_none(),
            "a whole-message match only"
        );
        assert!(zh("something new").is_none());
    }
}
