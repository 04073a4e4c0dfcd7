"""The vocabulary of the claims ledger: verdicts, coding variants and a claim's result."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

SUPPORTED = "supported"
CONTRADICTED = "contradicted"
PARTLY = "partly supported"
NOT_TESTABLE = "not testable from the text"
VERDICTS = (SUPPORTED, PARTLY, CONTRADICTED, NOT_TESTABLE)
"""The four verdicts, in the order tables and figures show them."""

MIN_CODED = 3
"""Fewest coded items on which a count-based claim can be ``supported`` (below: ``partly supported``)."""

CODERS = ("reference", "coder-2")
UNCLEAR = ("drop", "against")
MEASURES = ("degree", "weighted_degree", "betweenness", "eigenvector", "pagerank")
"""The centrality measures of :data:`compendium.analysis.network.MEASURES` (kept in step by a test)."""

DECISIONS = ("coder", "unclear", "measure")
"""The coding decisions a :class:`Variant` fixes."""

# the second coder's table (a resource of data/datapackage.json) -> (the table it recodes, its id column)
SECOND_CODER_TABLES = {"second_coder_policy_outputs": ("policy_outputs", "output_id"),
                       "second_coder_actor_roles": ("actors", "actor_id")}
LEDGER_COLUMNS = ["claim_id", "paper", "page", "verdict", "evidence", "explanation", "claim_en",
                  "evidence_segments", "by_tie_reading"]


# --------------------------------------------------------------------------------------------------
# Variants and results

@dataclass(frozen=True)
class Variant:
    """One set of coding decisions (see the module docstring)."""

    coder: str = "reference"
    unclear: str = "drop"
    measure: str = "degree"

    def __post_init__(self):
        for name, allowed in (("coder", CODERS), ("unclear", UNCLEAR), ("measure", MEASURES)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"variant {name}={getattr(self, name)!r}; expected one of {allowed}")

    @property
    def label(self) -> str:
        return f"{self.coder}/{self.unclear}/{self.measure}"

    @classmethod
    def of(cls, spec=None) -> "Variant":
        if spec is None:
            return cls()
        if isinstance(spec, Variant):
            return spec
        return cls(**dict(spec))


REFERENCE = Variant()


def variants() -> list[Variant]:
    """Every combination of coder x unclear x measure (reference first)."""
    return [Variant(c, u, m) for c, u, m in itertools.product(CODERS, UNCLEAR, MEASURES)]


@dataclass
class Result:
    verdict: str
    evidence: str
    explanation: str
    segments: list[str] = field(default_factory=list)

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict {self.verdict!r} is not one of {VERDICTS}")
