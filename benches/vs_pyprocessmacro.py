"""The 30,000-customer chain against pyprocessmacro's model 6, side by side in one run
(issue #23: profitchain's chain, all + 2 segments, 5,000 resamples, at least 30x faster
than pyprocessmacro's model 6 on one segment of the same data).

    python3 -m venv /tmp/ppm && /tmp/ppm/bin/pip install pyprocessmacro
    cargo build --release
    /tmp/ppm/bin/python benches/vs_pyprocessmacro.py [runs]

It simulates the brokerage sample at 30,000 customers, builds the customer table, and
times (wall clock, median of `runs`, default 5): `profitchain chain` on the built table
(process start, CSV read, audit, the six regressions per segment, 3 x 5,000 resamples, BCa,
the JSON written) and pyprocessmacro's Process(model=6) with 5,000 resamples on the whole
table (one segment) and on the larger of the two segments, in this process (no start-up).
"""

import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd
from pyprocessmacro import Process

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / "target" / "release" / "profitchain"
runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
warnings.filterwarnings("ignore")

with tempfile.TemporaryDirectory() as d:
    d = Path(d)
    subprocess.run([BIN, "simulate", "--scenario", "brokerage", "--customers", "30000",
                    "--seed", "1", "--out", d / "sim"], check=True, capture_output=True)
    subprocess.run([BIN, "build", "--study", d / "sim" / "study.toml", "-o", d / "built.csv"],
                   check=True, capture_output=True)
    chain = [BIN, "chain", "--data", d / "built.csv", "--id", "client_id",
             "--satisfaction", "satisfaction", "--share-of-wallet", "share_of_wallet",
             "--revenue", "revenue", "--profit", "profit", "--segment-rule", "column:segment",
             "--bootstrap", "5000", "--format", "json", "-o", d / "chain.json"]

    def ours() -> float:
        t = time.perf_counter()
        subprocess.run(chain, check=True, capture_output=True)
        return time.perf_counter() - t

    df = pd.read_csv(d / "built.csv")
    largest = df["segment"].value_counts().index[0]

    def theirs(data: pd.DataFrame) -> float:
        t = time.perf_counter()
        Process(data=data, model=6, x="satisfaction", m=["share_of_wallet", "revenue"],
                y="profit", boot=5000, seed=1, suppr_init=True)
        return time.perf_counter() - t

    a = [ours() for _ in range(runs)]
    b = [theirs(df) for _ in range(runs)]
    c = [theirs(df[df["segment"] == largest]) for _ in range(runs)]
    ma, mb, mc = statistics.median(a), statistics.median(b), statistics.median(c)
    print(f"profitchain chain, 30,000 customers, all + 2 segments, 5,000 resamples: "
          f"{ma:.3f} s (median of {runs}; {min(a):.3f}-{max(a):.3f})")
    print(f"pyprocessmacro model 6, 5,000 resamples, all 30,000 customers: {mb:.2f} s "
          f"({min(b):.2f}-{max(b):.2f}) -> {mb / ma:.1f}x")
    print(f"pyprocessmacro model 6, 5,000 resamples, segment '{largest}' "
          f"({(df['segment'] == largest).sum()} customers): {mc:.2f} s "
          f"({min(c):.2f}-{max(c):.2f}) -> {mc / ma:.1f}x")
