"""Helpers shared by the Spark analyses (``profitchain.spark`` and its survey module)."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from . import _core


def _functions() -> Any:
    try:
        from pyspark.sql import functions as F
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "profitchain.spark needs pyspark: pip install pyspark (3.4 or later)"
        ) from e
    return F


def _require(sdf: Any, columns: List[str]) -> None:
    missing = [c for c in columns if c not in sdf.columns]
    if missing:
        raise _core.InputError(
            f"the Spark DataFrame has no column {', '.join(repr(c) for c in missing)}; "
            f"its columns are {', '.join(sdf.columns)}"
        )


def _arrow_table(batch: Any) -> Any:
    import pyarrow as pa

    return pa.Table.from_batches([batch])


def _regress_passes(data: Any, formula: str, by: Optional[str], id: Optional[str]) -> Any:
    """``regress``'s two passes over the partitions: the merged pass-1 sums (JSON) and each
    part's residual sums (JSON texts)."""
    out_schema = "group string, part string"

    def pass1(batches):  # type: ignore[no-untyped-def]
        import pyarrow as pa

        from profitchain import _core as core

        for b in batches:
            if b.num_rows:
                text = core.regress_part(_arrow_table(b), formula, by)
                yield pa.RecordBatch.from_pydict({"group": [""], "part": [text]})

    parts = [r["part"] for r in data.mapInArrow(pass1, out_schema).collect()]
    if not parts:
        raise _core.InputError("the Spark DataFrame has no rows to fit")
    merged = _core.regress_merge(parts)

    def pass2(batches):  # type: ignore[no-untyped-def]
        import pyarrow as pa

        from profitchain import _core as core

        for b in batches:
            if b.num_rows:
                text = core.regress_residuals(_arrow_table(b), formula, merged, by, id)
                yield pa.RecordBatch.from_pydict({"group": [""], "part": [text]})

    residuals = [r["part"] for r in data.mapInArrow(pass2, out_schema).collect()]
    return merged, residuals


class SparkResult:
    """A Spark analysis' result: ``to_dict()`` is the matching command's ``--format json``
    result, ``text`` its text output."""

    def __init__(self, result: Dict[str, Any], text: str) -> None:
        self._result = result
        self.text = text

    def to_dict(self) -> Dict[str, Any]:
        return json.loads(json.dumps(self._result))
