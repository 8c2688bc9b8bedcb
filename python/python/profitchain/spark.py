"""profitchain on Apache Spark: the analyses on a Spark DataFrame, past one machine.

Each analysis reduces its data to additive summaries. Spark computes them on the
executors (SQL aggregates), the driver collects the small result, the Rust core fits the
models exactly as ``profitchain clv`` does, and per-customer predictions are computed back
on the executors from the fitted parameters (Arrow batches through ``mapInArrow`` into the
same Rust code). For the same log the fitted parameters and every customer's values equal
the one-machine path's (to 1e-9: sums of amounts may be added in another order), whatever
the partitioning. ``regress`` runs the same way: each batch's design is built by the Rust
formula code and reduced to sums, in two passes.

Needs pyspark (3.4 or later) on the driver and this package installed on the executors
(the same wheel). ``chain``, ``clv``, ``csi``, ``drivers``, ``metrics`` and ``regress`` run on
Spark today; see README "At scale".

Example (needs a Spark session; the tests in ``python/tests/test_spark.py`` run it)::

    from profitchain import spark
    r = spark.clv(log, id="customer", date="date", amount="amount",
                  calibration_end="1997-09-30")
    r.params, r.totals()
    r.customers.write.parquet("clv/")
    spark.regress(customers, formula="revenue ~ satisfaction", by="segment").to_dict()
"""

from __future__ import annotations

import json
import math
from typing import Any, Dict, List, Optional

from . import _core
from ._spark_common import (  # noqa: F401
    SparkResult,
    _arrow_table,
    _functions,
    _regress_passes,
    _require,
)

__all__ = [
    "chain",
    "clv",
    "csi",
    "drivers",
    "metrics",
    "regress",
    "rfm",
    "SparkChain",
    "SparkClv",
    "SparkCsi",
    "SparkDrivers",
    "SparkMetrics",
    "SparkRegress",
]

_DAYS = {"day": 1.0, "week": 7.0, "month": 365.25 / 12.0, "year": 365.25}
_MODELS = {"bgnbd": "bgnbd", "mbgnbd": "mbgnbd", "pnbd": "paretonbd"}
_EPOCH = "1970-01-01"


def _day_number(text: str, what: str) -> int:
    import datetime as dt

    try:
        d = dt.date.fromisoformat(text)
    except ValueError:
        raise _core.InputError(f"{what} '{text}': give a date as YYYY-MM-DD") from None
    return (d - dt.date(1970, 1, 1)).days


def _date_text(day: int) -> str:
    import datetime as dt

    return (dt.date(1970, 1, 1) + dt.timedelta(days=int(day))).isoformat()


def _days(sdf: Any, column: str, date_format: Optional[str]) -> Any:
    """Days since 1970-01-01 of a date, timestamp, yyyymmdd integer or text column."""
    F = _functions()
    from pyspark.sql import types as T

    dtype = sdf.schema[column].dataType
    c = F.col(column)
    if isinstance(dtype, (T.DateType, T.TimestampType)):
        d = F.to_date(c)
    elif isinstance(dtype, (T.IntegerType, T.LongType, T.ShortType)):
        d = F.to_date(c.cast("string"), "yyyyMMdd")
    elif date_format is not None:
        d = F.to_date(c, date_format)
    else:
        d = F.to_date(F.substring(c.cast("string"), 1, 10), "yyyy-MM-dd")
    return F.datediff(d, F.lit(_EPOCH).cast("date"))


