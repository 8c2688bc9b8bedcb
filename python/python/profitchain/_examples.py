"""A runnable example per verb, shown by help(profitchain.VERB) and run as doctests. Each
starts from a sample it simulates into a temporary folder, so it runs anywhere."""

_SETUP = """    >>> import profitchain as pc, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> _ = pc.simulate(scenario="retail-bank", customers=2000, seed=1, out=folder + "/bank")
    >>> study = folder + "/bank/study.toml"
"""

EXAMPLES = {
    "inspect": """    >>> pc.inspect(study=study).to_dict()[0]["rows"]   # the survey table
    6066
""",
    "build": """    >>> built = pc.build(study=study)
    >>> built.customers.height, built.table_names
    (2000, ['customers', 'diagnostics'])
""",
    "simulate": """    >>> sim = pc.simulate(scenario="brokerage", seed=2005)   # nothing written without out=
    >>> sim.accounts.height, sim.table_names
    (81, ['survey', 'accounts'])
""",
    "regress": """    >>> res = pc.regress(study=study, formula="profit ~ satisfaction + share_of_wallet", se="hc3")
    >>> res.coefficients["term"].to_list()
    ['Intercept', 'satisfaction', 'share_of_wallet']
""",
    "chain": """    >>> res = pc.chain(study=study, bootstrap=200, seed=1)
    >>> [s["name"] for s in res.to_dict()["segments"]], res.coefficients.height > 0
    (['all', 'profitable', 'unprofitable'], True)
""",
    "metrics": """    >>> res = pc.metrics(study=study, nps="recommend", by="segment")
    >>> sum(g["n"] for g in res.to_dict()["groups"])
    6066
""",
    "drivers": """    >>> res = pc.drivers(data=folder + "/bank/survey.csv", drivers=["quality", "service", "price", "convenience"])
    >>> res.drivers["driver"].to_list()
    ['quality', 'service', 'price', 'convenience']
""",
    "feedback": """    >>> res = pc.feedback(study=study, bootstrap=200)   # the [feedback] section: column comment
    >>> res.themes.filter(res.themes["segment"] == "all")["theme"].unique(maintain_order=True).to_list()[:4]
    ['staff', 'waiting time', 'fees', 'app and online']
    >>> res.table_names
    ['themes', 'comments', 'discovery', 'bridge', 'diagnostics']
""",
    "value": """    >>> res = pc.value(data=folder + "/bank/accounts.csv", id="household_id", revenue="revenue", cost="cost_to_serve")
    >>> res.table_names
    ['deciles', 'whale_curve', 'diagnostics']
""",
    "clv": """    >>> res = pc.clv(transactions=folder + "/bank/transactions.csv", id="household_id", date="date",
    ...              amount="amount", calibration_end="2024-12-29", time_unit="week")
    >>> res.parameters["parameter"].to_list()
    ['r', 'alpha', 'a', 'b', 'p', 'q', 'gamma']
""",
    "retention": """    >>> import polars as pl   # Fader & Hardie (2007): a cohort's customers still active, years 0-7
    >>> cohorts = pl.DataFrame({"year": list(range(8)), "regular": [1000, 631, 468, 382, 326, 289, 262, 241]})
    >>> res = pc.retention(cohorts=cohorts, horizon=12)
    >>> [round(v, 3) for v in res.to_dict()["groups"][0]["fit"]["params"]]   # their alpha, beta
    [0.704, 1.182]
    >>> res.table_names
    ['groups', 'projection']
""",
    "csi": """    >>> model = folder + "/model.toml"
    >>> _ = open(model, "w").write('''scale = [1, 10]
    ... arrows = [["Quality", "Satisfaction"]]
    ... [[construct]]
    ... name = "Quality"
    ... items = ["quality", "service"]
    ... [[construct]]
    ... name = "Satisfaction"
    ... items = ["satisfaction"]
    ... ''')
    >>> res = pc.csi(data=folder + "/bank/survey.csv", model=model, bootstrap=0)
    >>> res.indices["construct"].to_list()
    ['Quality', 'Satisfaction']
""",
    "invest": """    >>> res = pc.invest(study=study, add=1, cost_per_customer=20, horizon=3, discount=0.1,
    ...                 retention=0.85, scale="1,10", bootstrap=200)
    >>> res.outcomes["segment"].to_list()
    ['profitable', 'unprofitable', 'total']
""",
    "segments": """    >>> res = pc.segments(study=study, formula="share_of_wallet ~ satisfaction",
    ...                   by=["income_k", "tenure_years", "region"], maxdepth=3)
    >>> [n["split"]["variable"] for n in res.to_dict()["tree"]["nodes"] if n["split"]]
    ['income_k', 'tenure_years', 'tenure_years']
    >>> res.table_names
    ['nodes', 'tests', 'coefficients']
    >>> chain = pc.segments(study=study, chain=True, by=["income_k", "region"], maxdepth=2)
    >>> [n["rule"] for n in chain.to_dict()["tree"]["nodes"] if n["leaf"]]
    ['income_k <= 66.7', 'income_k > 66.7']
    >>> found = pc.chain(study=study, segment_rule="tree:income_k,tenure_years", bootstrap=0)
    >>> [s["name"] for s in found.to_dict()["segments"]][1:]
    ['income_k <= 45.9', '45.9 < income_k <= 66.7', '66.7 < income_k <= 106.1', 'income_k > 106.1']
""",
    "report": """    >>> import os
    >>> res = pc.report(study=study, out=folder + "/report", bootstrap=0)
    >>> os.path.exists(folder + "/report/report.html")
    True
""",
}


def example(verb: str) -> str:
    """The example section of `verb`'s docstring ('' when it has none yet)."""
    body = EXAMPLES.get(verb)
    return "" if body is None else "\n\nExample::\n\n" + _SETUP + body
