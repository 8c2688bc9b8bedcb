"""Every notebook in notebooks-data/ runs from top to bottom without an error cell; each
asserts its key numbers in its final cell."""

import pathlib

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import SAMPLES

NOTEBOOKS = sorted(p.name for p in SAMPLES.glob("*.ipynb"))


def test_the_notebooks_are_there():
    assert {"brokerage.ipynb", "brokerage.zh.ipynb", "retail-bank.ipynb"} <= set(NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs(name):
    nb = nbformat.read(SAMPLES / name, as_version=4)
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(SAMPLES)}}).execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    last = nb.cells[-1]
    assert last.cell_type == "code" and "assert" in last.source
    text = "".join(o.get("text", "") for o in last.get("outputs", []))
    assert "passed" in text or "通过" in text
