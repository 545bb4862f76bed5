"""The preflight check: compose and check everything a command line asks for, before any file.

`preflight(argv)` returns None when the configuration (and every value of every
sweep) is good, or one line naming the offending key and value: our own
`ConfigError`s as they are, Hydra's and OmegaConf's errors reduced to the key the
user typed (`describe_error`).
"""

from __future__ import annotations

from omegaconf.errors import OmegaConfBaseException

from experiments.running.config import CONF_DIR, apply_overrides, check, register_configs
from omegaconf import OmegaConf
from sim.schema import ConfigError


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


GROUPS = ("scenario", "behaviour", "mechanisms", "turnover", "intervention", "experiment")


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
    """Compose and check the config the command line asks for; None if it is good.

    Every value of every sweep is checked (one at a time, against the other
    settings), before Hydra creates any output directory, so bad input leaves no
    files. A value of a config group is checked by composing; any other value by
    `apply_overrides` on the checked base, which costs milliseconds, not a composition.
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
                base = check(OmegaConf.to_container(compose(config_name="config", overrides=fixed), resolve=True))
            except Exception as exc:
                return describe_error(exc, fixed)
            for key, values in sweeps:
                for text, value in values:
                    combo = fixed + [f"{key}={text}"]
                    try:
                        if key.split(".")[0].split("/")[0] in GROUPS and "." not in key:
                            check(OmegaConf.to_container(compose(config_name="config", overrides=combo),
                                                         resolve=True))
                        else:
                            apply_overrides(base, {key: value})
                    except Exception as exc:
                        return describe_error(exc, combo)
    finally:
        GlobalHydra.instance().clear()
    return None

