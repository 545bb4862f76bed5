"""Configuration: the Hydra schema, the checked configuration, and the one override path.

- `Config` is the structured config Hydra composes (`conf/`); its `behaviour`,
  `survey`, `run` and `design` nodes are the project's declared settings
  classes (`sim.schema`), so Hydra refuses unknown keys and wrong types.
- `check(raw)` turns a composed configuration (as a plain mapping) into a
  `CheckedConfig`: every value validated, the partnership loaded and each
  intervention's settings built, once per job; its `spec`
  (`experiments.running.spec.RunSpec`) builds the run's models, arms and pairs.
- `apply_overrides(config, {dotted.key: value})` is the one way to change a
  checked configuration: the Hydra preflight, the design rows of a sweep,
  calibration, the notebook API and the explorer all use it.
- `compose_checked(overrides)` composes with Hydra's compose API (the
  notebook API, calibration and tests), never `@hydra.main`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from experiments.running.spec import RunSpec
from sim.initialisation import check_pressure
from sim.interventions import build_interventions, check_interventions, cohorts, programme_end
from sim.params import BehaviourParams
from sim.scenario import Partnership, load_partnership
from sim.schema import ConfigError, Settings, choice, flag, mapping, number, text
from sim.survey import SurveyParams
from sim.mechanisms import Mechanisms

CONF_DIR = Path(__file__).resolve().parents[2] / "conf"
METHODS = ("morris", "sobol", "lhs")


@dataclass
class RunSettings(Settings):
    """How a job runs: replicates, length, seed, workers, outputs."""

    replicates: int = number(10, 1, 1_000_000, "replicates per job; replicate r is seeded from "
                             "SeedSequence(base_seed, spawn_key=(r,))", "Lorscheid et al. 2012 (CV)", integer=True)
    weeks: int = number(104, 1, 100_000, "recorded weeks", "the brief: follow-up to week 104", integer=True)
    burn_in_weeks: int = number(104, 0, 100_000, "weeks run before week 0", "ODD 5 (stationary baseline)",
                                integer=True)
    base_seed: int = number(20261126, 0, 2**63 - 1, "seed of the job's replicates", "user's choice",
                            integer=True)
    label: str = text("default", "written as a column of results.parquet, to tell runs apart once aggregated")
    workers: int = number(1, 1, 1024, "processes over which a job spreads its replicates (results do not "
                          "depend on it)", "machine", integer=True)
    figures: bool = flag(True, "draw the job's figures (sweeps draw the sweep's figure instead)", "user's choice")
    progress: bool = flag(True, "a progress bar over replicates or design rows (on a terminal only)",
                          "user's choice")
    resume: bool = flag(True, "skip the job if its output directory holds complete output of the same config",
                        "user's choice")
    assumption_curve: bool = flag(False, "where the run has a leadership programme with system content, also run "
                                  "its assumed content_influence over the plausible range (0.1-0.5 baseline SD of "
                                  "attitude change) and print how the orientation effect and the cascade follow it "
                                  "(elsewhere it says it does not apply)", "user's choice")

    @classmethod
    def from_dict(cls, values=None, prefix: str = "run"):
        return super().from_dict(values, prefix)


@dataclass
class DesignSettings(Settings):
    """A sensitivity design (SALib), run by chunks of rows, one Hydra job each."""

    method: Any = choice(None, METHODS, "None for an ordinary job; a SALib design (morris, sobol), or a Latin "
                         "hypercube of futures crossed with levers (lhs, scenario discovery)", "user's choice",
                         optional=True)
    n: int = number(8, 1, 1_000_000, "Morris trajectories, or Sobol base samples (a power of two)",
                    "user's choice", integer=True)
    chunk: int = number(0, 0, 1_000_000, "which chunk of design rows this job runs", "sweep", integer=True)
    chunk_size: int = number(25, 1, 1_000_000, "design rows per job", "user's choice", integer=True)
    seed: int = number(1, 0, 2**32 - 1, "seed of the design's sampling", "user's choice", integer=True)
    follow_to_week: int = number(0, 0, 100_000, "also follow each row to this week, for the follow-up outputs "
                                 "(0: to the programme's end only)", "user's choice", integer=True)
    parameters: Any = mapping("{dotted config path: [low, high]} of the parameters to vary; `posterior` for a "
                              "calibrated setting: its central 95% interval in uncertainty.posterior_file")
    levers: Any = mapping("lhs only: {dotted config path: [values]} of the programme's levers, every combination "
                          "run in every sampled future")

    @classmethod
    def from_dict(cls, values=None, prefix: str = "design"):
        return super().from_dict(values, prefix)


@dataclass
class StructuralSettings(Settings):
    """A structural-uncertainty job (experiment=structural, experiments.inference.structural): calibrate
    the rule set like experiments.inference.calibrate, then answer the main questions."""

    enabled: bool = flag(False, "run this job as one rule set of the structural study", "user's choice")
    calibrate: bool = flag(True, "calibrate the rule set to the case first (false: use the configured values)",
                           "user's choice")
    population: int = number(150, 4, 100_000, "ABC population per rule set", "user's choice", integer=True)
    generations: int = number(5, 1, 100, "ABC generations per rule set", "user's choice", integer=True)
    max_simulations: int = number(8000, 10, 10_000_000, "ABC simulation budget per rule set", "user's choice",
                                  integer=True)
    seed: int = number(20261126, 0, 2**63 - 1, "seed of each rule set's calibration", "user's choice",
                       integer=True)

    @classmethod
    def from_dict(cls, values=None, prefix: str = "structural"):
        return super().from_dict(values, prefix)


OBJECTIVES = ("relationships", "issue_success", "system_first_others", "mix")


@dataclass
class CohortSettings(Settings):
    """The cohort search (`python -m experiments.cohort`, experiments.analysis.cohort): which cohort of
    `size` people does most for the objective, found within a fixed evaluation budget and then
    evaluated on fresh seeds across posterior draws."""

    size: int = number(60, 1, 100_000, "people on the programme", "the case: 60", integer=True)
    objective: str = choice("relationships", OBJECTIVES,
                            "what the cohort should do most for: relationships (participants' new strong "
                            "cross-organisation ties at the programme's end, per participant), issue_success "
                            "(collective-issue success over the programme), system_first_others (non-participants' "
                            "share of system-first choices over the programme), or mix (weights)", "user's choice")
    weights: Any = mapping("mix only: {objective: weight} over relationships, issue_success, system_first_others "
                           "(each objective in its own units: ties per participant, share points)")
    budget: int = number(1000, 10, 1_000_000, "cohorts evaluated in the search (each on search_replicates seeds)",
                         "user's choice; with the defaults about 3 minutes for 250 leaders at BoltzmannWealth(250, "
                         "104) = 100 ms (docs/performance.md)", integer=True)
    search_replicates: int = number(16, 2, 10_000, "seeds (each with a posterior draw) every candidate is evaluated "
                                    "on, "
                                    "with common random numbers; as many more confirm a swap before it is kept",
                                    "user's choice", integer=True)
    fresh_replicates: int = number(100, 4, 100_000, "fresh seeds (and posterior draws) of the final comparison",
                                   "user's choice (95% intervals within about +-10% of the effect)", integer=True)
    screening: int = number(40, 0, 100_000, "random cohorts run first, to estimate each person's own gain",
                            "user's choice", integer=True)
    posterior: str = text("docs/calibration/posterior.parquet", "the calibration's posterior (parameter columns and "
                          "weight) the runs draw their parameters from ('' for the configured values)",
                          "the committed calibration")
    seed: int = number(20261201, 0, 2**63 - 1, "seed of the search (the fresh evaluation uses seeds derived from it "
                       "that the search never saw)", "user's choice", integer=True)

    @classmethod
    def from_dict(cls, values=None, prefix: str = "cohort"):
        return super().from_dict(values, prefix)


@dataclass
class UncertaintySettings(Settings):
    """Which uncertainty the intervals across a job's replicates carry (experiments.running.uncertainty)."""

    draws: str = choice("posterior", ("posterior", "medians"),
                        "posterior: each paired replicate runs at its own draw from the calibration's posterior "
                        "(posterior_file), so an interval across replicates carries parameter and Monte Carlo "
                        "uncertainty together; medians: every replicate at the configured values (the posterior "
                        "medians), Monte Carlo noise only", "docs/calibration; issue 23")
    posterior_file: Any = text(None, "the calibration's posterior draws (CSV: weight, then one column per dotted "
                               "setting; experiments.calibrate writes it; a relative path is read from the "
                               "repository); unset: no posterior, every replicate at the configured values",
                               "the calibrated behaviour file", optional=True)

    @classmethod
    def from_dict(cls, values=None, prefix: str = "uncertainty"):
        return super().from_dict(values, prefix)


