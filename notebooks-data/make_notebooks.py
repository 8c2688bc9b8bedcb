"""Writes the notebooks beside their data (brokerage.ipynb, brokerage.zh.ipynb,
retail-bank.ipynb). Run from anywhere: python notebooks-data/make_notebooks.py
The notebooks are committed without outputs; the tests execute them (nbclient)."""

import pathlib

import nbformat as nbf

HERE = pathlib.Path(__file__).resolve().parent


def notebook(cells):
    nb = nbf.v4.new_notebook()
    nb["metadata"] = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    nb["cells"] = [
        nbf.v4.new_markdown_cell(src.strip()) if kind == "md" else nbf.v4.new_code_cell(src.strip())
        for kind, src in cells
    ]
    return nb


BROKERAGE = [
    ("md", """
# Does satisfaction pay? The brokerage study, per segment

A securities firm's 81 business clients: a satisfaction survey (three to six respondents per
client), each account's share of wallet, revenue and cost to serve. The firm believes in a
chain: **more satisfied clients give us a larger share of their wallet, which brings more
revenue, which brings more profit**. The landmark study behind this sample found that pooled
over all clients revenue was *negatively* related to profit — and that split by
profitability the chain held for profitable clients, while for unprofitable ones more
revenue meant bigger losses. So we test the chain **per segment**.

Everything below is one call of `profitchain` each; the results are polars DataFrames.
"""),
    ("code", """
import profitchain as pc
import polars as pl

STUDY = "brokerage/study.toml"   # the study file: tables, roles, segments
"""),
    ("md", """
## 1. The customer table and what the build did

`build` joins the survey (averaged per client) with the accounts, converts share of wallet
from percent, derives profit = revenue − cost to serve, and segments clients by profit.
The diagnostics say what was read, joined and dropped — read them before any result.
"""),
    ("code", """
built = pc.build(study=STUDY)
print(built.summary())
built.customers.head()
"""),
    ("md", """
## 2. The input audit

`inspect` profiles each table as the analysis will read it: types, missing values, id
uniqueness, and the audit's findings (refusal codes, total rows, scales).
"""),
    ("code", """
print(pc.inspect(study=STUDY).summary())
"""),
    ("md", """
## 3. The chain, per segment

Three regressions per segment (share of wallet on satisfaction; revenue on both; profit on
all three), the indirect effects with 5,000 bootstrap resamples, and the comparison of the
profitable and unprofitable segments. Displayed in the notebook the result looks like the
report: the summary for a manager, the main tables, the caveats.
"""),
    ("code", """
res = pc.chain(study=STUDY, bootstrap=5000, seed=20050601)
res
"""),
    ("md", """
## 4. The hypotheses

H1: share of wallet → revenue; H2: revenue → profit; H3 and H4: the mediated links. The
verdicts per segment:
"""),
    ("code", """
res.hypotheses.select("segment", "id", "statement", "verdict", "estimate", "p_value", "ci_low", "ci_high", "basis")
"""),
    ("md", """
Pooled, H2 *reverses*: more revenue goes with less profit. The segments show why: for
profitable clients revenue adds profit, for unprofitable ones each extra unit of revenue
deepens the loss.

## 5. Do the segments differ?
"""),
    ("code", """
res.comparisons
"""),
    ("md", """
## 6. The summary as a manager reads it (English and Chinese)
"""),
    ("code", """
print("\\n".join(res.to_dict()["summary"]))
"""),
    ("md", """
## 7. What is raising satisfaction worth?

The study's `[[invest.scenario]]`: one more satisfaction point for every client, or for the
profitable clients only, at 30 per client reached, valued over three years (10% discount,
85% of clients kept a year). Every figure is recomputed under each bootstrap resample of the
segment's chain, so each comes with its interval and the share of resamples in which the
programme pays off.
"""),
    ("code", """
inv = pc.invest(study="brokerage/study.toml", bootstrap=1000)
print("\\n".join(inv.to_dict()["statements"]))
inv
"""),
    ("md", """
## 8. The report and the workbook

The full report (HTML with charts, Markdown, CSV, JSON, LaTeX tables) goes into a folder;
the summary workbook is what colleagues in Excel open. Here they go to a temporary folder.
"""),
    ("code", """
import pathlib, tempfile
out = pathlib.Path(tempfile.mkdtemp())
report = res.report(str(out / "brokerage-report"))
res.to_excel(str(out / "brokerage-chain.xlsx"))
sorted(p.name for p in (out / "brokerage-report").iterdir())
"""),
    ("md", """
## Checks

The numbers this notebook tells, asserted (the test suite runs this notebook).
"""),
    ("code", """
seg = {s["name"]: s for s in res.to_dict()["segments"]}
assert built.customers.height == 81
assert seg["profitable"]["n"] == 31 and seg["unprofitable"]["n"] == 50
total = seg["profitable"]["mediation"]["total_effect"]["estimate"]
assert abs(total - 30.91) < 0.01, total
h = res.hypotheses.filter((pl.col("segment") == "all") & (pl.col("id") == "H2"))
assert h["verdict"][0] == "reversed"
h = res.hypotheses.filter((pl.col("segment") == "unprofitable") & (pl.col("id") == "H2"))
assert h["verdict"][0] == "reversed"
everyone = inv.to_dict()["scenarios"][0]
losing = {o["segment"]: o["profit"]["high"] < 0 for o in everyone["segments"]}
assert losing == {"profitable": False, "unprofitable": True}, losing
assert (out / "brokerage-report" / "report.html").exists()
print("all checks passed")
"""),
]