def rfm(
    sdf: Any,
    *,
    id: str,
    date: str,
    amount: str,
    calibration_end: str,
    time_unit: str = "week",
    date_format: Optional[str] = None,
    returns: str = "net",
    allow_end_after_data: bool = False,
    diagnostics: Optional[Dict[str, Any]] = None,
) -> Any:
    """The RFM summary per customer, computed by Spark: ``id``, ``x`` (repeat purchases),
    ``t_x`` (recency), ``T`` (age) in time units, ``mean_spend`` (mean repeat spend, null
    without repeat spend), as ``profitchain clv`` defines them (purchases on one day are one
    transaction; ids are trimmed text, blank ids are missing). ``diagnostics``, when given,
    is filled with the row counts."""
    F = _functions()
    if time_unit not in _DAYS:
        raise _core.InputError(
            f"time_unit '{time_unit}': use day, week, month or year"
        )
    if returns not in ("net", "drop", "keep"):
        raise _core.InputError(
            f"returns '{returns}': use net (a refund reverses its purchase), drop (refunds "
            "removed) or keep (a refund counts as a purchase without spend)"
        )
    _require(sdf, [id, date, amount])
    cal_end = _day_number(calibration_end, "calibration_end")
    scale = _DAYS[time_unit]
    rows = sdf.select(
        F.trim(F.col(id).cast("string")).alias("id"),
        _days(sdf, date, date_format).alias("day"),
        F.col(amount).cast("double").alias("amount"),
    ).withColumn("id", F.when(F.col("id") == "", None).otherwise(F.col("id")))
    valid = (
        F.col("id").isNotNull()
        & F.col("day").isNotNull()
        & F.col("amount").isNotNull()
        & ~F.isnan("amount")
        & (F.abs(F.col("amount")) != float("inf"))
    )
    counts = rows.agg(
        F.count(F.lit(1)).alias("read"),
        F.sum((~valid).cast("long")).alias("missing"),
        F.min(F.when(valid, F.col("day"))).alias("first"),
        F.max(F.when(valid, F.col("day"))).alias("last"),
        F.sum((valid & (F.col("amount") < 0)).cast("long")).alias("returns"),
        F.sum((valid & (F.col("amount") <= 0)).cast("long")).alias("non_positive"),
        F.max(F.when(valid, F.col("amount"))).alias("max_amount"),
    ).collect()[0]
    if counts["max_amount"] is not None and counts["max_amount"] >= 1e15:
        raise _core.InputError(
            f"the amount column '{amount}' holds {counts['max_amount']:e}; amounts of 1e15 "
            "or more are refused (is it an id or an account number?)"
        )
    diag = {
        "rows_read": int(counts["read"]),
        "rows_missing": int(counts["missing"] or 0),
        "returns": int(counts["returns"] or 0),
    }
    if diag["rows_read"] == 0:
        raise _core.InputError(
            "the transaction log holds no purchases: check the Spark DataFrame"
        )
    if counts["first"] is None:
        raise _core.InputError(
            f"every one of the log's {diag['rows_read']} rows lacks an id, a date or an "
            f"amount: check the columns '{id}', '{date}' and '{amount}'"
        )
    first, last = int(counts["first"]), int(counts["last"])
    diag["first_date"], diag["last_date"] = _date_text(first), _date_text(last)
    if cal_end < first:
        raise _core.InputError(
            f"calibration_end {calibration_end} falls before the first purchase "
            f"({_date_text(first)}): no customer has a purchase to calibrate on. The log "
            f"runs from {_date_text(first)} to {_date_text(last)}."
        )
    if not allow_end_after_data and cal_end > last + math.ceil(scale):
        raise _core.InputError(
            f"calibration_end {calibration_end} falls after the log's last purchase "
            f"({_date_text(last)}): customers would look inactive for time the log does not "
            "cover. Use an end within the data, or allow_end_after_data=True."
        )
    rows = rows.filter(valid)
    if diag["returns"] > 0:
        if returns == "net":
            raise _core.InputError(
                f"the log holds {diag['returns']} refunds (negative amounts); netting them "
                "against the purchases they reverse (returns='net') runs on one machine "
                "(profitchain.clv); on Spark, choose returns='drop' or returns='keep', or net "
                "them in the warehouse first"
            )
        if returns == "drop":
            rows = rows.filter(F.col("amount") >= 0)
    if int(counts["non_positive"] or 0) == int(counts["read"]) - diag["rows_missing"]:
        raise _core.InputError(
            f"every amount in '{amount}' is zero or negative, so there is no spend to model; "
            "check that amount names the sales column (not returns or discounts)"
        )
    in_cal = F.col("day") <= cal_end
    positive = F.when(F.col("amount") > 0, F.col("amount")).otherwise(F.lit(0.0))
    # Each amount in millionths, rounded to a whole number, as on one machine
    # (profitchain's spend_micros): whole numbers add exactly below 2^53, so the spend does
    # not depend on the order Spark adds the rows in (the partitioning).
    scaled = positive * F.lit(1e6)
    micros = F.when(
        scaled < F.lit(float(2**52)), F.floor(scaled + F.lit(0.5)).cast("double")
    ).otherwise(scaled)
    # One transaction per customer and day, spend summed; then one row per customer.
    days = rows.groupBy("id", "day").agg(F.sum(micros).alias("spend"))
    customers = days.groupBy("id").agg(
        F.min("day").alias("first"),
        F.sum(in_cal.cast("long")).cast("double").alias("n_cal"),
        F.max(F.when(in_cal, F.col("day"))).alias("last"),
        F.sum(F.when(in_cal, F.col("spend")).otherwise(F.lit(0.0))).alias("cal_spend"),
        F.min_by("spend", "day").alias("first_spend"),
    )
    if diagnostics is not None:
        diag["customers_after_calibration"] = customers.filter(
            F.col("first") > cal_end
        ).count()
        diagnostics.update(diag)
    x = F.col("n_cal") - F.lit(1.0)
    # The mean from the exact sums in millionths, one division (profitchain's mean_spend).
    mean = (F.col("cal_spend") - F.col("first_spend")) / (F.lit(1e6) * x)
    # Periods as the one-machine path computes them: polars divides by a constant by
    # multiplying with its reciprocal, which can differ from a division in the last bit.
    per_day = F.lit(1.0 / scale)
    return customers.filter(F.col("first") <= cal_end).select(
        "id",
        x.alias("x"),
        ((F.col("last") - F.col("first")).cast("double") * per_day).alias("t_x"),
        ((F.lit(cal_end) - F.col("first")).cast("double") * per_day).alias("T"),
        F.when(x > 0, mean).alias("mean_spend"),
    )


