"""Shared fixtures: the repository's samples and the command-line binary built by cargo."""

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "notebooks-data"


def cli_binary() -> pathlib.Path:
    exe = ROOT / "target" / "release" / "profitchain"
    if not exe.exists():
        subprocess.run(["cargo", "build", "--release", "--bin", "profitchain"], cwd=ROOT, check=True)
    return exe


@pytest.fixture(scope="session")
def cli():
    exe = cli_binary()

    def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
        return subprocess.run([str(exe), *args], cwd=cwd or ROOT, capture_output=True, text=True)

    return run


@pytest.fixture
def brokerage(monkeypatch):
    monkeypatch.chdir(SAMPLES / "brokerage")
    return SAMPLES / "brokerage"


@pytest.fixture
def bank(monkeypatch):
    monkeypatch.chdir(SAMPLES / "retail-bank")
    return SAMPLES / "retail-bank"
