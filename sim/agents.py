"""The Mesa agent: each leader's user-facing view of the model's state arrays.

The weekly rules act on numpy arrays (see `sim.model`), so a leader's attributes
are read from, and written to, the arrays at the leader's `index`.
"""

from __future__ import annotations

import mesa

from sim.scenario import ROLES


def _array_property(name: str, doc: str):
    def getter(self):
        return float(getattr(self.model.leaders, name)[self.index])

    def setter(self, value):
        getattr(self.model.leaders, name)[self.index] = value

    return property(getter, setter, doc=doc)


class Leader(mesa.Agent):
    """A senior leader (chief executive, executive or director) of one organisation."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = int(index)

    orientation = _array_property("s", "System orientation s in [0, 1] (1 = system-first).")
    susceptibility = _array_property("susceptibility", "1 - stubbornness towards the organisation anchor.")
    listening = _array_property("listening", "Accuracy of perceiving others' actions, in [0, 1].")
    trust_propensity = _array_property("propensity", "Trust extended to strangers.")
    risk_appetite = _array_property("risk_appetite", "Discount on the statutory cost of system-first action.")
    efficacy = _array_property("efficacy", "Belief one can influence the system.")
    system_sight = _array_property("sight", "Share of other organisations seen through the network.")

    @property
    def organisation(self) -> str:
        return self.model.organisations.names[self.model.leaders.org[self.index]]

    @property
    def role(self) -> str:
        return ROLES[self.model.leaders.role[self.index]]

    @property
    def participant(self) -> bool:
        return bool(self.model.leaders.participant[self.index])

    def __repr__(self) -> str:
        return f"Leader({self.index}, {self.organisation}, {self.role}, s={self.orientation:.2f})"