@dataclass
class Config:
    run: RunSettings = field(default_factory=RunSettings)
    behaviour: BehaviourParams = field(default_factory=BehaviourParams)
    scenario: Any = None
    """The scenario group's content (a partnership described as data)."""
    scenario_file: Any = None
    """Optional path of a user's own partnership (YAML, a workbook or a folder of CSVs); replaces
    `scenario` when set."""
    network_file: Any = None
    """Optional path of a measured network of the partnership's people (an edge list, GraphML or
    GEXF: sim.network_io): the run starts from it."""
    pseudonym_map: Any = None
    """Optional path where the mapping of email ids to the pseudonyms outputs show is written (only
    there: sim.people)."""
    cohort: CohortSettings = field(default_factory=CohortSettings)
    """The cohort search (python -m experiments.cohort)."""
    intervention: Any = field(default_factory=dict)
    """{name: settings} of interventions (group `intervention/`); empty for none.
    With any intervention, each replicate is a pair: intervention and counterfactual."""
    survey: SurveyParams = field(default_factory=SurveyParams)
    """Settings of the survey instrument (sim.survey.SurveyParams) for paired runs."""
    mechanisms: Mechanisms = field(default_factory=Mechanisms)
    """Which rule runs in the influence, game, content and listening slots (sim.mechanisms)."""
    structural: StructuralSettings = field(default_factory=StructuralSettings)
    """A structural-uncertainty job (experiment=structural)."""
    case: Any = None
    """The real case's observed figures, to compare with (experiment case_study)."""
    design: DesignSettings = field(default_factory=DesignSettings)
    sweep: Any = field(default_factory=dict)
    """How to aggregate and draw a sweep: {figure: dose_response | strategy | ablation |
    decay, x: swept key(s), hue: optional second key, outcomes: [metrics]}."""
    uncertainty: UncertaintySettings = field(default_factory=UncertaintySettings)
    """Posterior draws per replicate, or the medians alone."""


