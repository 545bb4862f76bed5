"""The ODD describes the model as implemented: every parameter and every rule module."""

import re
from dataclasses import fields
from pathlib import Path

from sim import BehaviourParams
from sim.model import STREAMS

REPO = Path(__file__).resolve().parents[1]
ODD = (REPO / "docs" / "ODD.md").read_text()
SUPPORT = {"__init__", "model", "agents", "params", "scenario", "network", "initialisation"}


def test_every_parameter_is_in_the_odd_table_with_its_default():
    for f in fields(BehaviourParams):
        row = re.search(rf"^\| `{f.name}` \| ([^|]+) \|", ODD, re.M)
        assert row, f"{f.name} missing from docs/ODD.md"
        assert float(row.group(1)) == float(f.default), f"{f.name}: ODD says {row.group(1)}"


def test_every_rule_module_is_a_submodel_of_the_odd_and_back():
    modules = {p.stem for p in (REPO / "sim").glob("*.py")} - SUPPORT
    named = set(re.findall(r"^### 7\.\d+ .*\(`sim\.(\w+)`", ODD, re.M))
    assert modules == named


def test_random_streams_are_documented():
    for name in STREAMS:
        assert f"`{name}`" in ODD
