"""Writes the corpus of messy exports of issue #21 from the bundled samples.

Run from this folder: python3 make_messy.py
Written with Python 3.11.7, pyreadstat 1.3.7, pandas 3.1.1, numpy 2.4.6, openpyxl 3.1.5,
XlsxWriter 3.3.1. The contents are deterministic (fixed seeds; the SPSS files carry their
writing time in the header). The outputs are committed; the tests only read them. Each file reproduces what analysts' real exports do (README, "The input audit").
"""
import datetime
import random

import numpy as np
import pandas as pd
import pyreadstat
import xlsxwriter

SRC = "../../../notebooks-data/"
survey = pd.read_csv(SRC + "brokerage/survey.csv")
accounts = pd.read_csv(SRC + "brokerage/accounts.csv")
rng = random.Random(21)

# --- 1. SPSS survey: refusal code 99 labelled but NOT declared missing; a nominal channel --
sv = survey.copy()
refused = sorted(rng.sample(range(len(sv)), 29))
sv["channel"] = [rng.choice([1, 2, 3]) for _ in range(len(sv))]
clean = sv.copy()
clean.loc[refused, "satisfaction"] = np.nan
clean.to_csv("brokerage_survey_clean.csv", index=False)
sv.loc[refused, "satisfaction"] = 99
labels = {1.0: "Very dissatisfied", 10.0: "Very satisfied", 99.0: "Refused"}
kw = dict(
    column_labels={"satisfaction": "Overall satisfaction (1-10)", "channel": "Main channel"},
    variable_value_labels={"satisfaction": labels, "channel": {1.0: "Branch", 2.0: "Online", 3.0: "Phone"}},
    variable_measure={"satisfaction": "ordinal", "channel": "nominal"},
)
pyreadstat.write_sav(sv, "brokerage_refused.sav", **kw)
# The same in Chinese labels, with a "don't know" code 98 as well.
zh = sv.copy()
zh.loc[refused[:5], "satisfaction"] = 98
zh_labels = {1.0: "非常不满意", 10.0: "非常满意", 98.0: "不知道", 99.0: "拒答"}
pyreadstat.write_sav(zh, "brokerage_refused_zh.sav",
                     variable_value_labels={"satisfaction": zh_labels},
                     variable_measure={"satisfaction": "ordinal"})
