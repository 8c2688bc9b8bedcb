"""Each verb from a path, a polars and a pandas DataFrame; to_dict() equals the command
line's JSON for the same input and seed (byte for byte); the tables equal --export's CSVs."""

import json
import pathlib

import pandas as pd
import polars as pl
import pytest

import profitchain as pc

from conftest import ROOT, SAMPLES


def test_every_command_is_a_function_with_its_options():
    for verb in ["build", "regress", "chain", "metrics", "drivers", "value", "clv", "csi", "invest", "report",
                 "inspect", "simulate"]:
        fn = getattr(pc, verb)
        assert fn.__doc__ and "Options" in fn.__doc__, verb
    assert "share_of_wallet" in pc.chain.__doc__
    assert "bootstrap" in pc.chain.__doc__


def test_chain_json_is_the_cli_json_byte_for_byte(cli, brokerage):
    res = pc.chain(study="study.toml", bootstrap=300, seed=7)
    out = cli("chain", "--study", "study.toml", "--bootstrap", "300", "--seed", "7", "--format", "json", cwd=brokerage)
    assert out.returncode == 0, out.stderr
    assert res.to_json() == out.stdout
    assert res.to_dict() == json.loads(out.stdout)
    # The text is the command line's text.
    text = cli("chain", "--study", "study.toml", "--bootstrap", "300", "--seed", "7", cwd=brokerage).stdout
    assert res.summary() == text
    zh = cli("chain", "--study", "study.toml", "--bootstrap", "300", "--seed", "7", "--lang", "zh", cwd=brokerage).stdout
    assert res.summary(lang="zh") == zh


def test_tables_equal_the_export_csvs(cli, brokerage, tmp_path):
    res = pc.chain(study="study.toml", bootstrap=200)
    out = cli("chain", "--study", "study.toml", "--bootstrap", "200", "--export", str(tmp_path / "e"), cwd=brokerage)
    assert out.returncode == 0, out.stderr
    for name in ["coefficients", "indirect_effects", "hypotheses", "comparisons"]:
        csv = pl.read_csv(tmp_path / "e" / f"{name}.csv", infer_schema_length=None)
        df = getattr(res, name)
        assert df.columns == csv.columns, name
        assert df.height == csv.height, name
        for c in df.columns:
            if df[c].dtype.is_numeric():
                # CSV cells are empty where the table has NaN (never the text NaN).
                a = df[c].cast(pl.Float64).fill_nan(None).to_list()
                b = csv[c].cast(pl.Float64).to_list()
                for x, y in zip(a, b):
                    assert (x is None and y is None) or x == pytest.approx(y, rel=1e-12, abs=1e-300), (name, c)
            else:
                assert df[c].cast(pl.Utf8).fill_null("").to_list() == csv[c].cast(pl.Utf8).fill_null("").to_list(), (name, c)


def _value_kwargs(data):
    return dict(data=data, id="client_id", revenue="revenue", cost="cost_to_serve", retention=0.8)


def test_value_from_path_polars_and_pandas_agree(brokerage):
    by_path = pc.value(**_value_kwargs("accounts.csv")).to_dict()
    frame = pl.read_csv("accounts.csv")
    by_polars = pc.value(**_value_kwargs(frame)).to_dict()
    by_lazy = pc.value(**_value_kwargs(frame.lazy())).to_dict()
    by_pandas = pc.value(**_value_kwargs(pd.read_csv("accounts.csv"))).to_dict()
    for other in [by_polars, by_lazy, by_pandas]:
        other.pop("diagnostics", None)
    by_path.pop("diagnostics", None)
    assert by_polars == by_path
    assert by_lazy == by_path
    assert by_pandas == by_path


def test_study_as_dict_and_toml_string_with_frames(brokerage):
    by_file = pc.chain(study="study.toml", bootstrap=100).to_dict()
    toml = (brokerage / "study.toml").read_text()
    assert pc.chain(study=toml, bootstrap=100).to_dict() == by_file
    study = {
        "name": "brokerage",
        "table": [
            {"name": "survey", "path": pl.read_csv("survey.csv"), "level": "respondent", "respondent": "respondent_id"},
            {"name": "accounts", "path": pd.read_csv("accounts.csv")},
        ],
        "roles": {"id": "client_id", "satisfaction": "satisfaction", "share_of_wallet": "share_of_wallet_pct",
                  "revenue": "revenue", "cost": "cost_to_serve"},
        "options": {"min_respondents": 3, "aggregation": "mean", "share_of_wallet_scale": "percent",
                    "satisfaction_scale": [1, 10]},
        "segments": {"rule": "profit"},
    }
    from_frames = pc.chain(study=study, bootstrap=100).to_dict()
    assert from_frames["segments"] == by_file["segments"]
    assert from_frames["summary"] == by_file["summary"]


def test_regress_metrics_drivers(bank):
    survey = pl.read_csv("survey.csv")
    r = pc.regress(data=survey, formula="satisfaction ~ quality + service + price + convenience", se="hc3")
    assert r.coefficients.height == 5
    m = pc.metrics(data=survey, csat="satisfaction", csat_scale="1-10", nps="recommend")
    assert m.to_dict()["groups"]
    d = pc.drivers(data=survey.to_pandas(), drivers=["quality", "service", "price", "convenience"])
    assert [x["name"] for x in d.to_dict()["groups"][0]["drivers"]] == ["quality", "service", "price", "convenience"]


