"""The Mesa agent: each leader's user-facing view of the model's state arrays.

The weekly processes act on arrays (`sim.population.Population`,
`sim.network.TieTable`), so a leader's traits are read from, and written to,
those arrays at the leader's slot (`index`), under the same names. An agent is
a person: it keeps the leader's id (`leader_id`), and once that leader has left
(`sim.turnover`) it no longer reads anyone's slot. Besides its traits, a leader
answers `contacts()` (other Leader agents), `trust_in(other)` and
`organisation`, so the network and trust can be inspected from agents, as in
Mesa's network examples.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.scenario import ROLES


def _array_property(name: str, doc: str):
    def getter(self):
        return float(getattr(self.model.state.leaders, name)[self.index])

    def setter(self, value):
        getattr(self.model.state.leaders, name)[self.index] = value

    return property(getter, setter, doc=doc)


class Leader(mesa.Agent):
    """A senior leader (chief executive, executive or director) of one organisation."""

    def __init__(self, model, leader_id: int):
        super().__init__(model)
        self.leader_id = int(leader_id)
        """The leader's persistent id (`sim.population`)."""
        self._slot = int(model.state.leaders.slots_of(np.array([leader_id]))[0])

    @property
    def index(self) -> int:
        """The leader's slot in the state arrays (an error once the leader has left)."""
        population = self.model.state.leaders
        if population.ids[self._slot] != self.leader_id:
            raise LookupError(f"leader {self.leader_id} has left the partnership")
        return self._slot

    @property
    def present(self) -> bool:
        """Whether the leader is still in the partnership."""
        return bool(self.model.state.leaders.ids[self._slot] == self.leader_id)

    orientation = _array_property("orientation", "System orientation in [0, 1] (1 = system-first).")
    susceptibility = _array_property("susceptibility", "1 - stubbornness towards the organisation's anchor.")
    listening = _array_property("listening", "Accuracy of perceiving others' actions, in [0, 1].")
    trust_propensity = _array_property("trust_propensity", "Trust extended to strangers.")
    risk_appetite = _array_property("risk_appetite", "Discount on the statutory cost of system-first action.")
    efficacy = _array_property("efficacy", "Belief one can influence the system.")
    system_sight = _array_property("system_sight", "Share of other organisations seen through the network.")
    engagement = _array_property("engagement", "Engagement in a programme (0 for non-participants).")

    @property
    def organisation(self) -> str:
        return self.model.state.organisations.names[self.model.state.leaders.org[self.index]]

    @property
    def role(self) -> str:
        return ROLES[self.model.state.leaders.role[self.index]]

    @property
    def participant(self) -> bool:
        return bool(self.model.state.leaders.participant[self.index])

    def contacts(self, strong: bool = False) -> list["Leader"]:
        """The leaders this one has a tie with (only strong ties if `strong`), by index."""
        ties = self.model.state.ties
        others, rows = ties.neighbours_of(self.index)
        if strong:
            others = others[ties.w[rows] >= self.model.params.strong_tie]
        agents = self.model.leader_agents
        return [agents[i] for i in np.sort(others)]

    def tie_strength(self, other: "Leader") -> float:
        """Strength of the tie with `other` (0 without a tie)."""
        row, _ = self.model.state.ties.find(np.array([self.index]), np.array([other.index]))
        return float(self.model.state.ties.w[row[0]]) if row[0] >= 0 else 0.0

    def trust_in(self, other: "Leader") -> float:
        """This leader's interpersonal trust in `other`: the beta-reputation mean of what it
        has seen of `other` (its trust propensity when it has seen nothing, or has no tie)."""
        ties = self.model.state.ties
        row, col = ties.find(np.array([self.index]), np.array([other.index]))
        if row[0] < 0:
            return float(self.model.state.leaders.trust_propensity[self.index])
        return float(ties.trust[row[0], col[0]])

    def __repr__(self) -> str:
        if not self.present:
            return f"Leader({self.leader_id}, left)"
        return f"Leader({self.leader_id}, {self.organisation}, {self.role}, orientation={self.orientation:.2f})"
