"""Writes python/python/profitchain/__init__.pyi, the type stub, from the command line's
own definition of the verbs (the same table the package builds its functions from).
Run after adding or changing a command: python python/make_stub.py
(tests/test_api.py fails while the stub is out of date)."""

import keyword
import pathlib
import sys

HEADER = '''"""Type stub of profitchain (written by python/make_stub.py from the command line's own
definition; do not edit by hand)."""

import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import polars as pl

Table = Union[str, "os.PathLike[str]", pl.DataFrame, pl.LazyFrame, Any]
"""A path (every format the command line reads), a polars DataFrame or LazyFrame, or a
pandas DataFrame."""
Study = Union[str, "os.PathLike[str]", Mapping[str, Any]]
"""A study file, a study as TOML text, or a dict (table paths may be DataFrames)."""
Value = Union[str, int, float]

VERBS: Dict[str, dict]

class InputError(ValueError): ...
class InternalError(RuntimeError): ...
class ProfitchainWarning(UserWarning): ...

class Result:
    verb: str
    def to_dict(self) -> Any: ...
    def to_json(self, path: Optional[str] = None) -> str: ...
    def summary(self, lang: Optional[str] = None) -> str: ...
    def to_excel(self, path: str) -> None: ...
    def report(self, out: str, force: bool = False, **options: Any) -> "Result": ...
    @property
    def table_names(self) -> List[str]: ...
    @property
    def tables(self) -> Dict[str, pl.DataFrame]: ...
    def table(self, name: str) -> pl.DataFrame: ...
    def to_pandas(self, name: str) -> Any: ...
    @property
    def warnings(self) -> List[str]: ...
    @property
    def charts(self) -> Dict[str, str]: ...
    def _repr_html_(self) -> str: ...
    def __getattr__(self, name: str) -> pl.DataFrame: ...
'''

TABLES = {"data", "transactions", "next_wave", "files"}


def annotation(arg: dict) -> str:
    key = (arg["long"] or arg["id"]).replace("-", "_")
    if key == "study":
        return "Optional[Study]"
    if key in TABLES or arg["id"] in TABLES:
        return "Optional[Union[Table, Sequence[Table]]]" if arg["multiple"] or arg["positional"] else "Optional[Table]"
    if not arg["takes_value"]:
        return "Optional[bool]"
    if arg["multiple"]:
        return "Optional[Union[Value, Sequence[Value], Mapping[str, Value]]]"
    return "Optional[Union[Value, Sequence[Value]]]"


def stub(spec: dict) -> str:
    out = [HEADER]
    for verb in spec["verbs"]:
        params = []
        for a in verb["args"]:
            key = (a["long"] or a["id"]).replace("-", "_")
            if keyword.iskeyword(key):
                continue
            params.append(f"    {key}: {annotation(a)} = None,")
        params.append("    lang: Optional[str] = None,")
        about = (verb.get("about") or "").replace('"""', "'")
        out.append(f"def {verb['name']}(\n    *,\n" + "\n".join(params) + f'\n) -> Result:\n    """{about}"""\n')
    return "\n".join(out)


def main() -> None:
    sys.path.insert(0, "")
    import json

    from profitchain import _core

    text = stub(json.loads(_core.verbs()))
    path = pathlib.Path(__file__).resolve().parent / "python" / "profitchain" / "__init__.pyi"
    path.write_text(text)
    print("wrote", path)


if __name__ == "__main__":
    main()