def test_clv_csi_build_inspect_simulate(bank, tmp_path):
    c = pc.clv(transactions=pl.read_csv("transactions.csv"), id="household_id", date="date", amount="amount",
               calibration_end="2024-12-29", observation_end="2025-06-29", time_unit="week")
    assert {"customers", "parameters"} <= set(c.table_names)
    assert c.customers.height > 1000
    b = pc.build(study="study.toml")
    assert b.customers.height == 20_000
    i = pc.inspect(files=["accounts.csv"], id=["household_id"])
    assert i.to_dict()[0]["rows"] == 20_000
    s = pc.simulate(scenario="brokerage", seed=3)
    assert s.survey.height > 81 and s.accounts.height == 81
    assert not any(tmp_path.iterdir())
    pc.simulate(scenario="brokerage", seed=3, out=str(tmp_path / "sim"))
    assert (tmp_path / "sim" / "study.toml").exists()
    ref = ROOT / "tests" / "data" / "reference" / "pls"
    k = pc.csi(data=str(ref / "mobi.csv"), model=str(ref / "ecsi_model.toml"), bootstrap=0)
    assert "scores" in k.table_names and k.scores.height == 250


def test_invest_tables_and_numbers(bank):
    r = pc.invest(study="study.toml", to=8, rule="satisfaction < 6", fixed_cost=50000, scale="1,10",
                  bootstrap=300)
    d = r.to_dict()
    total = d["scenarios"][0]["total"]
    assert total["reached"] > 1000 and total["npv"]["low"] < total["npv"]["estimate"] < total["npv"]["high"]
    assert r.outcomes.height == 3 and set(r.table_names) >= {"outcomes", "ranking"}
    assert d["statements"][0].startswith("scenario (raising satisfaction to 8")


def test_files_are_written_only_where_named(brokerage, tmp_path):
    res = pc.chain(study="study.toml", bootstrap=0, output=str(tmp_path / "chain.json"))
    assert json.loads((tmp_path / "chain.json").read_text()) == res.to_dict()
    res.to_excel(str(tmp_path / "chain.xlsx"))
    assert (tmp_path / "chain.xlsx").read_bytes()[:2] == b"PK"
    rep = res.report(str(tmp_path / "rep"))
    assert (tmp_path / "rep" / "report.html").exists()
    assert "customers" in rep.table_names


def _no_paths(d):
    """A result's dict without the input names (a frame's is /DataFrame:NAME)."""
    if isinstance(d, dict):
        return {k: _no_paths(v) for k, v in d.items() if k not in ("path", "file", "table", "inputs", "study")}
    if isinstance(d, list):
        return [_no_paths(v) for v in d]
    return d


CASES = {
    "regress": ("retail-bank", "survey.csv", dict(formula="satisfaction ~ quality + service")),
    "metrics": ("retail-bank", "survey.csv", dict(csat="satisfaction", csat_scale="1-10", nps="recommend")),
    "drivers": ("retail-bank", "survey.csv", dict(drivers=["quality", "service", "price"], bootstrap=50)),
    "value": ("brokerage", "accounts.csv", dict(id="client_id", revenue="revenue", cost="cost_to_serve")),
    "clv": ("retail-bank", "transactions.csv", dict(id="household_id", date="date", amount="amount",
                                                   calibration_end="2024-12-29", time_unit="week")),
    "csi": ("retail-bank", "survey.csv", dict(model="csi_model.toml", bootstrap=0)),
}


@pytest.mark.parametrize("verb", sorted(CASES))
def test_each_verb_from_a_path_polars_and_pandas(verb, monkeypatch):
    folder, file, options = CASES[verb]
    monkeypatch.chdir(SAMPLES / folder)
    key = "transactions" if verb == "clv" else "data"
    frame = pl.read_csv(file)
    results = [getattr(pc, verb)(**{key: x}, **options) for x in (file, frame, frame.to_pandas())]
    dicts = [_no_paths(r.to_dict()) for r in results]
    assert dicts[1] == dicts[0]
    assert dicts[2] == dicts[0]
    names = results[0].table_names
    assert names and all(r.table_names == names for r in results)


@pytest.mark.parametrize("verb", sorted(CASES))
def test_each_verb_json_is_the_cli_json(verb, cli, monkeypatch):
    folder, file, options = CASES[verb]
    monkeypatch.chdir(SAMPLES / folder)
    key = "transactions" if verb == "clv" else "data"
    res = getattr(pc, verb)(**{key: file}, **options)
    args = [verb, f"--{key}", file]
    for k, v in options.items():
        args += [f"--{k.replace('_', '-')}", ",".join(v) if isinstance(v, list) else str(v)]
    out = cli(*args, "--format", "json", cwd=SAMPLES / folder)
    assert out.returncode == 0, out.stderr
    assert res.to_json() == out.stdout


def test_customer_table_verbs_from_a_frame_with_role_flags(brokerage, tmp_path):
    customers = pc.build(study="study.toml").customers
    path = tmp_path / "customers.csv"
    customers.write_csv(path)
    roles = dict(id="client_id", satisfaction="satisfaction", share_of_wallet="share_of_wallet",
                 revenue="revenue", profit="profit")
    for verb, extra in [("chain", dict(bootstrap=100)), ("build", {}), ("report", dict(bootstrap=0))]:
        from_frame = getattr(pc, verb)(data=customers, **roles, **extra)
        from_path = getattr(pc, verb)(data=str(path), **roles, **extra)
        assert from_frame.table_names == from_path.table_names, verb
        for name in from_frame.table_names:
            if name != "diagnostics":
                assert from_frame.table(name).equals(from_path.table(name)), (verb, name)
    profiles = pc.inspect(files=[customers, str(path)], id=["client_id"]).to_dict()
    assert profiles[0]["rows"] == profiles[1]["rows"] == 81
    assert [c["name"] for c in profiles[0]["columns"]] == [c["name"] for c in profiles[1]["columns"]]
