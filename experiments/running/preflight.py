"""The preflight check: compose and check everything a command line asks for, before any file.

`preflight(argv)` returns None when the configuration (and every value of every
sweep) is good, or one line naming the offending key and value: our own
`ConfigError`s as they are, Hydra's and OmegaConf's errors reduced to the key the
user typed (`describe_error`).
"""

from __future__ import annotations

import re

from omegaconf.errors import OmegaConfBaseException

from experiments.running.config import CONF_DIR, apply_overrides, check, register_configs
from omegaconf import OmegaConf
from sim.schema import ConfigError


# ------------------------------------------------------------------ error messages

def _typed(overrides: list[str] | None) -> dict[str, str]:
    """{key: value} as the user typed them (without Hydra's +/~ prefixes)."""
    return dict(o.lstrip("+~").split("=", 1) for o in (overrides or []) if "=" in o)


def _flat_keys(node, prefix: str = "") -> list[str]:
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            out += _flat_keys(v, key) if isinstance(v, dict) and v else [key]
    return out


def known_keys(overrides: list[str] | None = None) -> list[str]:
    """Every setting a command line can set, as dotted keys, for the config groups it chose
    (`experiment=...`, `intervention=...`): the keys of the composed configuration."""
    from experiments.running.config import compose

    groups = [o for o in (overrides or []) if "=" in o and "." not in o.lstrip("+~").split("=", 1)[0]]
    for attempt in (groups, []):
        try:
            cfg = OmegaConf.to_container(compose(attempt), resolve=False)
            break
        except Exception:  # a bad group choice: fall back to the defaults
            cfg = {}
    return [k for k in _flat_keys(cfg) if not k.startswith(("case.", "sweep.", "hydra."))]


def unknown_setting(key: str, value: str, known: list[str]) -> str:
    """One line for a key that is not a setting: the full key when the user typed a short or
    plain name, else the closest known keys."""
    import difflib

    from experiments.interfaces.glossary import GLOSSARY

    if key in GLOSSARY:  # a notebook's plain name on the command line
        if key == "partnership":
            full = "scenario_file" if value.endswith((".yaml", ".yml")) or "/" in value else "scenario"
            return (f"{key}={value}: unknown setting on the command line; use {full}={value} "
                    "(scenario=NAME for a built-in partnership, scenario_file=PATH for your own file)")
        setting = GLOSSARY[key]
        try:
            import yaml

            converted = setting.convert(yaml.safe_load(value))
        except Exception:
            converted = "..."
        return (f"{key}={value}: unknown setting on the command line (that is the notebooks' name); "
                f"use {setting.key}={converted}")
    leaf = key.split(".")[-1]
    full = [k for k in known if k.split(".")[-1] == leaf and k != key]
    if full:
        return (f"{key}={value}: unknown setting; give its full key: "
                + " or ".join(f"{k}={value}" for k in full[:3]))
    parent = key.rsplit(".", 1)[0] if "." in key else ""
    siblings = [k for k in known if parent and k.startswith(parent + ".")]
    close = difflib.get_close_matches(key, siblings or known, n=1, cutoff=0.8)
    if not close:  # a misspelt leaf anywhere (e.g. behaviour.cohort_sise)
        leaves = {k.split(".")[-1]: k for k in known}
        close = [leaves[x] for x in difflib.get_close_matches(leaf, list(leaves), n=1, cutoff=0.8)]
    if close:
        return f"{key}={value}: unknown setting (did you mean {close[0]}={value}?)"
    if siblings:
        return (f"{key}={value}: unknown setting (no setting of {parent} is called {leaf}; "
                "python -m experiments.run --cfg job lists them all)")
    roots = sorted({k.split(".")[0] for k in known if k.split(".")[0] not in ("sweep", "case")})
    return f"{key}={value}: unknown setting (settings start with {', '.join(roots)})"


def wrong_type(key: str, value: str, msg: str, known_default=None) -> str:
    """One line for a value of the wrong type, saying what to give instead."""
    if "Integer" in msg:
        what = "a whole number"
    elif "Float" in msg:
        what = "a number"
    elif "bool" in msg:
        what = "true or false"
        known_default = None if known_default is None else str(bool(known_default)).lower()
    else:
        return f"{key}={value}: {msg}"
    example = f", e.g. {key}={known_default}" if known_default is not None else ""
    return f"{key}={value}: give {what}{example}"