def job_dir(overrides: str) -> str:
    """A sweep job's directory name: its overrides, shortened with a hash when too long."""
    import hashlib

    name = overrides.replace("/", "_") or "defaults"
    if len(name) <= 120:
        return name
    return f"{name[:100]}_{hashlib.sha256(name.encode()).hexdigest()[:12]}"


def register_configs() -> None:
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)
    if not OmegaConf.has_resolver("job_dir"):
        OmegaConf.register_new_resolver("job_dir", job_dir)
    if not OmegaConf.has_resolver("unless_named"):
        # a programme's cohort_size and selection default to unset when a cohort_file names its people
        OmegaConf.register_new_resolver("unless_named", lambda cohort_file, default: None if cohort_file else default)


# ------------------------------------------------------------------ the checked configuration

def effect_weeks(programme_end: int | None, last: int) -> list[int]:
    """The weeks effects are reported at: the programme's end (the run's last week if there is no
    programme or the run stops first), then weeks 52 and 104 where they come after it, within the
    run (so the first window is always the programme's)."""
    end = min(programme_end or last, last)
    return [end, *(w for w in (52, 104) if end < w <= last)]


@dataclass(frozen=True)
class CheckedConfig:
    """A composed configuration with every value checked and the objects a job needs built."""

    raw: dict
    """The configuration as plain data (what provenance records and overrides change)."""
    run: RunSettings
    behaviour: BehaviourParams
    survey: SurveyParams
    partnership: Partnership
    interventions: dict
    """{name: intervention settings} (`sim.interventions`), built once."""
    design: DesignSettings
    case: dict | None
    sweep: dict
    mechanisms: Mechanisms = field(default_factory=Mechanisms)
    structural: StructuralSettings = field(default_factory=StructuralSettings)
    network: Any = None
    """The measured network the runs start from (`sim.network_io.MeasuredNetwork`), or None."""
    cohort: CohortSettings = field(default_factory=CohortSettings)
    uncertainty: UncertaintySettings = field(default_factory=UncertaintySettings)
    pinned: frozenset = frozenset()
    """Dotted settings the user or an experiment set explicitly (command-line overrides, swept
    values, `apply_overrides`): a posterior draw leaves them at their set value."""

    @property
    def programme_end(self) -> int | None:
        """The last week of delivery of the (earliest-ending) programme, if any."""
        return programme_end(self.interventions)

    @property
    def effect_weeks(self) -> list[int]:
        """The weeks effects are reported at (`effect_weeks`)."""
        return effect_weeks(self.programme_end, self.run.weeks)

    @property
    def spec(self) -> RunSpec:
        """The run this configuration specifies, which builds its models, arms and pairs
        (`experiments.running.spec`)."""
        return RunSpec(self.partnership, self.behaviour, self.mechanisms, self.interventions, self.survey,
                       self.run.weeks, self.run.burn_in_weeks, self.network)