accounts.to_csv("brokerage_accounts.csv", index=False)
# The SPSS survey cut in half (its header still says how many cases it holds).
blob = open("brokerage_refused.sav", "rb").read()
open("truncated.sav", "wb").write(blob[: len(blob) // 2])

# --- 2. An Excel finance sheet: title rows, ids with leading zeros, n/a, a Total row --------
ids = {f"B{i:03d}": f"{i:04d}" for i in range(1, 82)}
fin = accounts.copy()
fin["client_id"] = fin["client_id"].map(ids)
wb = xlsxwriter.Workbook("finance.xlsx")
wb.set_properties({"created": datetime.datetime(2025, 1, 15)})
ws = wb.add_worksheet("FY2024")
ws.write(0, 0, "Brokerage accounts, FY2024 (USD thousands)")
ws.write(1, 0, "Exported from finance on 2025-01-15")
ws.write_row(3, 0, list(fin.columns))
for r, row in enumerate(fin.itertuples(index=False), start=4):
    cells = list(row)
    ws.write_string(r, 0, cells[0])  # ids as text: 0001
    for j, v in enumerate(cells[1:], start=1):
        if j == 4 and r % 9 == 0:
            ws.write_string(r, j, "n/a")  # tenure unknown
        else:
            ws.write_number(r, j, float(v))
total = len(fin) + 4
ws.write_string(total, 0, "Total")
ws.write_number(total, 1, float(fin["revenue"].sum()))
ws.write_number(total, 3, float(fin["cost_to_serve"].sum()))
wb.close()
fsv = survey.copy()
fsv["client_id"] = fsv["client_id"].map(ids)
fsv.to_csv("finance_survey.csv", index=False)
# The same sheet written cleanly (ids, no totals, blanks for n/a), to compare against.
clean_fin = fin.copy()
clean_fin["tenure_years"] = [np.nan if (r + 4) % 9 == 0 else v for r, v in enumerate(fin["tenure_years"])]
clean_fin.to_csv("finance_clean.csv", index=False)

# --- 3. A retail order log: US dates, $ amounts, refunds as negative amounts, leading zeros --
tx = pd.read_csv(SRC + "retail-bank/transactions.csv").head(3000).copy()
tx["customer"] = tx["household_id"].str.replace("H", "0", regex=False)
tx["date"] = pd.to_datetime(tx["date"])
orders = []
for k, row in enumerate(tx.itertuples(index=False)):
    amt = round(float(row.amount), 2)
    orders.append((row.customer, row.date, amt))
    kind = k % 23
    if kind == 0:  # refunded in full 11 days later
        orders.append((row.customer, row.date + pd.Timedelta(days=11), -amt))
    elif kind == 7:  # a partial refund 3 days later
        orders.append((row.customer, row.date + pd.Timedelta(days=3), -round(amt * 0.25, 2)))
orders.sort(key=lambda o: o[1])
def money(v):
    return ("-$" if v < 0 else "$") + f"{abs(v):,.2f}"
pd.DataFrame({
    "customer_id": [o[0] for o in orders],
    "order_date": [o[1].strftime("%m/%d/%Y") for o in orders],
    "amount": [money(o[2]) for o in orders],
}).to_csv("orders.csv", index=False)
# The clean log by the documented rule, written independently here: each refund, in file
# order, reverses the same customer's latest purchase on or before its date that can still
# absorb it (an exact amount first); a full refund removes the purchase, a partial one
# reduces it; refunds that match nothing are dropped.
rows = [list(o) + [i] for i, o in enumerate(orders)]
left = {i: o[2] for i, o in enumerate(orders) if o[2] > 0}
for i, (c, d, a) in enumerate(orders):
    if a >= 0:
        continue
    cands = [j for j in left if orders[j][0] == c and orders[j][1] <= d and left[j] >= -a * (1 - 1e-12)]
    if not cands:
        continue
    exact = [j for j in cands if abs(orders[j][2] + a) <= 1e-9 * orders[j][2]]
    pick = max(exact or cands, key=lambda j: (orders[j][1], j))
    left[pick] += a
clean_orders = [(orders[j][0], orders[j][1], round(left[j], 2)) for j in sorted(left) if left[j] > 1e-9 * orders[j][2]]
pd.DataFrame({
    "customer_id": [o[0] for o in clean_orders],
    "order_date": [o[1].strftime("%Y-%m-%d") for o in clean_orders],
    "amount": [o[2] for o in clean_orders],
}).to_csv("orders_clean.csv", index=False)

# --- 4. A B2B invoice log: whitespace text with a header line -------------------------------
with open("invoices.txt", "w") as f:
    f.write("account   date      amount\n")
    for row in tx.head(800).itertuples(index=False):
        f.write(f"AC-{row.household_id[1:]}  {row.date.strftime('%Y%m%d')}  {row.amount:.2f}\n")

# --- 5. Steady buyers: one purchase rate for all, nobody drops out -------------------------
npr = np.random.default_rng(7)
rows = []
start = datetime.date(2024, 1, 1)
for c in range(1000):
    first = npr.integers(0, 28)
    t = float(first)
    day = first
    rows.append((f"S{c:04d}", start + datetime.timedelta(days=int(day)), round(float(npr.gamma(4, 10)), 2)))
    while True:
        t += npr.exponential(7 / 0.5)  # 0.5 purchases a week
        if t > 547:
            break
        rows.append((f"S{c:04d}", start + datetime.timedelta(days=int(t)), round(float(npr.gamma(4, 10)), 2)))
pd.DataFrame(rows, columns=["id", "date", "amount"]).to_csv("steady.csv", index=False)

# --- 6. Ids that differ only by zeros or spaces -----------------------------------------------
# "5", "05" and "005" are three customers; " 7 " and "7" are one; an id of spaces is none.
with open("ids.csv", "w") as f:
    f.write("id,date,amount\n")
    for i, n in [("5", 2), ("05", 3), ("005", 4), (" 7 ", 2), ("7", 3)]:
        for d in range(n):
            f.write(f"{i},2024-0{1 + d}-{10 + len(i) + 3 * n},{10 + d}\n")
    f.write("   ,2024-02-02,9\n")

# --- 7. Broken CSVs ------------------------------------------------------------------------
acc = accounts.to_csv(index=False).splitlines()
with open("mixed_separators.csv", "w") as f:
    for k, line in enumerate(acc):
        f.write((line.replace(",", ";") if k > 40 else line) + "\n")
with open("extra_field.csv", "w") as f:
    for k, line in enumerate(acc):
        f.write((line + ",17" if k == 30 else line) + "\n")
with open("duplicate_columns.csv", "w") as f:
    f.write("client_id,revenue,share_of_wallet_pct,revenue,tenure_years\n")
    for line in acc[1:]:
        f.write(line + "\n")
open("utf16.csv", "wb").write(("\n".join(acc) + "\n").encode("utf-16"))

# --- 8. A workbook whose first sheet is empty --------------------------------------------------
wb = xlsxwriter.Workbook("empty_first_sheet.xlsx")
wb.set_properties({"created": datetime.datetime(2025, 1, 15)})
wb.add_worksheet("Cover")
ws = wb.add_worksheet("accounts")
ws.write_row(0, 0, list(accounts.columns))
for r, row in enumerate(accounts.itertuples(index=False), start=1):
    ws.write_row(r, 0, [v.item() if hasattr(v, "item") else v for v in row])
wb.close()

# --- 9. A numeric column offered as segments: 40 price ratings ------------------------------
cust = accounts.copy()
cust["profit"] = cust["revenue"] - cust["cost_to_serve"]
cust["satisfaction"] = survey.groupby("client_id")["satisfaction"].mean().values
cust["share_of_wallet"] = cust["share_of_wallet_pct"] / 100
cust["Q4_Price"] = [round(1 + (i * 37 % 81) / 2.0, 1) for i in range(len(cust))]
cust.to_csv("numeric_segments.csv", index=False)

# --- 10. SPSS numeric ids next to text ids ----------------------------------------------------
num = survey.copy()
num["client_id"] = num["client_id"].str[1:].astype(float)
pyreadstat.write_sav(num, "survey_numeric_ids.sav")
na = accounts.copy()
na["client_id"] = na["client_id"].str[1:].astype(int).astype(str)
na.to_csv("accounts_numeric_ids.csv", index=False)

# --- Studies over the corpus -------------------------------------------------------------
STUDY = """name = "{name}"
[[table]]
name = "survey"
path = "{survey}"
level = "respondent"
respondent = "respondent_id"
[[table]]
name = "accounts"
path = "{accounts}"{sheet}
[roles]
id = "client_id"
satisfaction = "satisfaction"
share_of_wallet = "share_of_wallet_pct"
revenue = "revenue"
cost = "cost_to_serve"
[options]
min_respondents = 3
share_of_wallet_scale = "percent"
"""
for name, survey_file, acc, sheet in [
    ("refused", "brokerage_refused.sav", "brokerage_accounts.csv", ""),
    ("refused-zh", "brokerage_refused_zh.sav", "brokerage_accounts.csv", ""),
    ("clean", "brokerage_survey_clean.csv", "brokerage_accounts.csv", ""),
    ("finance", "finance_survey.csv", "finance.xlsx", ""),
    ("finance-clean", "finance_survey.csv", "finance_clean.csv", ""),
    ("numeric-ids", "survey_numeric_ids.sav", "accounts_numeric_ids.csv", ""),
]:
    with open(f"{name}.toml", "w") as f:
        f.write(STUDY.format(name=name, survey=survey_file, accounts=acc, sheet=sheet))