def _default_of(key: str):
    from experiments.running.config import compose

    try:
        return OmegaConf.select(compose([]), key)
    except Exception:
        return None


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def attribute_conflict(message: str, overrides: list[str] | None) -> str:
    """A rule that spans two settings is reported by the library at one of them; when the user did
    not type that one, lead with the setting they did type and say which other it conflicts with."""
    given = _typed(overrides)
    key, sep, rest = message.partition("=")
    if not sep or " " in key:
        return message
    unknown = re.match(r"(.*?): unknown (parameter|setting|key)\b", rest)
    if unknown and key in given:  # a sweep value checked by the library: the same words as composition's
        return unknown_setting(key, given[key], known_keys(overrides))
    if key in given:
        wanted = re.match(r".*?: must be (a whole number|a number) (in .*)", rest)
        if wanted and not _numeric(given[key]):
            return f"{key}={given[key]}: give {wanted.group(1)} {wanted.group(2)}"
        return message
    value, _, reason = rest.partition(": ")
    if not reason:
        return message
    group = key.rsplit(".", 1)[0]
    same_group = [k for k in given if "." in k and k.rsplit(".", 1)[0] == group]
    mentioned = [k for k in given if k in reason or k.split(".")[-1] in reason]
    # a typed setting the reason names comes first, then any of the same group
    typed = [k for k in same_group if k in mentioned] or mentioned or same_group
    if not typed:
        return message
    return f"{typed[0]}={given[typed[0]]}: {reason} (with {key}={value})"


def describe_error(exc: BaseException, overrides: list[str] | None = None) -> str:
    """One line naming the offending key and value as the user typed it, from our own or
    Hydra/OmegaConf errors: an unknown key with the key to use, a wrong type with what to give."""
    from omegaconf.errors import ConfigAttributeError, ConfigKeyError, ValidationError

    if isinstance(exc, ConfigError):
        return attribute_conflict(str(exc), overrides)
    chain = []
    e: BaseException | None = exc
    while e is not None and e not in chain:
        chain.append(e)
        e = e.__cause__ or e.__context__
    for e in chain:
        if isinstance(e, ConfigError):
            return attribute_conflict(str(e), overrides)
    given = _typed(overrides)
    for e in chain:
        if isinstance(e, OmegaConfBaseException) and getattr(e, "full_key", None):
            key = e.full_key
            msg = str(getattr(e, "msg", "") or e).strip().splitlines()[0]
            # name the override the user typed (it may be below the key OmegaConf reports)
            typed = [k for k in given if k == key or k.startswith(key + ".")]
            typed_key = typed[0] if typed else key
            value = given[typed_key] if typed else getattr(e, "value", None)
            if isinstance(e, (ConfigAttributeError, ConfigKeyError)) and ("not in" in msg):
                return unknown_setting(typed_key, str(value), known_keys(overrides))
            if isinstance(e, ValidationError) and ("converted" in msg or "valid bool" in msg):
                return wrong_type(typed_key, str(value), msg, _default_of(typed_key))
            return f"{typed_key}={value}: {msg}"
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


def intervals_need_replicates(config) -> str | None:
    """A paired run prints and writes 95% intervals across replicates: one replicate has none, so
    refuse it in one line. Design sweeps (one replicate per design row, whose outputs are indices,
    not intervals) and the structural study are left alone."""
    if (config.interventions and not config.design.method and not config.structural.enabled
            and config.run.replicates < 2):
        return (f"run.replicates={config.run.replicates}: this run compares the programme with no programme and "
                "prints 95% intervals, which need at least 2 replicates (the case study uses 100); "
                "give run.replicates=2 or more")
    return None


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
            if not sweeps and (problem := intervals_need_replicates(base)):
                return problem
            for key, values in sweeps:
                for text, value in values:
                    combo = fixed + [f"{key}={text}"]
                    try:
                        if key.split(".")[0].split("/")[0] in GROUPS and "." not in key:
                            checked = check(OmegaConf.to_container(compose(config_name="config", overrides=combo),
                                                                   resolve=True))
                        else:
                            checked = apply_overrides(base, {key: value})
                        problem = intervals_need_replicates(checked)
                    except Exception as exc:
                        return describe_error(exc, combo)
                    if problem:
                        return problem
    finally:
        GlobalHydra.instance().clear()
    return None