def check(raw: Mapping[str, Any]) -> CheckedConfig:
    """Check a whole configuration given as plain data; raises a one-line ConfigError."""
    return _check_own(copy.deepcopy(dict(raw)))


def _check_own(raw: dict, reuse: CheckedConfig | None = None) -> CheckedConfig:
    """`check` of a configuration this module has just copied (the result keeps it as its raw).

    `reuse`: a checked configuration whose partnership and intervention settings this one shares
    (its scenario and intervention sections are unchanged), so they are not parsed again; every
    other value and every rule across sections is checked as usual."""
    unknown = set(raw) - {f for f in Config.__dataclass_fields__}
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(f"{key}={raw[key]!r}: not a setting (settings: {', '.join(Config.__dataclass_fields__)})")
    run = RunSettings.from_dict(raw.get("run") or {})
    behaviour = BehaviourParams.from_dict(raw.get("behaviour") or {})
    if reuse is not None:
        partnership, network = reuse.partnership, reuse.network
    elif raw.get("scenario_file"):
        partnership = load_partnership(str(raw["scenario_file"]), key="scenario_file")
    else:
        if raw.get("scenario") is None:
            raise ConfigError("scenario=None: choose a scenario (e.g. scenario=bnssg) or set scenario_file")
        _no_personal_data_in_the_record(raw["scenario"])
        partnership = load_partnership(raw["scenario"])
    if reuse is None:
        network = None
        if raw.get("network_file"):
            from sim.network_io import read_network

            network = read_network(str(raw["network_file"]), partnership)
    if behaviour.orgs_per_issue > partnership.n_organisations:
        raise ConfigError(f"behaviour.orgs_per_issue={behaviour.orgs_per_issue}: more than the "
                          f"scenario's {partnership.n_organisations} organisations")
    intervention = raw.get("intervention") or {}
    if not isinstance(intervention, Mapping):
        raise ConfigError(f"intervention={intervention!r}: must map intervention names to settings")
    interventions = reuse.interventions if reuse is not None else build_interventions(intervention)
    survey = SurveyParams.from_dict(raw.get("survey") or {})
    uncertainty = UncertaintySettings.from_dict(raw.get("uncertainty") or {})
    _design_bounds_from_the_posterior(raw, uncertainty)
    design = DesignSettings.from_dict(raw.get("design") or {})
    mechanisms = Mechanisms.from_dict(raw.get("mechanisms") or {})
    structural = StructuralSettings.from_dict(raw.get("structural") or {})
    cohort = CohortSettings.from_dict(raw.get("cohort") or {})
    # settings that could not take effect in this partnership and run are errors, not clamps
    check_pressure(partnership, behaviour.pressure_scale)
    check_interventions(interventions, partnership, run.weeks)
    survey.check_feasible(partnership, run.weeks, cohorts(interventions))
    config = CheckedConfig(raw, run, behaviour, survey, partnership, interventions, design,
                           raw.get("case"), dict(raw.get("sweep") or {}), mechanisms, structural, network, cohort,
                           uncertainty, reuse.pinned if reuse is not None else frozenset())
    if structural.enabled and not config.programme_end:
        raise ConfigError("structural.enabled=True: needs a leadership programme (intervention=leadership_programme)")
    if structural.enabled and design.method:
        raise ConfigError(f"structural.enabled=True: cannot run with design.method={design.method}")
    if design.method:
        check_design(config)
    if reuse is None or uncertainty != reuse.uncertainty:
        from experiments.running.uncertainty import posterior_of

        posterior_of(config)  # a named posterior file must exist and read as draws
    return config


