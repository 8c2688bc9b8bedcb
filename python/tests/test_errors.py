"""Errors map to InputError / InternalError with the command line's text; audit warnings
travel as Python warnings and on the result; no panic reaches Python."""

import warnings

import polars as pl
import pytest

import profitchain as pc

from conftest import ROOT


def test_bad_input_raises_input_error_with_the_cli_message(cli, brokerage):
    with pytest.raises(pc.InputError) as e:
        pc.chain(study="missing.toml")
    out = cli("chain", "--study", "missing.toml", cwd=brokerage)
    assert out.returncode == 2
    assert out.stderr.startswith("error: ")
    assert str(e.value) == out.stderr[len("error: "):].strip()
    assert isinstance(e.value, ValueError)


def test_bad_option_values_and_names():
    with pytest.raises(pc.InputError, match="invalid value 'x'"):
        pc.chain(bootstrap="x")
    with pytest.raises(pc.InputError, match="unexpected option 'bootstrapp'"):
        pc.chain(bootstrapp=10)


def test_a_bad_frame_names_its_column():
    df = pl.DataFrame({"client_id": ["a", "b", "c"], "revenue": ["1", "x", "3"], "cost_to_serve": [1.0, 2.0, 3.0]})
    with pytest.raises(pc.InputError, match="revenue"):
        pc.value(data=df, id="client_id", revenue="revenue", cost="cost_to_serve")


def test_audit_findings_are_python_warnings(tmp_path):
    messy = ROOT / "tests" / "data" / "messy"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = pc.chain(study=str(messy / "finance.toml"), bootstrap=0)
    found = [str(w.message) for w in caught if issubclass(w.category, pc.ProfitchainWarning)]
    assert found, "a Total row excluded is said"
    assert found == res.warnings
    assert any("Total" in w or "total" in w for w in found)


def test_internal_errors_are_internal_error():
    assert issubclass(pc.InternalError, RuntimeError)
    assert not issubclass(pc.InternalError, ValueError)


def test_a_file_option_without_its_destination_is_refused(brokerage, tmp_path):
    with pytest.raises(pc.InputError, match="give output= too"):
        pc.build(study="study.toml", diagnostics_json=str(tmp_path / "d.json"))
    assert not (tmp_path / "d.json").exists()
    pc.build(study="study.toml", output=str(tmp_path / "c.csv"), diagnostics_json=str(tmp_path / "d.json"))
    assert (tmp_path / "c.csv").exists() and (tmp_path / "d.json").exists()
