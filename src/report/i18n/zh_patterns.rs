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
    // Covariates in the lifetime models and contractual retention.
    (
        "{} customers without a value of every covariate ({}): left out of the covariate model (the model without covariates was refitted on the same {} customers for the likelihood-ratio test; their per-customer predictions are the model without covariates')",
        "{0} 位客户缺少某个协变量（{1}）的取值：未纳入协变量模型（为进行似然比检验，不含协变量的模型已在同样的 {2} 位客户上重新拟合；这些客户的逐客户预测沿用不含协变量的模型）",
    ),
    (
        "{} customers without a value of {}: left out of the covariate model (the model without covariates was refitted on the same {} customers for the likelihood-ratio test; the fits per group use everyone)",
        "{0} 位客户缺少 {1} 的取值：未纳入协变量模型（为进行似然比检验，不含协变量的模型已在同样的 {2} 位客户上重新拟合；各组拟合使用全部客户）",
    ),
    ("covariate model: {}", "协变量模型：{0}"),
    (
        "{} repeat customers without a value of every spend covariate: left out of the spend model with covariates (their expected spend is the model without covariates')",
        "{0} 位重复购买客户缺少某个消费额协变量的取值：未纳入含协变量的消费额模型（其预期消费额沿用不含协变量的模型）",
    ),
    ("spend model with covariates: {}", "含协变量的消费额模型：{0}"),
    ("covariate model in segment '{}': {}", "细分群体“{0}”的协变量模型：{1}"),
    ("covariate model in segment '{}' not fitted: {}", "细分群体“{0}”的协变量模型未拟合：{1}"),
    (
        "{} of {} subscribers in {} are not in the study's customer table: they count in 'all' only, and without covariate values",
        "{2} 中的 {1} 位订阅客户里有 {0} 位不在研究的客户表中：他们只计入“all”，且没有协变量取值",
    ),
    ("segment '{}' not fitted: {}", "细分群体“{0}”未拟合：{1}"),
    // Segments found from the data (analysis::segments::found).
    (
        "segments found from the data: the {} leaves of a model tree of {} over {}. The chain is then fitted on the same customers, so its intervals and tests within these segments do not account for the search",
        "细分群体由数据找出：{1}在 {2} 上的模型树的 {0} 个叶节点。链条随后在同一批客户上拟合，因此这些细分群体内的置信区间和检验未考虑这一搜索过程",
    ),
    (
        "segments found from the data: the leaves of the tree saved in {}. The chain is then fitted on the same customers, so its intervals and tests within these segments do not account for the search",
        "细分群体由数据找出：保存在 {0} 中的模型树的叶节点。链条随后在同一批客户上拟合，因此这些细分群体内的置信区间和检验未考虑这一搜索过程",
    ),
    (
        "segments found from the data: the most probable of {} latent classes of a finite mixture of {}; the classes are estimates (the posterior probabilities say how sure). The chain is then fitted on the same customers, so its intervals and tests within these segments do not account for the search",
        "细分群体由数据找出：{1}的有限混合回归的 {0} 个潜在类别中后验归属概率最高的类别；潜在类别是估计结果（后验归属概率说明其确定程度）。链条随后在同一批客户上拟合，因此这些细分群体内的置信区间和检验未考虑这一搜索过程",
    ),
    (
        "the model tree of {} over {} found no split (no partitioning variable's instability test reached alpha {}): every customer is in one segment",
        "{0}在 {1} 上的模型树没有找到分割（没有分割变量的参数不稳定性检验达到显著性水平 {2}）：全部客户属于同一个细分群体",
    ),
    (
        "no value in a partitioning variable of the tree, or a category it has not seen",
        "模型树的分割变量没有取值，或取值是模型树未见过的类别",
    ),
    ("a missing value in the mixture's regression", "混合回归所用变量存在缺失值"),
    ("the whole chain", "整条链"),
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
        "read with --streaming: the input audit's whole-table checks (Total rows, non-answer codes such as 99 on an inferred rating scale, numbers stored as text) were not run; declared missing_codes and satisfaction_scale were applied",
        "以 --streaming 流式读取：未运行输入审核的整表检查（合计行、按推断量表识别的未作答代码如 99、以文本存储的数字）；已应用声明的 missing_codes 和 satisfaction_scale",
    ),
    (
        "the metrics come from the counts of each rating value per group, read in parts; the input audit's whole-table checks (Total rows, non-answer codes on an inferred scale, numbers stored as text) were not run",
        "各项指标由分组内每个评分值的计数得出（分批读取）；未运行输入审核的整表检查（合计行、按推断量表识别的未作答代码、以文本存储的数字）",
    ),
    (
        "the survey was read in parts (--streaming or Spark): the input audit's whole-table checks (Total rows, non-answer codes on an inferred scale, numbers stored as text) were not run; declared missing codes and the declared item scale were applied",
        "问卷分批读取（--streaming 或 Spark）：未运行输入审核的整表检查（合计行、按推断量表识别的未作答代码、以文本存储的数字）；已应用声明的未作答代码和声明的题项量表",
    ),
    (
        "read with --streaming: the input audit's whole-table checks (Total rows, non-answer codes on an inferred scale, numbers stored as text) were not run",
        "以 --streaming 流式读取：未运行输入审核的整表检查（合计行、按推断量表识别的未作答代码、以文本存储的数字）",
    ),
    (
        "read with --streaming: the input audit's whole-table checks (Total rows, number forms in text) were not run on the log",
        "以 --streaming 流式读取：未对交易记录运行输入审核的整表检查（合计行、文本形式的数字）",
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
    // Report sections' bases and the audit's further sentences (issue #21).
    (
        "{} respondents of the {} customers analysed, each with a valid '{}' rating (the same respondents as the chain; {} survey rows read)",
        "已纳入分析的 {1} 位客户中给出有效“{2}”评分的 {0} 位受访者（与链式分析相同的受访者；共读取 {3} 行调查数据）",
    ),
    (
        "the same respondents with every attribute rated ({} left out for a missing attribute rating); quadrants from {} bootstrap resamples",
        "上述受访者中各属性均有评分者（{0} 人因属性评分缺失未纳入）；象限依据 {1} 次自助法重抽样",
    ),
    (
        "{} bootstrap intervals of importance and {} t intervals of performance against the mean lines; a driver whose interval straddles a line is not distinguishable from it",
        "以重要性的 {0} 自助法置信区间和表现的 {1} t 置信区间与均值线比较；区间跨越均值线的驱动因素视为无法区分",
    ),
    (
        "importance by its point estimate (no bootstrap: run with --bootstrap for noise-aware quadrants), performance by its {} t interval against the mean line",
        "重要性按点估计（未做自助法：用 --bootstrap 可得到考虑抽样误差的象限），表现按其 {0} t 置信区间与均值线比较",
    ),
    (
        "the {} customers without a repeat purchase have P(alive) = 1 by construction: the BG/NBD lets a customer drop out only after a repeat purchase. The MBG/NBD (--model mbgnbd) lets one-time buyers drop out too",
        "{0} 位没有重复购买的客户按模型设定存活概率为 1：BG/NBD 只允许客户在重复购买之后流失。MBG/NBD（--model mbgnbd）允许只购买一次的客户流失",
    ),
    (
        "not reported: the total effect is not significant, so a share of it is not meaningful",
        "不报告：总效应不显著，其占比没有意义",
    ),
    (
        "not reported: the indirect and direct effects have opposite signs (inconsistent mediation), so the indirect part is not a share of the total",
        "不报告：间接效应与直接效应方向相反（不一致中介），间接部分不是总效应中的一部分",
    ),
    (
        "HTMT of {} and {} is {}, above {}: the two constructs may not be distinct (discriminant validity in doubt); check their items or merge the constructs",
        "{0} 与 {1} 的 HTMT 为 {2}，高于 {3}：两个构念可能无法区分（区分效度存疑）；请检查其题项或合并构念",
    ),
    (
        "{} repeat customers without positive repeat spend (every repeat purchase free, or refunded) are left out of the Gamma-Gamma fit; their expected spend is the population's mean spend",
        "{0} 位重复购买客户没有正的重复消费（重复购买均为免费或已退款），未纳入 Gamma-Gamma 拟合；其预期消费额取总体平均消费额",
    ),
    (
        "{} of {} customers have no CLV (no purchases in the transaction log) and are left out of the chain with CLV as its outcome",
        "{1} 位客户中有 {0} 位没有客户生命周期价值（交易记录中无购买），以客户生命周期价值为结果变量的链式分析未纳入这些客户",
    ),
    (
        "{} is a degenerate fit: {}. {}",
        "{0} 为退化拟合（参数处于边界）：{1}。{2}",
    ),
    (
        "CSAT is not computed: satisfaction is the satisfaction index '{}', computed from the CSI model's items, not a rating respondents gave (its mean and interval are in the satisfaction-index section)",
        "未计算客户满意度评分（CSAT）：客户满意度为由满意度指数模型题项计算的指数“{0}”，而非受访者直接给出的评分（其均值与置信区间见客户满意度指数一节）",
    ),
    (
        "Key drivers are not computed: the outcome '{}' is not a column of the survey table (it is the satisfaction index, computed from the CSI model; the satisfaction-index section's importance–performance map shows what drives it)",
        "未计算关键驱动因素：结果变量“{0}”不是调查表中的列（它是由满意度指数模型计算的指数；客户满意度指数一节的重要性—表现图显示其驱动因素）",
    ),
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
