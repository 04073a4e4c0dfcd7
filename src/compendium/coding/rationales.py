"""Codes that contradict their own rationale.

A coder who writes "a cultural showcase, not a copied Seoul policy" and then codes the item as a policy
transferred by *learning* has contradicted himself; so has a tie coded *investment* whose note says the
investors were only "interested", and an actor given an active role whose note says it is "named only as
the source" of a figure. Such rows pass every schema check, so :func:`conflicts` reads the rationale and
reconstruction text beside the substantive codes and names each clash. ``tests/test_rationales.py`` runs
it over the shipped data (which must have none) and over rows that reproduce the clashes once found.

The phrases are deliberately narrow: each says that the thing coded is *not* what the code claims it is.
"""

from __future__ import annotations

import re

# "not a (copied / diffused / Seoul) policy", "no ... policy is described", "not ... copied", "not transferred"
_NOT_A_POLICY = re.compile(
    r"\bnot an? (?:copied |diffused |seoul |transferred )*(?:seoul )?polic\w*"
    r"|\bno (?:\w+ ){0,4}(?:is|was|are|were) (?:described|reported|adopted|copied)"
    r"|\bnot (?:\w+ ){0,3}(?:copied|transferred|adopted)\b"
    r"|\brather than a (?:diffused |transferred )?polic\w*", re.IGNORECASE)
# an interest in investing, not an investment
_ONLY_INTEREST = re.compile(r"only (?:that they were )?interested|tertarik untuk berinvestasi|menjajaki peluang",
                            re.IGNORECASE)
# an actor that appears only as a source, a citation or an example
_ONLY_NAMED = re.compile(r"\b(?:named|cited|appears) (?:\w+ ){0,3}only as\b|\bonly as the (?:cited )?source\b",
                         re.IGNORECASE)
ACTIVE_ROLES = ("internal", "external", "go-between")


def conflicts(tables: dict) -> list[str]:
    """Every row whose rationale or reconstruction denies what its substantive code asserts, one line
    each: ``policy_outputs.csv little-seoul, column 'transfer': 'learning' although the rationale says
    'not a copied Seoul polic'``. Empty list: none found."""
    out: list[str] = []
    po = tables.get("policy_outputs")
    if po is not None:
        for r in po.itertuples(index=False):
            text = f"{r.rationale} {r.reconstruction}"
            m = _NOT_A_POLICY.search(text)
            if not m:
                continue
            for column in ("diffusion", "transfer"):
                value = getattr(r, column)
                if value != "unclear":
                    out.append(f"policy_outputs.csv {r.output_id}, column '{column}': '{value}' although the "
                               f"rationale says '{m.group(0)}'; expected 'unclear' or a rationale that fits the code")
    ties = tables.get("ties")
    if ties is not None:
        for r in ties.itertuples(index=False):
            m = _ONLY_INTEREST.search(r.reconstruction or "")
            if m and r.relation == "investment":
                out.append(f"ties.csv {r.tie_id}, column 'relation': 'investment' although the reconstruction says "
                           f"'{m.group(0)}'; expected 'investment-interest'")
    actors = tables.get("actors")
    if actors is not None:
        for r in actors.itertuples(index=False):
            m = _ONLY_NAMED.search(r.reconstruction or "")
            if m and r.role in ACTIVE_ROLES:
                out.append(f"actors.csv {r.actor_id}, column 'role': '{r.role}' although the reconstruction says "
                           f"'{m.group(0)}'; expected 'none' or 'unclear' for an actor that takes no part")
    return out