def design_with_bounds(design: Mapping | None, posterior_file: str | None) -> dict:
    """A design section (plain data) whose parameters' `posterior` bounds are replaced by their
    posterior's 95% interval (`experiments.running.uncertainty.posterior_bounds`)."""
    from experiments.running.uncertainty import FROM_POSTERIOR, posterior_bounds

    design = dict(design or {})
    parameters = design.get("parameters")
    if isinstance(parameters, Mapping) and FROM_POSTERIOR in parameters.values():
        design["parameters"] = posterior_bounds(dict(parameters), posterior_file)
    return design


def _design_bounds_from_the_posterior(raw: dict, uncertainty: UncertaintySettings) -> None:
    """Design parameters whose bounds are `posterior` get their posterior's 95% interval, in the
    configuration's own record (`raw`), so provenance and a job's identity carry the numbers run."""
    if raw.get("design"):
        raw["design"] = design_with_bounds(raw["design"], uncertainty.posterior_file)


def _no_personal_data_in_the_record(scenario: Any) -> None:
    """A scenario given as configuration (a `scenario=` option, not a file) is written into every run's
    record (provenance, Hydra's config): its people list may hold neither personal columns nor email ids
    (sim.people); those belong in a file given with scenario_file, which the record names by path only."""
    from sim.people import is_email, is_personal_column

    people = scenario.get("people") if isinstance(scenario, Mapping) else None
    for i, person in enumerate(people or []):
        if not isinstance(person, Mapping):
            continue
        for key, value in person.items():
            if is_personal_column(key) or (isinstance(value, str) and is_email(value)):
                shown = "an email address" if isinstance(value, str) and is_email(value) else "personal data"
                raise ConfigError(f"scenario.people[{i}].{key}: holds {shown}, which a scenario chosen by name would "
                                  "write into every run's record; give the partnership as a file with "
                                  "scenario_file=... instead")


def check_design(config: CheckedConfig) -> None:
    from experiments.analysis import design as design_mod

    d = config.design
    if not config.interventions:
        raise ConfigError(f"design.method={d.method}: a sensitivity design needs an intervention")
    # each bound must be a value the parameter admits (checked without the design itself)
    plain = apply_overrides(config, {"design": {}})
    for path, bounds in d.parameters.items():
        if not isinstance(bounds, (list, tuple)) or len(bounds) != 2:
            raise ConfigError(f"design.parameters.{path}={bounds!r}: must be [low, high] with low < high, or "
                              "posterior (a calibrated setting's 95% interval)")
        for bound in bounds:
            apply_overrides(plain, {path: bound}, prefix="design.parameters", round_integers=True)
    for path, values in (d.levers or {}).items():
        if not isinstance(values, (list, tuple)) or not values:
            raise ConfigError(f"design.levers.{path}={values!r}: must be a non-empty list of values")
        for value in values:
            apply_overrides(plain, {path: value}, prefix="design.levers")
    end = config.programme_end
    if d.follow_to_week and (end is None or d.follow_to_week <= end):
        raise ConfigError(f"design.follow_to_week={d.follow_to_week}: must be after the programme's end "
                          f"(week {end}), or 0")
    full = design_mod.from_settings(d)
    design_mod.chunk(full, d.chunk, d.chunk_size)


_SHARED = ("scenario", "case")
"""Sections an override copy shares with its original while the overrides leave them alone."""
_REPARSED = ("scenario", "scenario_file", "intervention", "network_file")
"""Sections whose checked objects (partnership, intervention settings) are rebuilt only when touched."""

ROOTS = ("run", "behaviour", "survey", "intervention", "mechanisms", "design", "structural", "scenario",
         "scenario_file", "case", "sweep", "cohort", "network_file", "pseudonym_map", "uncertainty")


def apply_overrides(config: CheckedConfig, values: Mapping[str, Any], prefix: str = "",
                    round_integers: bool = False) -> CheckedConfig:
    """A checked copy of `config` with dotted-path values set, e.g.
    {"behaviour.tie_growth": 0.3, "intervention.leadership_programme.cohort_size": 30,
    "run.weeks": 52, "scenario": "small"}. With `round_integers` (design rows), values
    of whole-number settings are rounded. Any bad path or value: a one-line ConfigError
    (prefixed with `prefix`, e.g. the design key that gave it)."""
    if not values:
        return config
    touched = {str(path).split(".")[0] for path in values}
    # this call's own copy of what it may change; an untouched scenario or case (plain data that
    # nothing changes in place) is shared, and the partnership and interventions are reused
    raw = {key: value if key in _SHARED and key not in touched else copy.deepcopy(value)
           for key, value in config.raw.items()}
    reuse = config if touched.isdisjoint(_REPARSED) else None
    try:
        for path, value in values.items():
            _set(raw, config, path, value, round_integers, explicit=values)
        return pin(_check_own(raw, reuse), config.pinned | set(map(str, values)))
    except ConfigError as exc:
        if prefix:
            raise ConfigError(f"{prefix}.{exc}") from None
        raise