class SparkClv:
    """The CLV study of a Spark DataFrame: ``fitted`` (the models, as ``profitchain clv
    --format json`` reports them), ``summaries`` (the tuple counts they were fitted on),
    ``diagnostics`` (row counts), ``customers`` (a Spark DataFrame: the RFM summary with
    ``p_alive``, ``expected_transactions``, ``expected_spend`` and ``clv``, computed on the
    executors) and ``totals()``."""

    def __init__(
        self,
        fitted: Dict[str, Any],
        summaries: Dict[str, Any],
        diagnostics: Dict[str, Any],
        customers: Any,
    ) -> None:
        self.fitted = fitted
        self.summaries = summaries
        self.diagnostics = diagnostics
        self.customers = customers

    @property
    def params(self) -> Dict[str, float]:
        """The purchase model's parameters by name."""
        p = self.fitted["purchase"]
        return dict(zip(p["names"], p["params"]))

    @property
    def warnings(self) -> List[str]:
        return list(self.fitted.get("warnings", []))

    def totals(self) -> Dict[str, float]:
        """Customers, expected transactions and CLV summed, mean CLV and mean P(alive)
        (Spark aggregates over ``customers``)."""
        F = _functions()
        r = self.customers.agg(
            F.count(F.lit(1)).alias("customers"),
            F.sum("expected_transactions").alias("expected_transactions"),
            F.sum("clv").alias("clv"),
            F.avg("clv").alias("mean_clv"),
            F.avg("p_alive").alias("mean_p_alive"),
        ).collect()[0]
        return {k: (int(r[k]) if k == "customers" else r[k]) for k in r.asDict()}

    def __repr__(self) -> str:
        p = ", ".join(f"{k} = {v:.4g}" for k, v in self.params.items())
        return (
            f"<profitchain.spark CLV: {self.fitted['model_label']} ({p}) on "
            f"{int(self.fitted['customers'])} customers>"
        )


