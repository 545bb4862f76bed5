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


# Injected before a notebook's first cell when it is executed here: records every figure's axes
# that carry data but lack an axis label, before the inline backend sends the figure out.
FIGURE_CHECK = """
import matplotlib.pyplot as _plt
from IPython import get_ipython as _ip


def _unlabelled_axes(fig):
    out = []
    for ax in fig.axes:
        if not (ax.get_visible() and ax.axison and ax.has_data()) or ax.get_title() == "zoomed in":
            continue  # hidden, no data (a network drawing), or an inset of a labelled panel
        if not ax.get_xlabel() or not ax.get_ylabel():
            out.append(ax.get_title() or "(untitled)")
    return out


def _check_figures(*_args):
    for num in _plt.get_fignums():
        for title in _unlabelled_axes(_plt.figure(num)):
            print("FIGURE-CHECK axes without a label:", title)


try:
    _ip().events.callbacks["post_execute"].insert(0, _check_figures)
except AttributeError:
    pass
"""


def _execute(path, monkeypatch):
    monkeypatch.setenv("COLLABSIM_QUICK", "1")
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(FIGURE_CHECK))
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()  # a failing cell raises CellExecutionError
    return nb, time.perf_counter() - start


def _text_outputs(cell) -> str:
    parts = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream":
            parts.append(o.get("text", ""))
        elif "text/plain" in o.get("data", {}) and "text/html" not in o.get("data", {}):
            parts.append(o["data"]["text/plain"])
    return "".join(parts)


@pytest.fixture(scope="module")
def executed():
    return {}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes_headless_and_speaks_plainly(path, monkeypatch):
    """Each notebook runs with small settings; no printed sentence says 'nan'; every figure's axes
    that carry data have an axis label; and it draws at least one figure."""
    nb, seconds = _execute(path, monkeypatch)
    assert seconds < 120, f"{path.name} took {seconds:.0f} s"
    text = "".join(_text_outputs(c) for c in nb.cells if c.cell_type == "code")
    assert "FIGURE-CHECK" not in text, [line for line in text.splitlines() if "FIGURE-CHECK" in line]
    sentences = [line for line in text.splitlines() if len(line.split()) > 4]
    assert not [s_ for s_ in sentences if "nan" in s_.lower().split() or "nan%" in s_.lower()], sentences
    images = sum(1 for c in nb.cells if c.cell_type == "code"
                 for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
    assert images >= 1, f"{path.name} drew no figure"
    if path.stem == "02_design_your_programme":
        mistakes = next(c for c in nb.cells if c.cell_type == "code" and "mistakes = [" in c.source)
        lines = [line for line in _text_outputs(mistakes).splitlines() if line.strip()]
        assert len(lines) == 8, lines  # one line per mistake, each naming the setting as typed
        for line, name in zip(lines, ["people_on_programme", "people_on_programme", "people_on_programme",
                                      "programme_months", "years_followed", "workshops_per_month", "who_we_pick",
                                      "alumni_follow_on"]):
            assert line.startswith(name + "="), line
            assert "accepted" not in line and "intervention." not in line


def test_the_figure_check_finds_an_unlabelled_axis():
    """Companion: the check injected above flags a plot without axis labels, so a notebook figure
    without them would fail the test."""
    import matplotlib.pyplot as plt

    namespace = {}
    exec(FIGURE_CHECK, namespace)
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    assert namespace["_unlabelled_axes"](fig) == ["(untitled)"]
    ax.set_xlabel("week")
    ax.set_ylabel("share")
    assert namespace["_unlabelled_axes"](fig) == []
    plt.close(fig)
