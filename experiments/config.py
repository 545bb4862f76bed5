"""Structured configs (Hydra ConfigStore) and the checks run before any work starts.

The schema's `behaviour` node is `sim.params.BehaviourParams` itself, so Hydra
refuses unknown keys and wrong types, and `validate()` checks the ranges. All
checks give one line naming the offending key and value (`describe_error`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.interventions import build_interventions
from sim.params import BehaviourParams, ConfigError
from sim.scenario import Partnership, load_partnership
from sim.survey import SurveyParams

CONF_DIR = Path(__file__).resolve().parents[1] / "conf"


@dataclass
class RunConfig:
    replicates: int = 10
    """Replicates per job; replicate r is seeded from SeedSequence(base_seed, spawn_key=(r,))."""
    weeks: int = 104
    burn_in_weeks: int = 104
    base_seed: int = 20261126
    label: str = "default"
    """Written as a column of results.parquet, to tell runs apart once aggregated."""
    workers: int = 1
    """Processes over which a job spreads its replicates (results do not depend on it)."""
    figures: bool = True
    """Draw the job's figures (sweeps switch this off and draw the sweep's figure instead)."""
    progress: bool = True
    """A progress bar over replicates or design rows (shown only on a terminal)."""
    resume: bool = True
    """Skip the job if its output directory already holds complete output of the same config."""


@dataclass
class DesignConfig:
    method: Any = None
    """None for an ordinary job; 'morris' or 'sobol' for a sensitivity design (SALib)."""
    n: int = 8
    """Morris trajectories, or Sobol base samples (a power of two)."""
    chunk: int = 0
    """Which chunk of design rows this job runs (sweep with design.chunk=range(0,K))."""
    chunk_size: int = 25
    seed: int = 1
    parameters: Any = field(default_factory=dict)
    """{dotted config path: [low, high]} of the parameters to vary."""


@dataclass
class Config:
    run: RunConfig = field(default_factory=RunConfig)
    behaviour: BehaviourParams = field(default_factory=BehaviourParams)
    scenario: Any = None
    """The scenario group's content (a partnership described as data)."""
    scenario_file: Any = None
    """Optional path of a user's own scenario YAML; replaces `scenario` when set."""
    intervention: Any = field(default_factory=dict)
    """{name: settings} of interventions (group `intervention/`); empty for none.
    With any intervention, each replicate is a pair: intervention and counterfactual."""
    survey: SurveyParams = field(default_factory=SurveyParams)
    """Settings of the survey instrument (sim.survey.SurveyParams) for paired runs."""
    case: Any = None
    """The real case's observed figures, to compare with (experiment case_study)."""
    design: DesignConfig = field(default_factory=DesignConfig)
    sweep: Any = field(default_factory=dict)
    """How to aggregate and draw a sweep: {figure: dose_response | strategy | ablation |
    decay, x: swept key(s), hue: optional second key, outcomes: [metrics]}."""


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