def _predict_batches(fitted_json: str):  # type: ignore[no-untyped-def]
    def predict(batches):  # type: ignore[no-untyped-def]
        import pyarrow as pa

        from profitchain import _core as core

        for b in batches:
            cols = {n: b.column(n) for n in b.schema.names}
            mean = [math.nan if v is None else v for v in cols["mean_spend"].to_pylist()]
            p, e, s, c = core.clv_predict(
                fitted_json,
                cols["x"].to_pylist(),
                cols["t_x"].to_pylist(),
                cols["T"].to_pylist(),
                mean,
            )

            def opt(v: List[float]) -> Any:
                return pa.array([None if math.isnan(u) else u for u in v], pa.float64())

            yield pa.RecordBatch.from_arrays(
                [b.column(n) for n in b.schema.names]
                + [pa.array(p, pa.float64()), pa.array(e, pa.float64()), opt(s), opt(c)],
                names=list(b.schema.names)
                + ["p_alive", "expected_transactions", "expected_spend", "clv"],
            )

    return predict


def clv(
    sdf: Any,
    *,
    id: str,
    date: str,
    amount: str,
    calibration_end: str,
    time_unit: str = "week",
    horizon: float = 52.0,
    discount: float = 0.1,
    margin: float = 1.0,
    model: str = "bgnbd",
    compare: Optional[List[str]] = None,
    date_format: Optional[str] = None,
    returns: str = "net",
    allow_end_after_data: bool = False,
) -> SparkClv:
    """Customer lifetime value of a Spark DataFrame of purchases (one row per purchase),
    with the options of ``profitchain clv``: the RFM summary and its tuple counts on the
    executors, the BG/NBD (MBG/NBD, Pareto/NBD) and Gamma-Gamma fits on the driver in Rust,
    per-customer predictions back on the executors. The result's ``customers`` is a Spark
    DataFrame (lazy: write it, or ``.toPandas()`` a sample)."""
    F = _functions()
    unknown = [m for m in [model] + list(compare or []) if m not in _MODELS]
    if unknown:
        raise _core.InputError(
            f"model '{unknown[0]}': on Spark use bgnbd, mbgnbd or pnbd (bgbb's discrete "
            "opportunities run on one machine: profitchain.clv)"
        )
    diag: Dict[str, Any] = {}
    table = rfm(
        sdf,
        id=id,
        date=date,
        amount=amount,
        calibration_end=calibration_end,
        time_unit=time_unit,
        date_format=date_format,
        returns=returns,
        allow_end_after_data=allow_end_after_data,
        diagnostics=diag,
    ).persist()
    tuples = [
        [float(r["x"]), float(r["t_x"]), float(r["T"]), float(r["n"])]
        for r in table.groupBy("x", "t_x", "T").agg(F.count(F.lit(1)).alias("n")).collect()
    ]
    repeat = F.col("x") > 0
    spend = [
        [float(r["x"]), float(r["mean_spend"]), float(r["n"])]
        for r in table.filter(repeat & (F.col("mean_spend") > 0))
        .groupBy("x", "mean_spend")
        .agg(F.count(F.lit(1)).alias("n"))
        .collect()
    ]
    no_spend = table.filter(
        repeat & (F.col("mean_spend").isNull() | (F.col("mean_spend") <= 0))
    ).count()
    summaries = {
        "time_unit": time_unit,
        "discrete": False,
        "tuples": tuples,
        "spend": spend,
        "no_spend": no_spend,
    }
    diag["customers"] = int(sum(t[3] for t in tuples))
    options = {
        "horizon": float(horizon),
        "discount": float(discount),
        "margin": float(margin),
        "model": _MODELS[model],
        "compare": [_MODELS[m] for m in (compare or [])],
    }
    if diag["customers"] == 0:
        raise _core.InputError(
            f"no customer has a purchase by calibration_end {calibration_end}: every "
            "purchase up to then is missing an id, a date or an amount, or was dropped"
        )
    fitted_json = _core.clv_fit(json.dumps(summaries), json.dumps(options))
    schema = (
        "id string, x double, t_x double, T double, mean_spend double, p_alive double, "
        "expected_transactions double, expected_spend double, clv double"
    )
    customers = table.mapInArrow(_predict_batches(fitted_json), schema)
    return SparkClv(json.loads(fitted_json), summaries, diag, customers)


