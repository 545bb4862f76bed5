"""The notebooks: paired with their jupytext scripts, committed without outputs, and
executed headless with small settings, each within 60 seconds."""

import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="needs the [notebooks] extra")
jupytext = pytest.importorskip("jupytext", reason="needs the [notebooks] extra")
nbclient = pytest.importorskip("nbclient", reason="needs the [notebooks] extra")

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def test_the_four_notebooks_exist():
    names = {p.stem for p in NOTEBOOKS}
    assert {"01_getting_started", "02_design_your_programme", "03_your_partnership", "04_sweep_analysis"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_paired_with_script_and_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    script = jupytext.read(path.with_suffix(".py"))
    assert [c.source for c in nb.cells] == [c.source for c in script.cells], \
        f"{path.name} differs from {path.with_suffix('.py').name}: run `jupytext --sync notebooks/*.py`"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.get("outputs") and cell.get("execution_count") is None, f"{path.name} has outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes_headless_within_a_minute(path, monkeypatch):
    monkeypatch.setenv("COLLABSIM_QUICK", "1")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=60, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()  # a failing cell raises CellExecutionError
    seconds = time.perf_counter() - start
    assert seconds < 60, f"{path.name} took {seconds:.0f} s"
    images = sum(1 for c in nb.cells if c.cell_type == "code"
                 for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
    assert images >= 1, f"{path.name} drew no figure"