BROKERAGE_ZH = [
    ("md", """
# 客户满意度能带来客户利润吗？——券商客户研究（按细分群体）

某证券公司的 81 家机构客户：满意度调查（每家客户 3–6 名受访者）、各客户的花费份额、客户消费额与服务成本。
公司相信一条链条：**客户满意度越高 → 花费份额越大 → 客户消费额越高 → 客户利润越高**。
这一样本所依据的经典研究发现：把所有客户放在一起看，客户消费额与客户利润呈**负相关**；
按客户盈利性划分细分群体后，链条在盈利性客户中成立，而在非盈利性客户中，客户消费额越高，亏损越大。
因此我们**按细分群体**检验这条链条。

以下每一步都是一次 `profitchain` 调用，结果是 polars 数据表。
"""),
    ("code", """
import profitchain as pc
import polars as pl

STUDY = "brokerage/study.toml"
"""),
    ("md", """
## 1. 客户表与数据诊断

`build` 将调查（按客户取均值）与账户数据合并，把花费份额从百分数换算为比例，计算客户利润 = 客户消费额 − 服务成本，并按客户利润划分细分群体。先读数据诊断，再看结果。
"""),
    ("code", """
built = pc.build(study=STUDY, lang="zh")
print(built.summary(lang="zh"))
built.customers.head()
"""),
    ("md", """
## 2. 按细分群体检验链条

每个细分群体三个回归方程，间接效应的置信区间基于 5,000 次自助法重抽样，并比较盈利性客户与非盈利性客户。
"""),
    ("code", """
res = pc.chain(study=STUDY, bootstrap=5000, seed=20050601, lang="zh")
print(res.summary(lang="zh"))
"""),
    ("md", """
## 3. 假设检验结果
"""),
    ("code", """
res.hypotheses.select("segment", "id", "statement", "verdict", "estimate", "p_value")
"""),
    ("md", """
## 4. 满意度投资回报

研究文件中的情景：全体客户或仅盈利性客户的客户满意度提升 1 分，每位覆盖客户的项目成本为 30，按 3 年计算价值（年折现率 10%，年客户留存率 85%）。每个数字都在链式模型的每次自助法重抽样下重新计算。
"""),
    ("code", """
inv = pc.invest(study="brokerage/study.toml", bootstrap=1000)
print(inv.summary(lang="zh")[:600])
"""),
    ("md", """
## 5. 报告

完整报告（含图表的 HTML、Markdown、CSV、JSON、LaTeX 表格）写入一个文件夹；此处写入临时文件夹。
"""),
    ("code", """
import pathlib, tempfile
out = pathlib.Path(tempfile.mkdtemp())
res.report(str(out / "券商报告"), lang="zh")
sorted(p.name for p in (out / "券商报告").iterdir())
"""),
    ("md", """
## 核对

本笔记本所述的关键数字（测试套件会运行本笔记本）。
"""),
    ("code", """
seg = {s["name"]: s for s in res.to_dict()["segments"]}
assert seg["profitable"]["n"] == 31 and seg["unprofitable"]["n"] == 50
assert abs(seg["profitable"]["mediation"]["total_effect"]["estimate"] - 30.91) < 0.01
assert "盈利" in res.summary(lang="zh")
assert (out / "券商报告" / "report.html").exists()
print("全部核对通过")
"""),
]

