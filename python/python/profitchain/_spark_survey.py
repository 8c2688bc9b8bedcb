"""The survey analyses of ``profitchain.spark``: ``metrics`` (counts per rating value by
Spark SQL), ``drivers`` (``regress``'s two passes) and ``csi`` (the items' sums and the hash
blocks' cross-products in two passes). Import them from ``profitchain.spark``."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from . import _core
from ._spark_common import SparkResult, _functions, _regress_passes, _require


class SparkMetrics(SparkResult):
    """Satisfaction metrics of a Spark DataFrame: ``to_dict()`` is ``profitchain metrics
    --format json``'s result, ``text`` its text, ``groups`` the per-group metrics."""

    @property
    def groups(self) -> List[Dict[str, Any]]:
        return list(self._result["groups"])

    def __repr__(self) -> str:
        groups = ", ".join(f"{g['group']} (n = {g['n']})" for g in self._result["groups"])
        return f"<profitchain.spark metrics: {groups}>"


def metrics(sdf: Any, *, lang: str = "en", **options: Any) -> SparkMetrics:
    """CSAT, NPS, CES and retention (``profitchain metrics --streaming``) of a Spark
    DataFrame of survey responses, with ``metrics``' options: ``csat``, ``csat_scale``,
    ``nps``, ``ces``, ``ces_scale``, ``retained``, ``by``, ``confidence``.

    Spark counts each rating value per group (SQL aggregates on the executors); the driver
    collects the counts (a few rows per group) and the Rust core computes the metrics from
    them as ``metrics --streaming`` does. Counts are exact, so the results are identical
    whatever the partitioning."""
    from . import _Call, _argv

    F = _functions()
    argv = _argv("metrics", dict(options, data="spark"), _Call())
    spec_json = _core.metrics_spec(argv[1:])
    spec = json.loads(spec_json)
    columns = []
    if spec.get("csat"):
        columns.append(spec["csat"][0])
    for k in ("nps", "retained"):
        if spec.get(k):
            columns.append(spec[k])
    if spec.get("ces"):
        columns.append(spec["ces"][0])
    by = spec.get("by")
    _require(sdf, list(dict.fromkeys(columns + ([by] if by else []))))
    group = F.col(by).cast("string") if by else F.lit("all")
    data = sdf.select(group.alias("__group"), *[F.col(c).cast("double").alias(c) for c in columns])
    rows = [[r["__group"], float(r["count"])] for r in data.groupBy("__group").count().collect()]
    values = {}
    for c in dict.fromkeys(columns):
        counted = (
            data.where(F.col(c).isNotNull())
            .groupBy("__group", F.col(c).alias("__v"))
            .count()
            .collect()
        )
        values[c] = [[r["__group"], float(r["__v"]), float(r["count"])] for r in counted]
    counts = json.dumps({"groups": rows, "values": values})
    result, text = _core.metrics_from_counts(counts, spec_json, "the Spark DataFrame", lang)
    return SparkMetrics(json.loads(result), text)


class SparkDrivers(SparkResult):
    """A key-driver analysis of a Spark DataFrame: ``to_dict()`` is ``profitchain drivers
    --format json``'s result, ``text`` its text, ``groups`` the per-group results."""

    @property
    def groups(self) -> List[Dict[str, Any]]:
        return list(self._result["groups"])

    def __repr__(self) -> str:
        groups = ", ".join(f"{g['group']} (n = {g['n']})" for g in self._result["groups"])
        return f"<profitchain.spark drivers of {self._result['target']}: {groups}>"


def drivers(
    sdf: Any,
    *,
    drivers: List[str],
    target: str = "satisfaction",
    by: Optional[str] = None,
    confidence: float = 0.95,
    lang: str = "en",
) -> SparkDrivers:
    """Key drivers (``profitchain drivers --streaming``) of a Spark DataFrame: the
    regression of ``target`` on ``drivers`` per group in ``regress``'s two passes over the
    partitions, the Shapley values and relative weights from the same sums' correlation
    matrix, and the drivers' rating ranges by a Spark aggregate. The same numbers as on one
    machine (to 1e-9). The bootstrap of importances resamples rows and is not available."""
    F = _functions()
    options = dict(target=target, drivers=list(drivers), by=by, bootstrap=0, seed=1,
                   confidence=confidence)
    options_json = json.dumps(options)
    formula = _core.drivers_formula(options_json)
    wanted = list(dict.fromkeys([target] + list(drivers) + ([by] if by else [])))
    _require(sdf, wanted)
    data = sdf.select(*wanted)
    merged, residuals = _regress_passes(data, formula, by, None)
    # Each group's lowest and highest driver rating, over the rows the regression used.
    complete = None
    for c in [target] + list(drivers):
        ok = F.col(c).cast("double").isNotNull() & ~F.isnan(F.col(c).cast("double"))
        complete = ok if complete is None else complete & ok
    group = F.col(by).cast("string") if by else F.lit("all")
    agg = [F.min(F.col(d).cast("double")).alias(f"lo{j}") for j, d in enumerate(drivers)]
    agg += [F.max(F.col(d).cast("double")).alias(f"hi{j}") for j, d in enumerate(drivers)]
    ranges = {}
    for r in data.where(complete).groupBy(group.alias("__group")).agg(*agg).collect():
        lo = min(r[f"lo{j}"] for j in range(len(drivers)))
        hi = max(r[f"hi{j}"] for j in range(len(drivers)))
        ranges[r["__group"]] = [float(lo), float(hi)]
    result, text = _core.drivers_finish(options_json, merged, residuals, json.dumps(ranges), lang)
    return SparkDrivers(json.loads(result), text)


