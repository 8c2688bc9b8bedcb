"""Writes the input-format fixtures of issue #12 from the bundled brokerage sample.

Run from this folder: python3 make_fixtures.py
Written with Python 3.11.7, pyreadstat 1.3.7 (ReadStat), pandas 3.1.1, openpyxl 3.1.5,
XlsxWriter 3.3.1 (cached formula values), xlwt 1.3.0, odfpy 1.4.1. The outputs are committed; the tests only read them.
"""
import datetime
import random

import openpyxl
import pandas as pd
import pyreadstat
import xlsxwriter
import xlwt

SRC = "../../../notebooks-data/brokerage/"
survey = pd.read_csv(SRC + "survey.csv")
accounts = pd.read_csv(SRC + "accounts.csv")
rng = random.Random(12)

# --- SPSS: respondents, with declared missing codes, value labels, a long string ---------
sv = survey.copy()
# Every 17th respondent answered "Don't know" (98) or refused (99): declared missing.
for i in range(0, len(sv), 17):
    sv.loc[i, "satisfaction"] = 98 if i % 2 == 0 else 99
sv["channel"] = [rng.choice([1, 2, 3]) for _ in range(len(sv))]
sv["comment"] = ["Long comment " + "x" * 300 if i % 50 == 0 else "" for i in range(len(sv))]
labels = {
    "client_id": "Client account number",
    "respondent_id": "Respondent",
    "satisfaction": "Overall, how satisfied are you with our service?",
    "channel": "Main contact channel",
    "comment": "Open comment",
}
sat_labels = {1.0: "Very dissatisfied", 10.0: "Very satisfied", 98.0: "Don't know", 99.0: "Refused"}
chan_labels = {1.0: "Branch", 2.0: "Online", 3.0: "Phone"}
kw = dict(
    column_labels=labels,
    variable_value_labels={"satisfaction": sat_labels, "channel": chan_labels},
    missing_ranges={"satisfaction": [98, 99]},
    variable_measure={"satisfaction": "ordinal", "channel": "nominal", "client_id": "nominal",
                      "respondent_id": "nominal", "comment": "nominal"},
    variable_display_width={"comment": 40},
)
pyreadstat.write_sav(sv, "survey.sav", **kw)
pyreadstat.write_sav(sv, "survey.zsav", compress=True, **kw)

# --- accounts with a labelled region code: SPSS and Stata ----------------------------------
ac = accounts.copy()
ac["region"] = [1 + (i * 7) % 4 for i in range(len(ac))]
region_labels = {1: "North", 2: "South", 3: "East", 4: "West"}
ac_labels = {
    "client_id": "Client account number",
    "revenue": "Commission revenue, 2024 (USD)",
    "share_of_wallet_pct": "Share of wallet (%)",
    "cost_to_serve": "Cost to serve, 2024 (USD)",
    "tenure_years": "Years as a client",
    "region": "Sales region",
}
pyreadstat.write_sav(ac, "accounts.sav", column_labels=ac_labels,
                     variable_value_labels={"region": {float(k): v for k, v in region_labels.items()}},
                     variable_measure={"region": "nominal"})
pyreadstat.write_dta(ac, "accounts.dta", column_labels=ac_labels,
                     variable_value_labels={"region": region_labels}, version=15)

# --- Excel: dates, a formula with its cached value, a title above the header, two sheets --
wb = xlsxwriter.Workbook("accounts.xlsx")
ws = wb.add_worksheet("accounts")
datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
ws.write_row(0, 0, list(accounts.columns) + ["opened", "revenue_k"])
for r, row in enumerate(accounts.itertuples(index=False), start=1):
    ws.write_row(r, 0, [v.item() if hasattr(v, "item") else v for v in row])
    ws.write_datetime(r, 5, datetime.datetime(2000 + r % 20, 1 + r % 12, 1), datefmt)
    ws.write_formula(r, 6, f"=B{r + 1}/1000", None, row.revenue / 1000)
wb.add_worksheet("notes").write(0, 0, "Brokerage accounts, exported from finance")
wb.close()
# The data on the second sheet, under a title line and a blank row.
wb = xlsxwriter.Workbook("workbook.xlsx")
wb.add_worksheet("notes").write(0, 0, "Brokerage accounts, exported from finance")
ws = wb.add_worksheet("accounts")
ws.write(0, 0, "Brokerage accounts 2024 (USD)")
ws.write_row(2, 0, list(accounts.columns))
for r, row in enumerate(accounts.itertuples(index=False), start=3):
    ws.write_row(r, 0, [v.item() if hasattr(v, "item") else v for v in row])
wb.close()
# A header with an empty cell.
wb3 = openpyxl.Workbook()
ws4 = wb3.active
ws4.append(["client_id", None, "cost_to_serve"])
ws4.append(["B001", 1202.19, 1396.27])
wb3.save("empty_header.xlsx")
accounts.to_excel("accounts.ods", engine="odf", index=False)
book = xlwt.Workbook()
sh = book.add_sheet("accounts")
for j, c in enumerate(accounts.columns):
    sh.write(0, j, c)
for i, row in enumerate(accounts.itertuples(index=False), start=1):
    for j, v in enumerate(row):
        sh.write(i, j, v.item() if hasattr(v, "item") else v)
book.save("accounts.xls")

# --- CSV dialects ------------------------------------------------------------------------
zh = survey.rename(columns={"client_id": "客户编号", "respondent_id": "受访者编号", "satisfaction": "满意度"})
zh.to_csv("survey_gbk.csv", index=False, encoding="gbk")
ac_zh = accounts.rename(columns={"client_id": "客户编号", "revenue": "客户消费额",
                                 "share_of_wallet_pct": "花费份额", "cost_to_serve": "服务成本",
                                 "tenure_years": "客户年限"})
ac_zh.to_csv("accounts_gb18030.csv", index=False, encoding="gb18030")
ac_zh.to_csv("accounts_bom.csv", index=False, encoding="utf-8-sig")
accounts.to_csv("accounts_semicolon.csv", index=False, sep=";", decimal=",")

# --- Corrupt files with real extensions -------------------------------------------------
blob = bytes(rng.randrange(256) for _ in range(2048))
for name in ("corrupt.sav", "corrupt.xlsx", "corrupt.dta"):
    open(name, "wb").write(blob)

# --- Damaged old-format workbooks: cut short, and a sector number past the end -----------
xls = open("accounts.xls", "rb").read()
open("truncated.xls", "wb").write(xls[:3000])
damaged = bytearray(xls)
damaged[0x4C + 4 * 50: 0x4C + 4 * 51] = (0x00FFFFF0).to_bytes(4, "little")  # DIFAT slot 50
open("damaged.xls", "wb").write(bytes(damaged))
