"""The notebooks' prose agrees with the data.

nbval compares code outputs, not Markdown, so a sentence such as "the mayor has three ties" could go
stale when the coding changes. Each check below names the Markdown cell and the exact words it
vouches for, and recomputes the number from the data: a change to the data that falsifies a sentence
fails here, and so does a rewording (the check must then be rewritten with the sentence).
"""

from __future__ import annotations

import json
import re

import pytest

from compendium import coding
from compendium.analysis import claims
from compendium.analysis import network as nw
from compendium.paths import project_root

NOTEBOOKS = project_root() / "notebooks"


@pytest.fixture(scope="module")
def data() -> dict:
    return coding.load(project_root() / "data")



def _interaction_graph(d):
    return nw.collapse(nw.build_multigraph(d["actors"], nw.select_ties(d["ties"])))


_VARIANTS = {}


def _default_reading(d):
    v = _variants(d)
    return v[(v["variant"] == "case (default)") & (v["ties"] == "interaction") & (v["basis"] == "stated+inferred")]


def _variants(d):
    if "v" not in _VARIANTS:
        ranking = nw.ranking(d)
        _VARIANTS["v"] = nw.robustness_variants(d["actors"], d["ties"], nw.ranking_variants(ranking),
                                                mapping=ranking.mapping)
    return _VARIANTS["v"]


def _stages(d, sequence):
    stages = d["stages"]
    return stages[stages["sequence"] == sequence]


def _dated(rows) -> int:
    return int((rows["date_start"].fillna("") != "").sum())


# (notebook, Markdown cell id, the words the cell prints, what they say, computed from the data)
CHECKS = [
    ("02_actor_network", "02-10", "The mayor, Ridwan Kamil, has two interaction ties",
     2, lambda d: _interaction_graph(d).degree("ridwan-kamil")),
    ("02_actor_network", "02-10", "both inferred readings",
     {"inferred"}, lambda d: set(nw.select_ties(d["ties"]).query(
         "source == 'ridwan-kamil' or target == 'ridwan-kamil'")["basis"])),
    ("02_actor_network", "02-22", "the mayor, with two ties, is level with the strongest consultant, LAPI ITB",
     (2, 2), lambda d: (_interaction_graph(d).degree("ridwan-kamil"), _interaction_graph(d).degree("lapi-itb"))),
    ("02_actor_network", "02-22", "comes last in 7 of the 10 measure–aggregation pairs",
     7, lambda d: int(_default_reading(d).apply(
         lambda r: r.score_business < min(r.score_mayor, r.score_consultant), axis=1).sum())),
    ("02_actor_network", "02-22", "of the 480 combinations (8 codings × 6 tie readings × 5 measures × 2 aggregations)",
     (480, 8, 6), lambda d: (len(_variants(d)), len(nw.ranking_variants(nw.ranking(d))), len(nw.TIE_READINGS))),
    ("02_actor_network", "02-22", "4 reproduce mayor > business > consultant (all counting agreements and money",
     (4, {"no-affiliation"}), lambda d: (int(_variants(d)["matches_paper"].sum()),
                                         set(_variants(d).query("matches_paper")["ties"]))),
    ("02_actor_network", "02-22", "the mayor comes first in 169 and the consultants in 345",
     (169, 345), lambda d: (int((_variants(d)["rank_mayor"] == 1).sum()),
                            int((_variants(d)["rank_consultant"] == 1).sum()))),
    ("03_policy_outputs", "03-00", "the 15 Tabel 2 items",
     15, lambda d: int(d["policy_outputs"]["tabel2_no"].notna().sum())),
    ("03_policy_outputs", "03-09", "Only one output carries a diffusion code at all",
     {"cikapundung": "combination"},
     lambda d: {r.output_id: r.diffusion for r in d["policy_outputs"].itertuples() if r.diffusion != "unclear"}),
    ("03_policy_outputs", "03-17", "Only two outputs name the Seoul policy they follow",
     2, lambda d: int((d["policy_outputs"]["seoul_model"].fillna("") != "").sum())),
    ("03_policy_outputs", "03-17", "For the other twenty",
     20, lambda d: int((d["policy_outputs"]["seoul_model"].fillna("") == "").sum())),
    ("04_paper_A", "04-05", "The coder reconstructed five stages",
     5, lambda d: len(_stages(d, "sci-stages"))),
    ("05_paper_B", "05-05", "the three KSP phases",
     3, lambda d: len(_stages(d, "ksp-phases"))),
    ("05_paper_B", "05-05", "the four phases of the 2017/18 bus-system consultation",
     4, lambda d: len(_stages(d, "bus-consultation"))),
    ("05_paper_B", "05-05", "two dated",
     2, lambda d: _dated(_stages(d, "bus-consultation"))),
    ("05_paper_B", "05-05", "the six generic KSP steps",
     6, lambda d: len(_stages(d, "ksp-six-steps"))),
    ("06_claims", "06-10", "All 20 variants (2 coders × 2 readings of `unclear` × 5 centrality measures)",
     (20, 2, 2, 5), lambda d: (len(claims.variants()), len(claims.CODERS), len(claims.UNCLEAR),
                               len(claims.MEASURES))),
]


def _markdown(notebook: str, cell_id: str) -> str:
    nb = json.loads((NOTEBOOKS / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell.get("id") == cell_id:
            assert cell["cell_type"] == "markdown", f"{notebook} cell {cell_id} is not Markdown"
            return re.sub(r"\s+", " ", "".join(cell["source"]))
    raise AssertionError(f"notebooks/{notebook}.ipynb has no cell {cell_id}")


@pytest.mark.parametrize("notebook, cell_id, words, says, computed", CHECKS,
                         ids=[f"{c[1]}:{c[2][:40]}" for c in CHECKS])
def test_the_prose_says_what_the_data_say(data, notebook, cell_id, words, says, computed):
    assert words in _markdown(notebook, cell_id), (
        f"notebooks/{notebook}.ipynb cell {cell_id} no longer says {words!r}: update this check with it")
    assert computed(data) == says, (
        f"notebooks/{notebook}.ipynb cell {cell_id} says {words!r}, but the data now give {computed(data)!r}")
