"""profitchain.spark: the CLV study on a Spark DataFrame (local[2]) gives the one-machine
answers, whatever the partitioning."""

import math
import os
import sys
from pathlib import Path

import pytest

import profitchain as pc
from profitchain import spark as pcs

pyspark = pytest.importorskip("pyspark", reason="scripts/test installs pyspark")

LOG = Path(__file__).resolve().parents[2] / "notebooks-data" / "retail-bank" / "transactions.csv"
ARGS = dict(id="household_id", date="date", amount="amount", calibration_end="2024-12-29")


@pytest.fixture(scope="module")
def session():
    from pyspark.sql import SparkSession

    # The executors' Python is this one (it has profitchain and pyarrow).
    os.environ["PYSPARK_PYTHON"] = sys.executable
    s = (
        SparkSession.builder.master("local[2]")
        .appName("profitchain-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate()
    )
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def log(session):
    return session.read.option("header", True).option("inferSchema", True).csv(str(LOG))


@pytest.fixture(scope="module")
def one_machine():
    r = pc.clv(transactions=str(LOG), **ARGS)
    return r.to_dict(), r.to_pandas("customers").set_index("id").sort_index()


def close(a, b, tol=1e-9):
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
        return (a is None or math.isnan(a)) and (b is None or math.isnan(b))
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


@pytest.mark.parametrize("partitions", [1, 7, 64])
def test_clv_equals_the_one_machine_path_on_any_partitioning(log, one_machine, partitions):
    expected, customers = one_machine
    r = pcs.clv(log.repartition(partitions), **ARGS)
    for a, b in zip(r.fitted["purchase"]["params"], expected["purchase"]["params"]):
        assert close(a, b), (a, b)
    for a, b in zip(r.fitted["gamma_gamma"]["params"], expected["gamma_gamma"]["params"]):
        assert close(a, b), (a, b)
    assert r.fitted["purchase"]["log_likelihood"] == pytest.approx(
        expected["purchase"]["log_likelihood"], rel=1e-12
    )
    got = r.customers.toPandas().set_index("id").sort_index()
    assert list(got.index) == list(customers.index)
    for c in ["x", "t_x", "T", "p_alive", "expected_transactions", "expected_spend", "clv"]:
        diff = (got[c] - customers[c]).abs() / customers[c].abs().clip(lower=1.0)
        assert diff.max() <= 1e-9, (c, diff.max())
    totals = r.totals()
    assert totals["customers"] == expected["totals"]["customers"] == 20000
    assert close(totals["clv"], expected["totals"]["clv"])
    assert close(totals["mean_p_alive"], expected["totals"]["mean_p_alive"])
    assert r.diagnostics["rows_read"] == expected["diagnostics"]["rows_read"]
    assert r.diagnostics["customers"] == expected["diagnostics"]["customers"]


def test_refunds_are_netted_on_one_machine_and_dropped_on_request(session, tmp_path):
    import pandas as pd

    df = pd.read_csv(LOG)
    refunds = df.iloc[:40].assign(amount=lambda d: -d["amount"])
    both = pd.concat([df, refunds])
    path = tmp_path / "log.csv"
    both.to_csv(path, index=False)
    sdf = session.read.option("header", True).option("inferSchema", True).csv(str(path))
    with pytest.raises(pc.InputError, match="40 refunds"):
        pcs.clv(sdf, **ARGS)
    dropped = pcs.clv(sdf.repartition(7), returns="drop", **ARGS)
    expected = pc.clv(transactions=str(path), returns="drop", **ARGS).to_dict()
    for a, b in zip(dropped.fitted["purchase"]["params"], expected["purchase"]["params"]):
        assert close(a, b), (a, b)
    assert dropped.diagnostics["returns"] == 40


def test_bad_input_says_what_and_how(log):
    with pytest.raises(pc.InputError, match="no column 'customer'"):
        pcs.clv(log, **{**ARGS, "id": "customer"})
    with pytest.raises(pc.InputError, match="after the log's last purchase"):
        pcs.clv(log, **{**ARGS, "calibration_end": "2026-01-31"})
    with pytest.raises(pc.InputError, match="bgbb"):
        pcs.clv(log, model="bgbb", **ARGS)


@pytest.fixture(scope="module")
def customers(tmp_path_factory):
    """The retail-bank sample's customer table (20,000 households), as a CSV file."""
    out = tmp_path_factory.mktemp("built") / "customers.csv"
    study = LOG.parent / "study.toml"
    pc.build(study=str(study), output=str(out))
    return out


@pytest.mark.parametrize("partitions", [1, 7, 64])
def test_regress_equals_the_one_machine_path_on_any_partitioning(session, customers, partitions):
    sdf = session.read.option("header", True).option("inferSchema", True).csv(str(customers))
    formula = "revenue ~ satisfaction + share_of_wallet + log(tenure_years + 1)"
    want = pc.regress(
        data=str(customers), formula=formula, by="segment", se="hc3", id="household_id"
    ).to_dict()
    got = pcs.regress(
        sdf.repartition(partitions), formula=formula, by="segment", se="hc3", id="household_id"
    ).to_dict()
    assert [m["group"] for m in got["models"]] == [m["group"] for m in want["models"]]
    for g, w in zip(got["models"], want["models"]):
        assert g["n"] == w["n"]
        for a, b in zip(g["terms"], w["terms"]):
            for k in ["estimate", "std_error", "p_value", "ci_low", "ci_high"]:
                assert close(a[k], b[k]), (g["group"], a["term"], k, a[k], b[k])
        for k in ["r_squared", "f_statistic", "log_likelihood", "aic", "bic"]:
            assert close(g[k], w[k]), (k, g[k], w[k])
        for k in ["breusch_pagan", "jarque_bera"]:
            assert close(g["diagnostics"][k]["statistic"], w["diagnostics"][k]["statistic"])
        assert [r["row"] for r in g["diagnostics"]["influential"]] == [
            r["row"] for r in w["diagnostics"]["influential"]
        ]
        assert g["diagnostics"]["durbin_watson"] is None
        assert any("Durbin-Watson not computed" in x for x in g["warnings"])


def test_regress_refuses_what_it_cannot_do(log):
    with pytest.raises(pc.InputError, match="no column 'spend'"):
        pcs.regress(log, formula="spend ~ amount")
    with pytest.raises(pc.InputError, match="se 'hc9'"):
        pcs.regress(log, formula="amount ~ amount", se="hc9")


@pytest.fixture(scope="module")
def chain_table(tmp_path_factory):
    """30,000 customers with a chain that differs by segment (about half profitable)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(23)
    n = 30_000
    sat = rng.integers(1, 11, n).astype(float)
    profitable = rng.random(n) < 0.5
    sow = np.clip(0.1 + 0.05 * sat + rng.normal(0, 0.05, n), 0, 1)
    revenue = 200 + 10 * sat + 2000 * sow + rng.normal(0, 80, n)
    profit = np.where(
        profitable,
        80 + 0.2 * revenue + np.abs(rng.normal(0, 25, n)),
        -50 - 0.1 * revenue - np.abs(rng.normal(0, 25, n)),
    )
    df = pd.DataFrame(
        dict(
            customer=[f"C{i:06d}" for i in range(n)],
            satisfaction=sat,
            share_of_wallet=sow,
            revenue=revenue.round(2),
            profit=profit.round(2),
            tenure=rng.integers(1, 26, n).astype(float),
        )
    )
    out = tmp_path_factory.mktemp("chain") / "customers.parquet"
    df.to_parquet(out, index=False)
    return out


CHAIN = dict(
    id="customer",
    satisfaction="satisfaction",
    share_of_wallet="share_of_wallet",
    revenue="revenue",
    profit="profit",
    covariate=["tenure"],
    bootstrap=1000,
)


def agree(a, b, path=""):
    """Every number of a and b agrees to 1e-9; Breusch-Pagan and condition numbers (from
    sums of squares) and Chow tests (a difference of two residual sums of squares, whose
    rounding it magnifies when the segments barely differ) to 1e-6. Returns how many
    numbers were compared."""
    if isinstance(a, dict):
        return sum(
            agree(v, b[k], f"{path}/{k}") for k, v in a.items() if k not in ("influential",)
        )
    if isinstance(a, list):
        assert len(a) == len(b), path
        return sum(agree(x, y, f"{path}[{i}]") for i, (x, y) in enumerate(zip(a, b)))
    if isinstance(a, float) and isinstance(b, float):
        loose = ("breusch_pagan", "condition_number", "chow")
        tol = 1e-6 if any(k in path for k in loose) else 1e-9
        assert close(a, b, tol), (path, a, b)
        return 1
    assert a == b, (path, a, b)
    return 0


@pytest.mark.parametrize("partitions", [1, 7, 64])
def test_chain_equals_the_streamed_chain_on_any_partitioning(session, chain_table, partitions):
    want = pc.chain(data=str(chain_table), streaming=True, format="json", **CHAIN).to_dict()
    sdf = session.read.parquet(str(chain_table)).repartition(partitions)
    got = pcs.chain(sdf, **CHAIN)
    g = got.to_dict()
    assert [s["name"] for s in g["segments"]] == ["all", "profitable", "unprofitable"]
    assert agree(g["segments"], want["segments"]) > 500
    agree(g["comparisons"], want["comparisons"])
    assert g["summary"] == want["summary"]
    for k in ["customers", "segments", "dropped"]:
        assert g["diagnostics"][k] == want["diagnostics"][k], k
    assert all(s["mediation"]["resampled_groups"] == 1000 for s in g["segments"])
    assert "Bottom line" in got.text


def test_chain_refuses_repeated_ids_and_what_a_stream_cannot_do(session, chain_table):
    sdf = session.read.parquet(str(chain_table))
    with pytest.raises(pc.InputError, match="repeated ids in 'customer'.*'C000000'"):
        pcs.chain(sdf.union(sdf.limit(1)), **CHAIN)
    with pytest.raises(pc.InputError, match="spearman"):
        pcs.chain(sdf, spearman=True, **CHAIN)
    with pytest.raises(pc.InputError, match="no column 'score'"):
        pcs.chain(sdf, **{**CHAIN, "satisfaction": "score"})


SURVEY = LOG.parent / "survey.csv"
METRICS = dict(csat="satisfaction", csat_scale="1-10", nps="recommend", ces="effort",
               ces_scale="1-7", by="quality")


@pytest.mark.parametrize("partitions", [1, 7, 64])
def test_metrics_equal_the_streamed_metrics_on_any_partitioning(session, partitions):
    want = pc.metrics(data=str(SURVEY), streaming=True, format="json", **METRICS).to_dict()
    sdf = session.read.option("header", True).option("inferSchema", True).csv(str(SURVEY))
    got = pcs.metrics(sdf.repartition(partitions), **METRICS)
    # Counts are exact: the same numbers, bit for bit, whatever the partitioning.
    assert got.to_dict()["groups"] == want["groups"]
    assert got.to_dict()["tests"] == want["tests"]
    assert "NPS" in got.text
    overall = pcs.metrics(sdf.repartition(partitions), nps="recommend").groups
    assert overall[0]["n"] == 60066


def test_metrics_refuse_what_counts_cannot_give(session):
    sdf = session.read.option("header", True).option("inferSchema", True).csv(str(SURVEY))
    with pytest.raises(pc.InputError, match="in memory"):
        pcs.metrics(sdf, csi=["quality:1", "service:1"])
    with pytest.raises(pc.InputError, match="no column 'nps_item'"):
        pcs.metrics(sdf, nps="nps_item")
    with pytest.raises(pc.InputError, match="outside the default CSAT scale"):
        pcs.metrics(sdf, csat="satisfaction")


DRIVERS = dict(drivers=["quality", "service", "price", "convenience"], by="effort")


@pytest.mark.parametrize("partitions", [1, 7, 64])
def test_drivers_equal_the_streamed_drivers_on_any_partitioning(session, partitions):
    want = pc.drivers(data=str(SURVEY), streaming=True, format="json", **DRIVERS).to_dict()
    sdf = session.read.option("header", True).option("inferSchema", True).csv(str(SURVEY))
    got = pcs.drivers(sdf.repartition(partitions), **DRIVERS)
    g = got.to_dict()
    assert [x["group"] for x in g["groups"]] == [x["group"] for x in want["groups"]]
    for a, b in zip(g["groups"], want["groups"]):
        assert a["n"] == b["n"] and a["rating_range"] == b["rating_range"]
        assert close(a["r_squared"], b["r_squared"])
        for x, y in zip(a["drivers"], b["drivers"]):
            for k in ["coefficient", "std_error", "p_value", "shapley", "relative_weight", "mean"]:
                assert close(x[k], y[k]), (a["group"], x["name"], k, x[k], y[k])
            assert x["quadrant"] == y["quadrant"]
    assert "Shapley" in got.text or "shapley" in got.text.lower()
    with pytest.raises(pc.InputError, match="no column 'staff'"):
        pcs.drivers(sdf, drivers=["quality", "staff"])


CSI_MODEL = LOG.parent / "csi_model.toml"
CSI = dict(model=str(CSI_MODEL), respondent="respondent_id", bootstrap=200)


@pytest.mark.parametrize("partitions", [1, 7, 64])
def test_csi_equals_the_streamed_csi_on_any_partitioning(session, partitions):
    want = pc.csi(data=str(SURVEY), streaming=True, format="json", **CSI).to_dict()
    sdf = session.read.option("header", True).option("inferSchema", True).csv(str(SURVEY))
    got = pcs.csi(sdf.repartition(partitions), **CSI)
    g = got.to_dict()
    assert g["n"] == want["n"] > 50000 and g["rows_read"] == want["rows_read"]
    assert g["resampled_groups"] == 1000
    n = sum(
        agree(g[k], want[k])
        for k in ["constructs", "paths", "total_effects", "htmt", "cross_loadings",
                  "fornell_larcker", "ipma", "ipma_items", "gof", "scale"]
    )
    assert n > 100
    assert "Satisfaction" in got.text


def test_csi_refuses_what_it_cannot_do(session):
    sdf = session.read.option("header", True).option("inferSchema", True).csv(str(SURVEY))
    with pytest.raises(pc.InputError, match="--respondent"):
        pcs.csi(sdf, model=str(CSI_MODEL), bootstrap=100)
    with pytest.raises(pc.InputError, match="in memory"):
        pcs.csi(sdf, model=str(CSI_MODEL), bootstrap=0, by="recommend")
    with pytest.raises(pc.InputError, match="no column 'quality'"):
        pcs.csi(sdf.drop("quality"), model=str(CSI_MODEL), bootstrap=0)
