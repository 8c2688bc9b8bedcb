"""Whole-call overhead of the Python package against the command line, on the same data.

    python python/bench/overhead.py [--customers 1000000] [--runs 3] [--dir /tmp/b1m]

Simulates the brokerage study at the given size (once; kept in --dir), then times, run by
run and alternating: the command line (`profitchain chain --study … --format json`, as a
subprocess), the Python call on the same study file, and the Python call on polars
DataFrames already in memory (no CSV parse); and the hand-off of the DataFrames alone.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

import polars as pl

import profitchain as pc
from profitchain import _core

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bootstrap", type=int, default=5000)
    ap.add_argument("--dir", default="/tmp/b1m")
    a = ap.parse_args()
    study = os.path.join(a.dir, "study.toml")
    if not os.path.exists(study):
        pc.simulate(scenario="brokerage", customers=a.customers, seed=2005, out=a.dir)
    exe = os.path.join(ROOT, "target", "release", "profitchain")
    args = ["--bootstrap", str(a.bootstrap)]
    survey = pl.read_csv(os.path.join(a.dir, "survey.csv"))
    accounts = pl.read_csv(os.path.join(a.dir, "accounts.csv"))
    text = open(study).read()
    in_memory = {
        "name": "brokerage",
        "table": [
            {"name": "survey", "path": survey, "level": "respondent", "respondent": "respondent_id"},
            {"name": "accounts", "path": accounts},
        ],
    }
    import tomllib  # Python >= 3.11 here; the package itself does not need it

    spec = tomllib.loads(text)
    in_memory.update({k: v for k, v in spec.items() if k not in ("table", "name")})
    times = {"cli": [], "python (study file)": [], "python (DataFrames)": [], "hand-off": []}
    same = None
    for _ in range(a.runs):
        t = time.perf_counter()
        out = subprocess.run([exe, "chain", "--study", study, *args, "--format", "json"], capture_output=True, text=True, check=True)
        times["cli"].append(time.perf_counter() - t)
        t = time.perf_counter()
        res = pc.chain(study=study, bootstrap=a.bootstrap)
        times["python (study file)"].append(time.perf_counter() - t)
        same = res.to_json() == out.stdout
        t = time.perf_counter()
        pc.chain(study=in_memory, bootstrap=a.bootstrap)
        times["python (DataFrames)"].append(time.perf_counter() - t)
        t = time.perf_counter()
        h1, h2 = _core.frame("survey", survey), _core.frame("accounts", accounts)
        times["hand-off"].append(time.perf_counter() - t)
        del h1, h2
    print(f"chain, {a.customers:,} customers, {a.bootstrap} resamples, {a.runs} runs; JSON identical: {same}")
    for k, v in times.items():
        unit, f = ("ms", 1000) if k == "hand-off" else ("s", 1)
        print(f"  {k:22s} median {statistics.median(v) * f:8.3f} {unit}  (min {min(v) * f:.3f}, max {max(v) * f:.3f})")
    cli, py = statistics.median(times["cli"]), statistics.median(times["python (study file)"])
    print(f"  python / cli: {py / cli:.3f}")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
