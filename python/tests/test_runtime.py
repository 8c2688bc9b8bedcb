"""The hand-off of a large DataFrame shares its columns (no copy), a call releases the GIL,
Ctrl-C stops a long bootstrap cleanly, and a panic never reaches Python."""

import _thread
import resource
import threading
import time

import polars as pl
import pytest

import profitchain as pc
from profitchain import _core


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def test_a_million_rows_are_handed_over_without_a_copy():
    n = 1_000_000
    df = pl.DataFrame({f"x{i}": pl.Series(range(n), dtype=pl.Float64) * (i + 1) for i in range(8)})
    df = df.with_columns(pl.format("C{}", pl.col("x0").cast(pl.Int64)).alias("id"))
    size = df.estimated_size("mb")
    before = rss_mb()
    h = _core.frame("big", df)
    grown = rss_mb() - before
    assert h.rows == n
    # The float columns alone are 64 MB; taking them over costs next to nothing.
    assert grown < 0.1 * size, f"hand-off grew the process by {grown:.1f} MB of {size:.1f} MB"
    del h


def test_a_call_releases_the_gil(bank):
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.005)

    t = threading.Thread(target=tick)
    t.start()
    start = time.perf_counter()
    pc.chain(study="study.toml", bootstrap=20_000)
    elapsed = time.perf_counter() - start
    stop.set()
    t.join()
    during = [x for x in ticks if start <= x <= start + elapsed]
    # The other thread kept running while the chain was computed.
    assert len(during) >= 0.3 * elapsed / 0.005, (len(during), elapsed)


def test_ctrl_c_stops_a_long_bootstrap(bank):
    timer = threading.Timer(0.5, _thread.interrupt_main)
    start = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        pc.chain(study="study.toml", bootstrap=100_000)
    assert time.perf_counter() - start < 4.0
    timer.cancel()
    # The next call runs normally (nothing left cancelled).
    assert pc.chain(study="study.toml", bootstrap=200).to_dict()["options"]["bootstrap"] == 200


def test_a_panic_never_reaches_python():
    with pytest.raises(pc.InternalError, match="a deliberate panic"):
        _core._panic_inside()
    # The interpreter and the package carry on.
    assert pc.chain(bootstrap=0).to_dict()["segments"]


def test_progress_is_reported_during_a_bootstrap(bank):
    seen = []
    _core.run(["chain", "--study", "study.toml", "--bootstrap", "20000"], lambda done, total: seen.append((done, total)))
    assert seen, "no progress reported"
    totals = {t for _, t in seen}
    assert totals == {60_000}  # 20,000 resamples for all and each of the two segments
    assert seen[-1] == (60_000, 60_000)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_a_failing_progress_callback_stops_the_work_cleanly(bank):
    def fail(done, total):
        raise RuntimeError("progress display broke")

    with pytest.raises(RuntimeError, match="progress display broke"):
        _core.run(["chain", "--study", "study.toml", "--bootstrap", "100000"], fail)
    assert pc.chain(study="study.toml", bootstrap=100).to_dict()["options"]["bootstrap"] == 100