RETAIL = [
    ("md", """
# A retail bank: metrics, key drivers, lifetime value and a satisfaction index

20,000 households (simulated with known truth): a survey with one to five respondents per
household (satisfaction, four attribute ratings, likelihood to recommend, effort), accounts
(revenue, category spend, cost to serve, income, tenure) and a purchase log for 2024 and the
first half of 2025. We look at the survey metrics, what drives satisfaction, what each
household is worth, a satisfaction index built from several items, and the chain on that
index — then export for a manager.
"""),
    ("code", """
import profitchain as pc
import polars as pl

STUDY = "retail-bank/study.toml"
survey = pl.read_csv("retail-bank/survey.csv")     # any polars or pandas frame works as input
survey.shape
"""),
    ("md", """
## 1. Satisfaction metrics by segment

CSAT, NPS (with its interval) and customer effort, for the respondents of the households the
study analyses, by profitability segment.
"""),
    ("code", """
metrics = pc.metrics(study=STUDY, csat="satisfaction", csat_scale="1-10", nps="recommend",
                     ces="effort", by="segment")
metrics
"""),
    ("md", """
## 2. What drives satisfaction?

Shapley importance of the four attribute ratings, with bootstrap intervals, and the
importance–performance quadrants (a driver whose interval straddles a mean line is "not
distinguishable").
"""),
    ("code", """
drivers = pc.drivers(data=survey, target="satisfaction",
                     drivers=["quality", "service", "price", "convenience"], bootstrap=500)
drivers
"""),
    ("md", """
## 3. Customer lifetime value from the purchase log

BG/NBD purchases and Gamma-Gamma spend, fitted on 2024 (in weeks) and checked on the first
half of 2025: the holdout compares predicted and actual purchases.
"""),
    ("code", """
clv = pc.clv(transactions="retail-bank/transactions.csv", id="household_id", date="date",
             amount="amount", calibration_end="2024-12-29", observation_end="2025-06-29",
             time_unit="week", horizon=52)
clv.holdout
"""),
    ("code", """
clv.customers.sort("clv", descending=True).head(5)
"""),
    ("md", """
## 4. A satisfaction index

A PLS path model on the survey items: the product (quality, price) and the service (staff,
convenience) drive satisfaction. The attribute ratings are distinct aspects rather than
repeated measures of one thing, so their blocks are formative (mode B). The model file maps
constructs to items; the indices run 0–100.
"""),
    ("code", """
print(open("retail-bank/csi_model.toml").read())
csi = pc.csi(data=survey, model="retail-bank/csi_model.toml", bootstrap=200)
csi
"""),
    ("md", """
## 5. The chain on the index

The same study with a `[csi]` section: each household's satisfaction becomes its mean PLS
satisfaction index (0–100). The study is given as a dict — no file needed.
"""),
    ("code", """
study = {
    "name": "retail-bank (CSI)",
    "table": [
        {"name": "survey", "path": survey, "level": "respondent", "respondent": "respondent_id"},
        {"name": "accounts", "path": "retail-bank/accounts.csv"},
    ],
    "roles": {"id": "household_id", "satisfaction": "Satisfaction_index",
              "category_spend": "category_spend", "revenue": "revenue", "cost": "cost_to_serve"},
    "options": {"min_respondents": 1, "aggregation": "mean"},
    "segments": {"rule": "profit"},
    "csi": {"model": "retail-bank/csi_model.toml", "bootstrap": 0},
}
on_index = pc.chain(study=study, bootstrap=1000)
print("\\n".join(on_index.to_dict()["summary"][:3]))
"""),
    ("md", """
## 6. What is raising satisfaction worth?

The study's three scenarios (`[[invest.scenario]]`): every household one satisfaction point
higher, the service rating one point higher (through the key-driver regression of
satisfaction on the attributes), and the dissatisfied raised to 6. Value over three years
at 10%, with each household's own retention from the BG/NBD fit of its purchase log
(`retention = "clv"`): a household that has probably lapsed adds little.
"""),
    ("code", """
inv = pc.invest(study="retail-bank/study.toml", bootstrap=500)
inv.ranking
"""),
    ("code", """
inv
"""),
    ("md", """
## 7. For the manager

One workbook with the summary sheet and every table; the CLV per household as CSV.
"""),
    ("code", """
import pathlib, tempfile
out = pathlib.Path(tempfile.mkdtemp())
on_index.to_excel(str(out / "retail-bank-chain.xlsx"))
clv.customers.write_csv(out / "clv-per-household.csv")
sorted(p.name for p in out.iterdir())
"""),
    ("md", """
## Checks
"""),
    ("code", """
d = drivers.to_dict()["groups"][0]
assert d["n"] > 50_000
top = max(d["drivers"], key=lambda x: x["shapley"])
assert top["name"] == "quality", top
h = clv.holdout.to_dicts()
assert clv.customers.height > 15_000
seg = {s["name"]: s for s in on_index.to_dict()["segments"]}
assert seg["all"]["n"] == 20_000
assert csi.to_dict()["converged"]
r = inv.to_dict()
assert r["retention_model"] == "BG/NBD"
assert [s["name"] for s in r["scenarios"]] == ["everyone +1", "service +1", "dissatisfied to 6"]
print("all checks passed")
"""),
]


def main() -> None:
    for name, cells in [("brokerage.ipynb", BROKERAGE), ("brokerage.zh.ipynb", BROKERAGE_ZH), ("retail-bank.ipynb", RETAIL)]:
        nbf.write(notebook(cells), HERE / name)
        print("wrote", HERE / name)


if __name__ == "__main__":
    main()