class SparkRegress:
    """A regression of a Spark DataFrame: ``to_dict()`` is ``profitchain regress --format
    json``'s result (one model per group), ``models`` its list."""

    def __init__(self, result: Dict[str, Any]) -> None:
        self._result = result

    def to_dict(self) -> Dict[str, Any]:
        return json.loads(json.dumps(self._result))

    @property
    def models(self) -> List[Dict[str, Any]]:
        return list(self._result["models"])

    @property
    def warnings(self) -> List[str]:
        return [w for m in self._result["models"] for w in m.get("warnings", [])]

    def coefficients(self) -> Any:
        """The coefficient table (a pandas DataFrame: group, term, estimate, std_error,
        statistic, p_value, ci_low, ci_high)."""
        import pandas as pd

        return pd.DataFrame(
            [dict(group=m["group"], **t) for m in self._result["models"] for t in m["terms"]]
        )

    def __repr__(self) -> str:
        groups = ", ".join(f"{m['group']} (n = {m['n']})" for m in self._result["models"])
        return f"<profitchain.spark regress {self._result['models'][0]['formula']}: {groups}>"


def regress(
    sdf: Any,
    *,
    formula: str,
    by: Optional[str] = None,
    se: str = "nonrobust",
    confidence: float = 0.95,
    id: Optional[str] = None,
) -> SparkRegress:
    """OLS of a Spark DataFrame with the formulas of ``profitchain regress`` (overall, or per
    value of ``by``), in two passes over the partitions: each Arrow batch's design is built
    by the Rust formula code and reduced to cross-product sums on the executors, the driver
    merges them and fits; a second pass sums the residuals for the robust covariances
    (``se`` = nonrobust, hc0…hc3), Breusch–Pagan, Jarque–Bera and the most influential rows
    (named by ``id``). The same numbers as on one machine (to 1e-9), but the Durbin–Watson
    statistic, which needs a row order a partitioned table lacks."""
    se = se.lower()
    if se not in ("nonrobust", "hc0", "hc1", "hc2", "hc3"):
        raise _core.InputError(f"se '{se}': use nonrobust, hc0, hc1, hc2 or hc3")
    if not 0 < confidence < 1:
        raise _core.InputError(f"confidence {confidence} must be between 0 and 1")
    columns = _core.formula_columns(formula)
    wanted = list(dict.fromkeys(columns + [c for c in (by, id) if c]))
    _require(sdf, wanted)
    data = sdf.select(*wanted)
    merged, residuals = _regress_passes(data, formula, by, id)
    options = {"formula": formula, "by": by, "se": se, "confidence": confidence, "id": id}
    return SparkRegress(json.loads(_core.regress_finish(merged, residuals, json.dumps(options))))


class SparkChain(SparkResult):
    """The chain study of a Spark DataFrame: ``to_dict()`` is ``profitchain chain --format
    json``'s result, ``text`` its text, ``summary`` the plain-language lines."""

    @property
    def summary(self) -> List[str]:
        return list(self._result["summary"])

    @property
    def segments(self) -> List[Dict[str, Any]]:
        return list(self._result["segments"])

    def __repr__(self) -> str:
        sizes = ", ".join(f"{s['name']} (n = {s['n']})" for s in self._result["segments"])
        return f"<profitchain.spark chain: {sizes}>"