class SparkCsi(SparkResult):
    """A satisfaction-index model of a Spark DataFrame: ``to_dict()`` is ``profitchain csi
    --format json``'s result, ``text`` its text."""

    @property
    def paths(self) -> List[Dict[str, Any]]:
        return list(self._result["paths"])

    @property
    def constructs(self) -> List[Dict[str, Any]]:
        return list(self._result["constructs"])

    def __repr__(self) -> str:
        return (
            f"<profitchain.spark csi: n = {self._result['n']}, "
            f"{len(self._result['constructs'])} constructs, {len(self._result['paths'])} paths>"
        )


def csi(sdf: Any, *, model: str, lang: str = "en", **options: Any) -> SparkCsi:
    """The satisfaction-index model (``profitchain csi --streaming``) of a Spark DataFrame
    with a row per respondent, with ``csi``'s options: ``model`` (the model file, read on
    the driver), ``respondent`` (the id keying the bootstrap's hash blocks), ``bootstrap``,
    ``seed``, ``confidence``, ``missing``, ``scale``, ``scheme``, ``consistent``, ``target``,
    ``missing_codes``….

    Two passes over the partitions: each is reduced on its executor to the items' sums
    (the Rust code of ``csi --streaming``) and the driver merges them; with a bootstrap
    (or mean replacement) each partition then sums its respondents' hash blocks, Spark
    adds each block's sums over the partitions in partition order, and the driver fits the
    model and resamples the 1,000 blocks. The same numbers as ``csi --streaming`` on the
    same rows (to 1e-9), whatever the partitioning."""
    from . import _Call, _argv

    F = _functions()
    argv = _argv("csi", dict(options, data="spark", model=model), _Call())
    spec_json = _core.csi_spec(argv[1:])
    spec = json.loads(spec_json)
    items = [i for c in spec["model"]["construct"] for i in c["items"]]
    key = spec.get("key")
    wanted = list(dict.fromkeys(items + ([key] if key else [])))
    _require(sdf, wanted)
    data = sdf.select(*wanted)

    def pass1(batches):  # type: ignore[no-untyped-def]
        import pyarrow as pa

        from profitchain import _core as core

        rows = [b for b in batches if b.num_rows]
        if rows:
            text = core.csi_part1(pa.Table.from_batches(rows), spec_json)
            yield pa.RecordBatch.from_pydict({"part": [text]})

    parts = [r["part"] for r in data.mapInArrow(pass1, "part string").collect()]
    if not parts:
        raise _core.InputError("the Spark DataFrame has no rows to analyse")
    stage, more = _core.csi_stage(parts, spec_json)
    pieces: List[Any] = []
    if more:

        def pass2(batches):  # type: ignore[no-untyped-def]
            import pyarrow as pa
            from pyspark import TaskContext

            from profitchain import _core as core

            pid = TaskContext.get().partitionId()
            rows = [b for b in batches if b.num_rows]
            if rows:
                got = core.csi_part2(pa.Table.from_batches(rows), spec_json, stage)
                yield pa.RecordBatch.from_pydict(
                    {
                        "pid": [pid] * len(got),
                        "key": [k for k, _ in got],
                        "sums": [b for _, b in got],
                    },
                    schema=pa.schema(
                        [("pid", pa.int32()), ("key", pa.int64()), ("sums", pa.binary())]
                    ),
                )

        def reduce(batches):  # type: ignore[no-untyped-def]
            import pyarrow as pa

            from profitchain import _core as core

            for b in batches:
                keys = b.column("key").to_pylist()
                lists = b.column("parts").to_pylist()
                sums = [
                    core.csi_reduce(k, [p["sums"] for p in sorted(ps, key=lambda p: p["pid"])], stage)
                    for k, ps in zip(keys, lists)
                ]
                yield pa.RecordBatch.from_pydict(
                    {"key": keys, "sums": sums},
                    schema=pa.schema([("key", pa.int64()), ("sums", pa.binary())]),
                )

        keyed = data.mapInArrow(pass2, "pid int, key long, sums binary")
        grouped = keyed.groupBy("key").agg(
            F.collect_list(F.struct("pid", "sums")).alias("parts")
        )
        reduced = grouped.mapInArrow(reduce, "key long, sums binary").collect()
        pieces = [(r["key"], bytes(r["sums"])) for r in reduced]
    result, text = _core.csi_finish(spec_json, stage, pieces, lang)
    return SparkCsi(json.loads(result), text)