def pin(config: CheckedConfig, paths) -> CheckedConfig:
    """The configuration with `paths` (dotted settings set explicitly) held at their set values
    by posterior draws (`CheckedConfig.pinned`)."""
    import dataclasses

    return dataclasses.replace(config, pinned=frozenset(paths))


def _set(raw: dict, config: CheckedConfig, path: str, value: Any, round_integers: bool, explicit=()) -> None:
    parts = path.split(".")
    root = parts[0]
    if root not in ROOTS:
        raise ConfigError(f"{path}={value!r}: not a setting (use {', '.join(r + '.NAME' for r in ROOTS[:7])}, "
                          "scenario or scenario_file)")
    if len(parts) == 1 and root in ("design", "case", "sweep", "network_file", "pseudonym_map"):
        raw[root] = value
        return
    if root in ("scenario", "scenario_file") and len(parts) == 1:
        if isinstance(value, Partnership):
            value = value.to_dict()
        raw[root] = value
        if root == "scenario":
            raw["scenario_file"] = None
        return
    if root == "intervention":
        if len(parts) != 3:
            raise ConfigError(f"{path}={value!r}: use intervention.NAME.SETTING")
        selected = raw.get("intervention") or {}
        if parts[1] not in selected:
            raise ConfigError(f"{path}={value!r}: {parts[1]} is not a selected intervention "
                              f"(selected: {', '.join(selected) or 'none'})")
        settings = config.interventions[parts[1]]
        spec = type(settings).specs().get(parts[2]) if hasattr(type(settings), "specs") else None
        node = selected[parts[1]]
        if parts[2] == "cohort_file" and value is not None and node.get("cohort_file") is None:
            # a cohort file replaces the rule's size and selection (as the config files' defaults do);
            # set together with either, the settings refuse both
            for name in ("cohort_size", "selection"):
                if f"intervention.{parts[1]}.{name}" not in explicit:
                    node[name] = None
        node[parts[2]] = _rounded(value, spec, round_integers)
        return
    spec = None
    owner = {"run": RunSettings, "behaviour": BehaviourParams, "survey": SurveyParams,
             "design": DesignSettings, "mechanisms": Mechanisms, "structural": StructuralSettings,
             "uncertainty": UncertaintySettings, "cohort": CohortSettings}.get(root)
    if owner is not None and len(parts) == 2:
        spec = owner.specs().get(parts[1])
    node = raw
    for part in parts[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[parts[-1]] = _rounded(value, spec, round_integers)


def _rounded(value: Any, spec, round_integers: bool) -> Any:
    if (round_integers and spec is not None and spec.kind == "number" and spec.integer
            and isinstance(value, float)):
        return int(round(value))
    return value


# ------------------------------------------------------------------ composition

def compose(overrides: list[str] | None = None) -> DictConfig:
    """The composed Hydra config for the given override strings (the case study by default)."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    register_configs()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            return hydra_compose(config_name="config", overrides=list(overrides or []))
    finally:
        GlobalHydra.instance().clear()


def compose_checked(overrides: list[str] | None = None) -> CheckedConfig:
    """Compose with Hydra's compose API, then check (raises a one-line ConfigError). The settings
    the overrides set are pinned: a posterior draw leaves them as set."""
    config = check(OmegaConf.to_container(compose(overrides), resolve=True))
    keys = {o.lstrip("+~").partition("=")[0] for o in overrides or [] if "=" in o}
    return pin(config, config.pinned | keys) if keys else config


ASSUMED = ("assumed", "an assumption", "user's choice", "judgement", "not measured")
"""Words by which a declared source says its value is not from evidence (`sim.schema`)."""


def spec_of_path(path: str):
    """The declared setting (`sim.schema.Spec`) of a dotted configuration path."""
    from experiments.running.uncertainty import model_setting_spec

    parts = path.split(".")
    owner = {"run": RunSettings, "design": DesignSettings}.get(parts[0])
    return owner.specs().get(parts[-1]) if owner is not None else model_setting_spec(path)
