"""profitchain in Python: every command of the ``profitchain`` tool as a function, over the
same Rust core (no second implementation), with results as polars DataFrames.

>>> import profitchain as pc
>>> res = pc.chain(bootstrap=0)                 # the bundled brokerage sample
>>> res.coefficients.columns[:4]
['segment', 'model', 'outcome', 'term']
>>> "Bottom line" in res.summary()
True

Inputs: a path (every format the command line reads), a polars DataFrame or LazyFrame,
or a pandas DataFrame; a study as a TOML file, a TOML string or a dict. Options are the
command line's, as keyword arguments (``--share-of-wallet`` is ``share_of_wallet=``).
Bad input raises :class:`InputError` (a ``ValueError``) with the command line's message.
"""

from __future__ import annotations

import io
import json
import os
import warnings as _warnings
from typing import Any, Callable, Dict, List, Optional

from . import _core
from ._core import InputError, InternalError

__all__ = ["InputError", "InternalError", "ProfitchainWarning", "Result", "VERBS"]


class ProfitchainWarning(UserWarning):
    """A finding of the input audit, or another caveat a number carries."""


#: The verbs and their options, read from the command line's own definition.
_SPEC = json.loads(_core.verbs())
VERBS: Dict[str, dict] = {v["name"]: v for v in _SPEC["verbs"]}

# Options that name files the call writes: the call writes them only when given.
_WRITES = {"output", "export", "svg", "customers_out", "scores_out", "diagnostics_json", "out", "comments", "suggest", "write_defaults"}
# Required output options of verbs whose results are also useful without writing.
_PLACEHOLDER = {"build": ("output", "customers.parquet"), "simulate": ("out", "sample"), "report": ("out", "report")}
# Options whose value is a table: DataFrames are handed over in memory.
_TABLE_OPTIONS = {"data", "transactions", "next_wave", "files", "cohorts", "subscriptions", "covariates"}


def _key(arg: dict) -> str:
    return (arg["long"] or arg["id"]).replace("-", "_")


def _is_frame(x: Any) -> bool:
    mod = type(x).__module__
    return mod.startswith("polars") or mod.startswith("pandas") or hasattr(x, "__arrow_c_stream__")


def _as_stream(x: Any) -> Any:
    """An object with ``__arrow_c_stream__`` for a polars or pandas frame."""
    mod = type(x).__module__
    if mod.startswith("polars") and hasattr(x, "collect") and not hasattr(x, "__arrow_c_stream__"):
        x = x.collect()  # a LazyFrame
    elif mod.startswith("polars") and type(x).__name__ == "LazyFrame":
        x = x.collect()
    if mod.startswith("pandas"):
        try:
            import pyarrow as pa
        except ImportError as e:  # pragma: no cover - pandas users install pyarrow
            raise InputError("a pandas DataFrame needs pyarrow: pip install pyarrow") from e
        x = pa.Table.from_pandas(x, preserve_index=False)
    if not hasattr(x, "__arrow_c_stream__"):
        raise InputError(f"{type(x).__name__} is not a table: pass a path, a polars or a pandas DataFrame")
    return x


class _Call:
    """One call's registered frames and study texts (released when the call ends)."""

    def __init__(self) -> None:
        self.handles: List[Any] = []

    def frame(self, name: str, x: Any) -> str:
        h = _core.frame(name, _as_stream(x))
        self.handles.append(h)
        return h.path

    def study(self, study: Any) -> str:
        if isinstance(study, dict):
            study = dict(study)
            tables = []
            for t in study.get("table", []):
                t = dict(t)
                if _is_frame(t.get("path")):
                    t["path"] = self.frame(t.get("name", "table"), t["path"])
                tables.append(t)
            if tables:
                study["table"] = tables
            text = _core.json_to_toml(json.dumps(study, default=str))
        elif isinstance(study, str) and ("\n" in study or "=" in study) and not os.path.exists(study):
            text = study
        else:
            return os.fspath(study)
        h = _core.study_text("study.toml", text, os.getcwd())
        self.handles.append(h)
        return h.path


