"""The package's surface follows the command line by construction: one function per verb
with its options, a docstring example per verb (run as doctests), and a type stub that is
current."""

import importlib.util
import pathlib
import re

import profitchain as pc

HERE = pathlib.Path(__file__).resolve().parents[1]


def test_verbs_are_the_command_lines_subcommands(cli):
    help_text = cli("--help").stdout
    listed = re.findall(r"^  ([a-z]+)\s{2,}", help_text, flags=re.M)
    assert set(listed) - {"help"} == set(pc.VERBS)
    for verb in pc.VERBS:
        assert callable(getattr(pc, verb))


def test_every_verb_has_a_runnable_example():
    for verb in pc.VERBS:
        assert ">>> " in getattr(pc, verb).__doc__, f"{verb} has no example (add one to _examples.py)"


def test_the_type_stub_is_current():
    spec = importlib.util.spec_from_file_location("make_stub", HERE / "make_stub.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    import json

    expected = mod.stub(json.loads(pc._core.verbs()))
    current = (HERE / "python" / "profitchain" / "__init__.pyi").read_text()
    assert current == expected, "run python/make_stub.py"
