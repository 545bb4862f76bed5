"""Mechanism variants: other plausible rules for four of the week's processes.

The model's conclusions may be properties of one rule set. `Mechanisms` chooses,
for each of four slots, which rule runs (docs/ODD.md 7.11); the default is the
model as calibrated:

- `influence` (orientation process, 7.5): `friedkin_johnsen` (anchored social
  influence, Friedkin & Johnsen 1990), `degroot` (the same network averaging
  without the organisation's anchor, DeGroot 1974: the anchor removed alone),
  `bounded_friedkin_johnsen` (the same anchored averaging in which a tie to a
  leader whose orientation differs by `confidence_bound` or more carries no
  weight, Hegselmann & Krause 2002: the bound alone), or `bounded_confidence`
  (Deffuant et al. 2000: two leaders who talk move towards each other only if
  their orientations differ by less than `confidence_bound`; no anchor, and the
  programme's message heard only within the bound: three changes at once).
- `game` (collective issues, 7.2): `stag_hunt` (holding back earns nothing on
  the issue) or `public_goods`, the threshold public-goods game of Pacheco et al.
  (2009), in which the benefit of a success grows with the number of
  contributors and is shared by all, contributors or not (free-riding).
- `content` (the leadership programme, 7.0): `direct` (its system-first message
  is a source in participants' opinion update) or `through_sight` (no message:
  content acts only through system sight, efficacy and risk appetite).
- `listening` (ties, 7.6): `perception` (listening only sharpens perception and
  raises partners' trust gain) or `relationships` (also: a conversation builds a
  relationship faster the better the two listen, Kluger et al. 2024).

`processes_for(mechanisms)` is the week with those rules; `CollaborationModel(
mechanisms=...)` and the configuration group `mechanisms/` choose them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.schema import ConfigError, Settings, choice, number

INFLUENCE = ("friedkin_johnsen", "degroot", "bounded_friedkin_johnsen", "bounded_confidence")
GAMES = ("stag_hunt", "public_goods")
CONTENT = ("direct", "through_sight")
LISTENING = ("perception", "relationships")
SLOTS = ("influence", "game", "content", "listening")


@dataclass
class Mechanisms(Settings):
    """Which rule runs in each of four process slots, and the variants' own parameters."""

    influence: str = choice("friedkin_johnsen", INFLUENCE, "social influence on orientation",
                            "Friedkin & Johnsen 1990; DeGroot 1974; Hegselmann & Krause 2002; Deffuant et al. 2000")
    confidence_bound: float = number(0.3, 0.01, 1.0, "bounded_friedkin_johnsen and bounded_confidence: leaders "
                                     "whose orientations differ by this much or more do not influence each other",
                                     "assumed; Deffuant et al. 2000: about floor(1 / (2 bound)) opinion clusters")
    game: str = choice("stag_hunt", GAMES, "the collective-issue game",
                       "stag hunt (ODD 7.2); Pacheco et al. 2009 (threshold public goods)")
    content: str = choice("direct", CONTENT, "how the programme's system content acts",
                          "direct: a system-first source (ODD 7.0); through_sight: only sight, efficacy, "
                          "risk appetite")
    listening: str = choice("perception", LISTENING, "what listening does",
                            "perception: Steiglechner et al. 2024; relationships: Kluger et al. 2024")
    listening_tie_gain: float = number(1.5, 0.0, 20.0, "relationships: tie growth per conversation is "
                                       "multiplied by 1 + gain x (the two leaders' mean listening - "
                                       "behaviour.listening_mean)",
                                       "assumed; direction from Kluger et al. 2024 (perceived listening and "
                                       "relationship quality r = .51); in the sensitivity analysis")

    @classmethod
    def from_dict(cls, values: dict[str, Any] | None = None, prefix: str = "mechanisms") -> "Mechanisms":
        return super().from_dict(values, prefix)

    def check_together(self, prefix: str = "mechanisms") -> None:
        for name, needs, values in (("confidence_bound", "influence", ("bounded_friedkin_johnsen",
                                                                      "bounded_confidence")),
                                    ("listening_tie_gain", "listening", ("relationships",))):
            default = Mechanisms.__dataclass_fields__[name].default
            if getattr(self, name) != default and getattr(self, needs) not in values:
                raise ConfigError(f"{prefix}.{name}={getattr(self, name)!r}: has no effect unless "
                                  f"{prefix}.{needs}={' or '.join(values)} (it is {getattr(self, needs)})")

    @property
    def label(self) -> str:
        """A short name of the rule set, e.g. 'friedkin_johnsen/stag_hunt/direct/perception'."""
        return "/".join(getattr(self, s) for s in SLOTS)

    @property
    def is_default(self) -> bool:
        return self == Mechanisms()


def mechanisms_of(value) -> Mechanisms:
    """Mechanisms from None (the defaults), a mapping or a Mechanisms."""
    if value is None:
        return Mechanisms()
    if isinstance(value, Mechanisms):
        return value
    return Mechanisms.from_dict(dict(value))