def _argv(verb: str, kwargs: Dict[str, Any], call: _Call) -> List[str]:
    spec = VERBS[verb]
    by_key = {}
    for a in spec["args"] + _SPEC["globals"]:
        by_key[_key(a)] = a
        by_key[a["id"].replace("-", "_")] = a
    argv: List[str] = [verb]
    positional: List[str] = []
    for k, v in kwargs.items():
        if v is None or v is False:
            continue
        a = by_key.get(k)
        if a is None:
            known = ", ".join(sorted({_key(x) for x in spec["args"]}))
            raise InputError(f"{verb}() got an unexpected option '{k}'; it takes: {known}")
        if k == "study" or a["id"] == "study":
            vals = [call.study(v)]
        elif a["id"] in _TABLE_OPTIONS or _key(a) in _TABLE_OPTIONS:
            items = v if isinstance(v, (list, tuple)) else [v]
            vals = [call.frame(k, x) if _is_frame(x) else os.fspath(x) for x in items]
        elif isinstance(v, (list, tuple)):
            if a["multiple"]:
                vals = [str(x) for x in v]
            else:
                vals = [",".join(str(x) for x in v)]
        elif isinstance(v, dict):
            vals = [f"{kk}={vv}" for kk, vv in v.items()]
        else:
            vals = ["" if v is True else (os.fspath(v) if isinstance(v, os.PathLike) else str(v))]
        if not a["takes_value"]:
            argv.append(f"--{a['long']}")
            continue
        if a["positional"]:
            positional.extend(vals)
            continue
        if a["multiple"] and (a.get("nargs") or 1) > 1:
            argv.append(f"--{a['long']}")
            argv.extend(vals)
        else:
            for x in vals:
                argv.extend([f"--{a['long']}", x])
    return argv + positional


