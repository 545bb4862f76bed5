"""Scenarios as data: the shipped files, synthetic partnerships and every bad input."""

import pytest

from sim import ConfigError, available_scenarios, load_partnership, synthetic_partnership
from sim.scenario import read_yaml


def test_shipped_scenarios_load():
    assert {"bnssg", "small"} <= set(available_scenarios())
    p = load_partnership("bnssg")
    assert p.n_organisations == 13
    assert 230 <= p.n_leaders <= 270
    kinds = {o.type for o in p.organisations}
    assert {"acute_trust", "mental_health", "community_cic", "ambulance", "commissioner",
            "local_authority"} <= kinds
    assert sum(o.type == "local_authority" for o in p.organisations) == 3
    names = {f.name for f in p.forums}
    assert {"partnership_board", "chief_executives_forum", "clinical_cabinet", "system_planning_group",
            "programme_board"} <= names


def test_round_trip_through_dict():
    p = load_partnership("small")
    assert load_partnership(p.to_dict()) == p


def test_synthetic_partnership_sizes():
    p = synthetic_partnership(n_organisations=7, n_leaders=100)
    assert p.n_organisations == 7 and p.n_leaders == 100
    assert sum(o.leaders["chief_executive"] for o in p.organisations) == 7
    big = synthetic_partnership(n_organisations=500, n_leaders=10000)
    assert big.n_leaders == 10000
    assert max(f.organisations_per_instance for f in big.forums) <= 13


def _base():
    return {"name": "t", "organisations": [
        {"name": "a", "anchor": 0.3, "leaders": {"chief_executive": 1, "director": 2}},
        {"name": "b", "anchor": 0.5, "leaders": {"chief_executive": 1, "executive": 2}}],
        "forums": [{"name": "f", "organisations": ["a", "b"], "meets_every_weeks": 2}]}


@pytest.mark.parametrize("mutate,message", [
    (lambda d: d["organisations"][1].update(leaders={"executive": 0}),
     "scenario.organisations[1].leaders={'executive': 0}: an organisation needs at least one leader"),
    (lambda d: d["forums"][0].update(organisations=["a", "zzz"]),
     "scenario.forums[0].organisations='zzz': unknown organisation"),
    (lambda d: d["organisations"][0]["leaders"].update(chief_executive=3),
     "scenario.organisations[0].leaders.chief_executive=3: more chief executives (4) than organisations (2)"),
    (lambda d: d["organisations"][0]["leaders"].update(director=-2),
     "scenario.organisations[0].leaders.director=-2: must be a whole number in [0, 1000000]"),
    (lambda d: d["organisations"][0].update(anchor=1.5), "scenario.organisations[0].anchor=1.5: must be in [0, 1]"),
    (lambda d: d["organisations"][0].update(colour="red"), "scenario.organisations[0].colour='red': unknown key"),
    (lambda d: d["forums"][0].update(meets_every_weeks=0),
     "scenario.forums[0].meets_every_weeks=0: must be a whole number in [1, 520]"),
    (lambda d: d["forums"][0].update(roles=["janitor"]), "scenario.forums[0].roles='janitor': unknown role"),
    (lambda d: d["organisations"][0]["leaders"].update(manager=2), "scenario.organisations[0].leaders.manager=2"),
    (lambda d: d.update(organisations=[]), "scenario.organisations=[]: must be a non-empty list"),
])
def test_bad_scenarios_name_key_and_value(mutate, message):
    d = _base()
    mutate(d)
    with pytest.raises(ConfigError) as info:
        load_partnership(d)
    text = str(info.value)
    assert text.startswith(message) and "\n" not in text


def test_unknown_scenario_name():
    with pytest.raises(ConfigError, match=r"^scenario='nowhere': unknown scenario \(available: .*bnssg"):
        load_partnership("nowhere")


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_partnership(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("organisations: [\n  - name: a\n  leaders: {")
    with pytest.raises(ConfigError, match=r"^scenario_file='.*bad.yaml': not valid YAML at line \d+"):
        read_yaml(bad)
    listy = tmp_path / "list.yaml"
    listy.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="must contain a mapping"):
        load_partnership(listy)


def test_synthetic_bad_input():
    with pytest.raises(ConfigError, match="n_chief_executives=5: more chief executives"):
        synthetic_partnership(n_organisations=3, n_leaders=30, n_chief_executives=5)
    with pytest.raises(ConfigError, match="n_leaders=2: fewer leaders than organisations"):
        synthetic_partnership(n_organisations=3, n_leaders=2)
    with pytest.raises(ConfigError, match="n_organisations=0"):
        synthetic_partnership(n_organisations=0, n_leaders=10)


def test_an_undecodable_scenario_file_is_named(tmp_path):
    from sim import ConfigError
    from sim.scenario import load_partnership

    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"name: caf\xe9\n")
    with pytest.raises(ConfigError, match=rf"^scenario_file='{path}': not a text file in UTF-8 \(byte 9"):
        load_partnership(str(path), key="scenario_file")