def _chain_columns(spec: Dict[str, Any]) -> List[str]:
    """The columns the chain reads, from its study (roles, covariates, segment column)."""
    roles = spec["study"]["roles"]
    cols = [roles[k] for k in ("id", "satisfaction", "share_of_wallet", "category_spend",
                               "revenue", "profit", "cost") if roles.get(k)]
    cols += list(roles.get("covariates", [])) + list(roles.get("moderators", []))
    seg = spec["study"].get("segments") or {}
    if seg.get("column"):
        cols.append(seg["column"])
    return list(dict.fromkeys(cols))


def chain(sdf: Any, *, lang: str = "en", **options: Any) -> SparkChain:
    """The chain study (``profitchain chain --streaming``) of a Spark DataFrame with a row
    per customer, with ``chain``'s options: ``id``, ``satisfaction``, ``share_of_wallet``
    (or ``category_spend``), ``revenue``, ``profit`` (or ``cost``), ``segment_rule``,
    ``covariate``, ``bootstrap``, ``seed``, ``confidence``, ``alpha``, ``se``, ``units``….

    Two passes over the partitions: each partition is counted and reduced to per-segment
    cross-product sums on its executor (the Rust code of ``chain --streaming``), the driver
    merges them and fits; each partition then sums its residuals and its customers' hash
    groups, from which the driver's hash-block bootstrap resamples. Repeated ids are found
    with a Spark aggregate first. The same numbers as ``chain --streaming`` on the same
    rows (to 1e-9), whatever the partitioning."""
    from . import _Call, _argv

    F = _functions()
    call = _Call()
    argv = _argv("chain", dict(options, data="spark"), call)
    spec_json = _core.chain_spec(argv[1:])
    spec = json.loads(spec_json)
    wanted = _chain_columns(spec)
    _require(sdf, wanted)
    data = sdf.select(*wanted)
    id_col = spec["study"]["roles"]["id"]
    repeated = (
        data.where(F.col(id_col).isNotNull())
        .groupBy(id_col)
        .count()
        .where(F.col("count") > 1)
        .orderBy(id_col)
        .limit(6)
        .collect()
    )
    if repeated:
        ids = ", ".join(repr(str(r[id_col])) for r in repeated[:5])
        raise _core.InputError(
            f"the Spark DataFrame has repeated ids in '{id_col}' (e.g. {ids}): a chain "
            "needs one row per customer. Remove the duplicates, or aggregate the rows per "
            "customer first."
        )
    out_schema = "part string"

    def pass1(batches):  # type: ignore[no-untyped-def]
        import pyarrow as pa

        from profitchain import _core as core

        rows = [b for b in batches if b.num_rows]
        if rows:
            text = core.chain_part1(pa.Table.from_batches(rows), spec_json)
            yield pa.RecordBatch.from_pydict({"part": [text]})

    parts = [r["part"] for r in data.mapInArrow(pass1, out_schema).collect()]
    if not parts:
        raise _core.InputError("the Spark DataFrame has no rows to analyse")
    stage2 = _core.chain_stage2(parts, spec_json, "the Spark DataFrame")

    def pass2(batches):  # type: ignore[no-untyped-def]
        import pyarrow as pa

        from profitchain import _core as core

        rows = [b for b in batches if b.num_rows]
        if rows:
            text = core.chain_part2(pa.Table.from_batches(rows), spec_json, stage2)
            yield pa.RecordBatch.from_pydict({"part": [text]})

    residuals = [r["part"] for r in data.mapInArrow(pass2, out_schema).collect()]
    result, text = _core.chain_finish(spec_json, stage2, residuals, lang)
    return SparkChain(json.loads(result), text)


# The survey analyses (metrics, drivers, csi) live in their own module.
from ._spark_survey import (  # noqa: E402
    SparkCsi,
    SparkDrivers,
    SparkMetrics,
    csi,
    drivers,
    metrics,
)
