"""The ODD describes the model as implemented: every parameter, every process, every rule module."""

import re
import subprocess
import sys
from pathlib import Path

from sim import default_processes, parameter_table
from sim.state import STREAMS

REPO = Path(__file__).resolve().parents[1]
ODD = (REPO / "docs" / "ODD.md").read_text()
SUPPORT = {"__init__", "model", "agents", "params", "scenario", "network", "initialisation", "schema", "state",
           "processes", "streams", "kernel_cache", "compile_ahead", "compiled_weeks", "kernels", "population",
           # the partnership's data (ODD 5 and 6), not weekly rules
           "people", "partnership_files", "network_io"}


def test_parameter_tables_are_generated_from_the_schema():
    res = subprocess.run([sys.executable, "scripts/parameter_tables.py", "--check"], cwd=REPO,
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_the_sobol_tables_are_generated_from_the_shipped_study():
    """docs/experiments.md's Sobol tables are what `scripts/sensitivity_tables.py` makes from
    docs/sensitivity/: a re-run study, or a hand-edited number, fails here until regenerated."""
    res = subprocess.run([sys.executable, "scripts/sensitivity_tables.py", "--check"], cwd=REPO,
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    doc = (REPO / "docs" / "experiments.md").read_text()
    assert doc.count("<!-- sobol:indices -->") == 1 and doc.count("<!-- sobol:convergence -->") == 1


def test_every_declared_setting_is_in_the_odd():
    groups = {r["group"] for r in parameter_table()}
    documented = set(re.findall(r"<!-- parameters:([\w.]+) -->", ODD))
    # coaching_only and networking_events are the leadership programme with components off
    assert groups - documented == {"intervention.coaching_only", "intervention.networking_events"}
    for row in parameter_table():
        if row["group"] in documented:
            assert f"| `{row['name']}` |" in ODD, f"{row['group']}.{row['name']} missing from docs/ODD.md"


def test_the_odd_process_list_is_the_code_process_list():
    rows = re.findall(r"^\| (\d) \| `(\w+)` \| `([\w.]+)`", ODD, re.M)
    listed = [(name, cls) for _, name, cls in rows]
    code = [(p.name, f"{type(p).__module__}.{type(p).__name__}") for p in default_processes()]
    assert listed == code


def test_every_rule_module_is_a_submodel_of_the_odd_and_back():
    modules = {p.stem for p in (REPO / "sim").glob("*.py")} - SUPPORT
    named = set(re.findall(r"^### 7\.\d+ .*\(`sim\.(\w+)`", ODD, re.M))
    assert modules == named


def test_random_streams_are_documented():
    for name in STREAMS:
        assert f"`{name}`" in ODD


def test_docs_stand_alone():
    """A reader without the project's shared folder finds every source in docs/."""
    for path in [REPO / "README.md", *(REPO / "docs").rglob("*.md")]:
        assert "../shared" not in path.read_text(), path
    for name in ("brief.md", "case.md", "references.md"):
        assert (REPO / "docs" / name).is_file(), name