def _whole(value: Any, key: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(f"{key}={value!r}: must be a whole number >= {low}")
    return value


@dataclass
class Checked:
    behaviour: BehaviourParams
    partnership: Partnership
    interventions: dict
    survey: SurveyParams


def validate(cfg: DictConfig) -> Checked:
    """Check the whole composed config; return what the job needs, already checked."""
    run = cfg.run
    _whole(run.replicates, "run.replicates", 1)
    _whole(run.workers, "run.workers", 1)
    _whole(run.weeks, "run.weeks", 1)
    _whole(run.burn_in_weeks, "run.burn_in_weeks", 0)
    _whole(run.base_seed, "run.base_seed", 0)
    behaviour = BehaviourParams.from_dict(OmegaConf.to_container(cfg.behaviour, resolve=True))
    if cfg.scenario_file:
        partnership = load_partnership(str(cfg.scenario_file), key="scenario_file")
    else:
        if cfg.scenario is None:
            raise ConfigError("scenario=None: choose a scenario (e.g. scenario=bnssg) or set scenario_file")
        partnership = load_partnership(OmegaConf.to_container(cfg.scenario, resolve=True))
    if behaviour.orgs_per_issue > partnership.n_organisations:
        raise ConfigError(f"behaviour.orgs_per_issue={behaviour.orgs_per_issue}: more than the "
                          f"scenario's {partnership.n_organisations} organisations")
    interventions = OmegaConf.to_container(cfg.intervention, resolve=True) if cfg.intervention else {}
    build_interventions(interventions)  # raises ConfigError naming the bad setting
    survey = SurveyParams.from_dict(OmegaConf.to_container(cfg.survey, resolve=True))
    checked = Checked(behaviour, partnership, interventions, survey)
    if cfg.design.method:
        from experiments import design

        if not interventions:
            raise ConfigError(f"design.method={cfg.design.method}: a sensitivity design needs an intervention")
        _whole(cfg.design.chunk_size, "design.chunk_size", 1)
        _whole(cfg.design.n, "design.n", 1)
        params = OmegaConf.to_container(cfg.design.parameters, resolve=True)
        for path in params:
            apply_overrides(checked, {path: params[path][0]}, key="design.parameters")
        full = design.build(cfg.design.method, cfg.design.n, params, cfg.design.seed)
        design.chunk(full, cfg.design.chunk, cfg.design.chunk_size)
    return checked


def apply_overrides(c: Checked, values: dict[str, float], key: str = "design.parameters") -> Checked:
    """A copy of a checked config with dotted-path values set (behaviour.*, survey.*,
    intervention.NAME.*); integer settings are rounded. Raises ConfigError for bad paths."""
    import copy
    from dataclasses import asdict, fields

    behaviour, survey = asdict(c.behaviour), dict(c.survey.__dict__)
    interventions = copy.deepcopy(c.interventions)
    ints = {f.name for f in fields(BehaviourParams) if f.metadata.get("integer")}
    for path, value in values.items():
        parts = path.split(".")
        if parts[0] == "behaviour" and len(parts) == 2 and parts[1] in behaviour:
            behaviour[parts[1]] = int(round(value)) if parts[1] in ints else float(value)
        elif parts[0] == "survey" and len(parts) == 2 and parts[1] in survey:
            survey[parts[1]] = float(value)
        elif parts[0] == "intervention" and len(parts) == 3 and parts[1] in interventions:
            (obj,) = build_interventions({parts[1]: interventions[parts[1]]})
            current = getattr(obj, parts[2], None)
            if current is None or isinstance(current, (bool, str)):
                raise ConfigError(f"{key}.{path}={value!r}: not a numeric setting of {parts[1]}")
            interventions[parts[1]][parts[2]] = int(round(value)) if isinstance(current, int) else float(value)
        else:
            raise ConfigError(f"{key}.{path}={value!r}: not a parameter (use behaviour.NAME, survey.NAME "
                              "or intervention.NAME.SETTING of a selected intervention)")
    build_interventions(interventions)
    return Checked(BehaviourParams.from_dict(behaviour), c.partnership, interventions,
                   SurveyParams.from_dict(survey))


# ------------------------------------------------------------------ error messages

def describe_error(exc: BaseException, overrides: list[str] | None = None) -> str:
    """One line naming the offending key and value, from our own or Hydra/OmegaConf errors."""
    if isinstance(exc, ConfigError):
        return str(exc)
    chain = []
    e: BaseException | None = exc
    while e is not None and e not in chain:
        chain.append(e)
        e = e.__cause__ or e.__context__
    for e in chain:
        if isinstance(e, ConfigError):
            return str(e)
    given = dict(o.lstrip("+~").split("=", 1) for o in (overrides or []) if "=" in o)
    for e in chain:
        if isinstance(e, OmegaConfBaseException) and getattr(e, "full_key", None):
            key = e.full_key
            msg = str(getattr(e, "msg", "") or e).strip().splitlines()[0]
            # name the override the user typed (it may be below the key OmegaConf reports)
            typed = [k for k in given if k == key or k.startswith(key + ".")]
            if typed:
                return f"{typed[0]}={given[typed[0]]}: {msg}"
            return f"{key}={getattr(e, 'value', None)}: {msg}"
    text = " ".join(str(exc).split())
    missing = getattr(exc, "missing_cfg_file", None)
    if missing:
        group = str(missing).split("/")[0]
        options = getattr(exc, "options", None)
        value = given.get(group, missing)
        hint = f" (available: {', '.join(options)})" if options else ""
        return f"{group}={value}: unknown option{hint}"
    for key, value in given.items():
        if f"'{key}'" in text or f"{key}=" in text:
            return f"{key}={value}: {text}"
    return text


# ------------------------------------------------------------------ preflight

def _user_overrides(argv: list[str]) -> tuple[list[str], bool]:
    """Overrides from a Hydra command line, and whether this is a multirun."""
    takes_value = {"-cn", "--config-name", "-cp", "--config-path", "-cd", "--config-dir",
                   "-c", "--cfg", "-p", "--package", "--info", "--experimental-rerun"}
    out, multirun, skip = [], False, False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in ("-m", "--multirun"):
            multirun = True
        elif arg in takes_value:
            skip = arg not in ("--info",)
        elif not arg.startswith("-") and "=" in arg:
            key = arg.lstrip("+~").split("=", 1)[0]
            if not key.startswith(("hydra.", "hydra/")):
                out.append(arg)
    return out, multirun


GROUPS = ("scenario", "behaviour", "intervention", "experiment")


def _split_sweeps(overrides: list[str]):
    """(fixed overrides, [(key, [(text, value), ...]) for each sweep])."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides(overrides)
    fixed, sweeps = [], []
    for text, o in zip(overrides, parsed):
        if o.is_sweep_override():
            try:
                values = list(zip(o.sweep_string_iterator(), o.sweep_iterator()))
            except Exception:  # interval sweeps (for optimisers) have no discrete values
                values = []
            sweeps.append((o.get_key_element(), values))
        else:
            fixed.append(text)
    return fixed, sweeps


def preflight(argv: list[str]) -> str | None:
    """Compose and validate the config the command line asks for; None if it is good.

    Every value of every sweep is checked (one at a time, against the other
    settings), before Hydra creates any output directory, so bad input leaves no
    files. A value of a config group is checked by composing; any other value by
    setting it on the composed base, which costs milliseconds, not a composition.
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    overrides, _ = _user_overrides(argv)
    register_configs()
    try:
        fixed, sweeps = _split_sweeps(overrides)
    except Exception as exc:  # a malformed override
        return describe_error(exc, overrides)
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            try:
                base = compose(config_name="config", overrides=fixed)
                validate(base)
            except Exception as exc:
                return describe_error(exc, fixed)
            for key, values in sweeps:
                for text, value in values:
                    combo = fixed + [f"{key}={text}"]
                    try:
                        if key.split(".")[0].split("/")[0] in GROUPS and "." not in key:
                            cfg = compose(config_name="config", overrides=combo)
                        else:
                            cfg = copy.deepcopy(base)
                            OmegaConf.update(cfg, key, value, merge=False)
                        validate(cfg)
                    except Exception as exc:
                        return describe_error(exc, combo)
    finally:
        GlobalHydra.instance().clear()
    return None

