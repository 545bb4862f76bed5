"""One way to declare a setting: its default, admissible values, meaning and source.

Every settings class of the project (behaviour, survey, each intervention, a
run, a design) is a dataclass whose fields are declared with one of

    number(default, low, high, meaning, source, integer=False)
    flag(default, meaning, source)
    choice(default, options, meaning, source)
    numbers(default, meaning, source, low=..., high=..., length=..., increasing=...)
    choices(default, options, meaning, source)

and which inherits `Settings`. The declaration is at once the schema (Hydra's
structured configs read the same dataclass), the validation (`from_dict`,
`replace`: each bad value gives one `ConfigError` line naming the key and the
admissible values) and the documentation (`parameter_table()` lists every
declared setting with its meaning and source; docs/ODD.md section 8 is checked
against it).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any


class ConfigError(ValueError):
    """Bad input. The message is one line naming the offending key and value."""


def bound(x: float) -> str:
    """A range bound as messages print it: 1000000, not 1e+06."""
    return str(int(x)) if math.isfinite(x) and float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


def check_number(value: Any, key: str, lo: float, hi: float, integer: bool = False) -> float | int:
    """The value if it is a (whole) number in [lo, hi]; otherwise a one-line ConfigError."""
    interval = f"[{bound(lo)}, {bound(hi)}]"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{key}={value!r}: must be a {'whole ' if integer else ''}number in {interval}")
    if not math.isfinite(value) or not lo <= value <= hi:
        raise ConfigError(f"{key}={value!r}: must be {'a whole number ' if integer else ''}in {interval}")
    if integer and float(value) != int(value):
        raise ConfigError(f"{key}={value!r}: must be a whole number in {interval}")
    return int(value) if integer else float(value)


@dataclass(frozen=True)
class Spec:
    """What a declared setting admits, what it means and where its value comes from."""

    kind: str
    """number | flag | choice | numbers | choices | text | mapping"""
    meaning: str
    source: str
    low: float = -math.inf
    high: float = math.inf
    integer: bool = False
    options: tuple = ()
    length: int | None = None
    increasing: bool = False
    optional: bool = False
    """None is admissible (and means 'not set')."""

    def admissible(self) -> str:
        """The admissible values in words, for messages and tables."""
        if self.kind == "number":
            text = f"{'whole number' if self.integer else 'number'} in [{bound(self.low)}, {bound(self.high)}]"
        elif self.kind == "flag":
            text = "true or false"
        elif self.kind == "choice":
            text = "one of " + ", ".join(map(str, self.options))
        elif self.kind == "choices":
            text = "a list of " + ", ".join(map(str, self.options))
        elif self.kind == "text":
            text = "text"
        elif self.kind == "mapping":
            text = "a mapping"
        else:
            count = f"{self.length} " if self.length else ""
            order = "increasing " if self.increasing else ""
            unit = "whole numbers" if self.integer else "numbers"
            text = f"{count}{order}{unit} in [{bound(self.low)}, {bound(self.high)}]"
        return text + (" (or null)" if self.optional else "")

    def check(self, value: Any, key: str) -> Any:
        """The value, converted to its declared type, or a one-line ConfigError."""
        if value is None and self.optional:
            return None
        if self.kind == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"{key}={value!r}: must be a {self.admissible()}")
            return check_number(value, key, self.low, self.high, self.integer)
        if self.kind == "flag":
            if not isinstance(value, bool):
                raise ConfigError(f"{key}={value!r}: must be true or false")
            return value
        if self.kind == "text":
            if not isinstance(value, str):
                raise ConfigError(f"{key}={value!r}: must be text")
            return value
        if self.kind == "mapping":
            if not isinstance(value, Mapping):
                raise ConfigError(f"{key}={value!r}: must be a mapping")
            return dict(value)
        if self.kind == "choice":
            if value not in self.options:
                raise ConfigError(f"{key}={value!r}: unknown (choose from {', '.join(map(str, self.options))})")
            return value
        items = (value,) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else value
        try:
            items = tuple(items)
        except TypeError:
            raise ConfigError(f"{key}={value!r}: must be {self.admissible()}") from None
        if self.kind == "choices":
            for item in items:
                if item not in self.options:
                    raise ConfigError(f"{key}={item!r}: unknown (choose from {', '.join(map(str, self.options))})")
            return items
        shown = list(items)
        if self.length is not None and len(items) != self.length:
            raise ConfigError(f"{key}={shown!r}: must be {self.admissible()}")
        out = []
        for item in items:
            if isinstance(item, bool) or not isinstance(item, (int, float)) or not math.isfinite(item) \
                    or not self.low <= item <= self.high or (self.integer and float(item) != int(item)):
                raise ConfigError(f"{key}={shown!r}: must be {self.admissible()}")
            out.append(int(item) if self.integer else float(item))
        if self.increasing and any(b <= a for a, b in zip(out, out[1:])):
            raise ConfigError(f"{key}={shown!r}: must be {self.admissible()}")
        return tuple(out)


def _field(default: Any, spec: Spec):
    if isinstance(default, (list, tuple)):
        value = tuple(default)
        return field(default_factory=lambda: value, metadata={"spec": spec})
    return field(default=default, metadata={"spec": spec})


def number(default: float | int | None, low: float, high: float, meaning: str, source: str, *,
           integer: bool = False, optional: bool = False):
    return _field(default, Spec("number", meaning, source, low, high, integer, optional=optional))


def flag(default: bool, meaning: str, source: str):
    return _field(default, Spec("flag", meaning, source))


def choice(default: str | None, options, meaning: str, source: str, *, optional: bool = False):
    return _field(default, Spec("choice", meaning, source, options=tuple(options), optional=optional))


def text(default: str | None, meaning: str, source: str = "user's choice", *, optional: bool = False):
    return _field(default, Spec("text", meaning, source, optional=optional))


def mapping(meaning: str, source: str = "user's choice"):
    return field(default_factory=dict, metadata={"spec": Spec("mapping", meaning, source)})


def choices(default, options, meaning: str, source: str):
    return _field(tuple(default), Spec("choices", meaning, source, options=tuple(options)))


def numbers(default, meaning: str, source: str, *, low: float = -math.inf, high: float = math.inf,
            integer: bool = False, length: int | None = None, increasing: bool = False):
    return _field(tuple(default), Spec("numbers", meaning, source, low, high, integer, length=length,
                                       increasing=increasing))


def spec_of(f: dataclasses.Field) -> Spec | None:
    return f.metadata.get("spec")


class Settings:
    """Validation, replacement and documentation for a dataclass of declared settings.

    Subclasses set `_noun` (the word used for an unknown key) and may override
    `check_together(prefix)` for rules that involve several settings.
    """

    _noun = "setting"

    @classmethod
    def specs(cls) -> dict[str, Spec]:
        return dict(_specs(cls))

    @classmethod
    def from_dict(cls, values: Mapping[str, Any] | None = None, prefix: str = ""):
        """Build from a mapping, refusing unknown keys, converting and checking every value."""
        values = dict(values or {})
        specs = cls.specs()
        for key, value in values.items():
            if key not in specs:
                raise ConfigError(f"{_join(prefix, key)}={value!r}: unknown {cls._noun} ({suggest(key, specs)})")
        checked = {k: specs[k].check(v, _join(prefix, k)) for k, v in values.items()}
        obj = cls(**checked)
        obj.check_together(prefix)
        return obj

    def validated(self, prefix: str = ""):
        """A checked copy (values converted to their declared types)."""
        return type(self).from_dict(self.to_dict(), prefix)

    def replace(self, prefix: str = "", **changes: Any):
        """A checked copy with some settings changed."""
        return type(self).from_dict({**self.to_dict(), **changes}, prefix)

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.specs()}

    def check_together(self, prefix: str) -> None:
        """Rules that involve several settings (none by default)."""


@functools.cache
def _specs(cls: type) -> dict[str, Spec]:
    """A declared class's settings and their specs (found once per class: every check reads them)."""
    return {f.name: spec_of(f) for f in fields(cls) if spec_of(f) is not None}


def suggest(key: str, known) -> str:
    """'did you mean ...; known: ...' for an unknown key."""
    import difflib

    close = difflib.get_close_matches(str(key), list(known), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"{hint}known: {', '.join(known)}"


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def rows(group: str, cls: type[Settings], defaults: Settings | None = None) -> list[dict[str, Any]]:
    """One documentation row per declared setting of `cls` (defaults from `defaults` if given)."""
    out = []
    for name, spec in cls.specs().items():
        if defaults is not None:
            default = getattr(defaults, name)
        else:
            f = next(f for f in fields(cls) if f.name == name)
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        out.append({"group": group, "name": name, "default": default, "admissible": spec.admissible(),
                    "meaning": spec.meaning, "source": spec.source})
    return out


def format_default(value: Any) -> str:
    """A default as the ODD's tables print it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "(" + ", ".join(format_default(v) for v in value) + ")"
    if isinstance(value, float):
        return f"{value:g}"
    return "null" if value is None else str(value)