def _progress_bar(verb: str) -> Any:
    """A tqdm bar for the resampling (when tqdm is installed), and how to close it."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None, lambda: None
    state: Dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = tqdm(total=total, desc=f"{verb}: bootstrap", unit=" resamples", leave=False)
        bar.total = total
        bar.n = done
        bar.refresh()

    def close() -> None:
        if "bar" in state:
            state["bar"].close()

    return update, close


def _run(verb: str, kwargs: Dict[str, Any]) -> "Result":
    call = _Call()
    writes = any(kwargs.get(k) is not None for k in _WRITES)
    kw = dict(kwargs)
    if verb in _PLACEHOLDER:
        name, value = _PLACEHOLDER[verb]
        if kw.get(name) is None:
            if writes:
                raise InputError(f"{verb}(): give {name}= too (where to write), or leave out the other file options")
            # Required by the command line, never written here: the result holds the data.
            kw[name] = os.path.join(os.getcwd(), ".profitchain-not-written", value)
    progress, close = _progress_bar(verb)
    try:
        outcome = _core.run(_argv(verb, kw, call), progress)
    finally:
        close()
    if writes:
        outcome.write_files()
    res = Result(outcome, verb, kwargs)
    for w in res.warnings:
        _warnings.warn(w, ProfitchainWarning, stacklevel=3)
    del call  # the frames and study texts are released here
    return res


class Result:
    """What a verb produced. ``to_dict()`` is exactly the command line's JSON; the tables
    are polars DataFrames with the columns of ``--export``'s CSVs (``res.coefficients``,
    ``res.tables``); ``summary(lang)`` is the command line's text."""

    def __init__(self, outcome: Any, verb: str, inputs: Dict[str, Any]) -> None:
        self._o = outcome
        self.verb = verb
        self._inputs = inputs
        self._cache: Dict[str, Any] = {}

    # -- the command line's outputs ------------------------------------------------
    def to_dict(self) -> dict:
        """The command line's JSON output (``--format json``) as a dict."""
        return json.loads(self._o.json())

    def to_json(self, path: Optional[str] = None) -> str:
        """The command line's JSON, byte for byte; written to ``path`` when given."""
        text = self._o.json()
        if path is not None:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        return text

    def summary(self, lang: Optional[str] = None) -> str:
        """The command line's text output, in English (``"en"``) or Chinese (``"zh"``)."""
        return self._o.text(lang)

    def to_excel(self, path: str) -> None:
        """The summary workbook (``summary.xlsx`` of ``--export``)."""
        data = self._o.workbook()
        if data is None:
            raise InputError(f"{self.verb} has no workbook")
        with open(path, "wb") as f:
            f.write(bytes(data))

    def report(self, out: str, force: bool = False, **options: Any) -> "Result":
        """The full report (HTML, Markdown, charts, tables) of the same study, in folder ``out``."""
        allowed = {_key(a) for a in VERBS["report"]["args"]}
        kw = {k: v for k, v in self._inputs.items() if k in allowed and k not in _WRITES}
        kw.update(options)
        return _run("report", dict(kw, out=out, force=force or None))

    # -- tables ---------------------------------------------------------------------
    @property
    def table_names(self) -> List[str]:
        return list(self._o.table_names())

    @property
    def tables(self) -> Dict[str, Any]:
        """Every table of the result, by name."""
        return {n: self.table(n) for n in self.table_names}

    def table(self, name: str) -> Any:
        import polars as pl

        if name not in self._cache:
            self._cache[name] = pl.read_ipc(io.BytesIO(bytes(self._o.table(name))))
        return self._cache[name]

    def to_pandas(self, name: str) -> Any:
        """A table as a pandas DataFrame."""
        return self.table(name).to_pandas()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self.table_names:
            return self.table(name)
        raise AttributeError(f"{self.verb} result has no attribute or table '{name}' (tables: {', '.join(self.table_names)})")

    def __dir__(self) -> List[str]:
        return sorted(set(super().__dir__()) | set(self.table_names))

    # -- caveats ---------------------------------------------------------------------
    @property
    def warnings(self) -> List[str]:
        """The warnings every output carries (audit findings and other caveats)."""
        d = self.to_dict()
        found: List[str] = []

        def walk(x: Any) -> None:
            if isinstance(x, dict):
                diag = x.get("diagnostics")
                if isinstance(diag, dict):
                    for w in diag.get("warnings") or []:
                        if isinstance(w, str) and w not in found:
                            found.append(w)
                for k, v in x.items():
                    if k != "diagnostics":
                        walk(v)
            elif isinstance(x, list):
                for v in x:
                    walk(v)

        walk(d if isinstance(d, dict) else {"items": d})
        return found

    @property
    def charts(self) -> Dict[str, str]:
        """The result's charts as SVG text, by file name."""
        return dict(self._o.charts())

    # -- display ---------------------------------------------------------------------
    def __repr__(self) -> str:
        return f"<profitchain {self.verb} result: tables {', '.join(self.table_names) or '-'}>"

    def _repr_html_(self) -> str:
        from ._html import render

        return render(self)


def _docstring(spec: dict) -> str:
    lines = [spec.get("about") or "", "", "Options (the command line's, as keyword arguments):"]
    for a in spec["args"]:
        name = _key(a)
        kind = "flag" if not a["takes_value"] else ("list" if a["multiple"] else "value")
        default = f" [default: {', '.join(a['default'])}]" if a["default"] else ""
        choices = f" (one of: {', '.join(a['choices'])})" if a["choices"] and a["takes_value"] else ""
        lines.append(f"    {name} ({kind}): {(a.get('help') or '').strip()}{choices}{default}")
    lines += ["    lang (value): en or zh, the language of summary() and the HTML"]
    if spec.get("examples"):
        lines += ["", "Command-line " + spec["examples"].strip()]
    from ._examples import example

    return "\n".join(lines) + example(spec["name"])


def _make(verb: str) -> Callable[..., Result]:
    def fn(**kwargs: Any) -> Result:
        return _run(verb, kwargs)

    fn.__name__ = fn.__qualname__ = verb
    fn.__doc__ = _docstring(VERBS[verb])
    return fn


# One function per verb, by construction: a new command gets its binding here.
for _verb in VERBS:
    globals()[_verb] = _make(_verb)
    __all__.append(_verb)
del _verb
