"""The network beyond the two papers' size (issue 17, benchmarks/growth.py): exact betweenness up to
network.EXACT_MAX actors, networkx's seeded sample estimate beyond it; the collapsed graph built
directly from the tables; the claims ledger reusing a loaded coding."""

import networkx as nx
import pytest

from compendium import coding
from compendium.analysis import network
from compendium.analysis.claims import evaluate, load_tables


def _graph(n: int = 300, m: int = 520) -> nx.Graph:
    """A sparse network in several pieces (isolated actors too), with string ids as the coding has."""
    G = nx.gnm_random_graph(n, m, seed=7)
    G.add_nodes_from(range(n, n + 5))  # isolated actors
    return nx.relabel_nodes(G, {i: f"actor-{i:04d}" for i in G})


def test_sampled_betweenness_is_networkx_estimate():
    """igraph runs the searches; the sample and the scaling are networkx's, so the numbers are its own."""
    H = _graph()
    for k, seed in ((40, 0), (40, 3), (120, 0)):
        ours = network.sampled_betweenness(H, k=k, seed=seed)
        theirs = nx.betweenness_centrality(H, k=k, seed=seed, normalized=True)
        assert ours.keys() == theirs.keys()
        assert max(abs(ours[v] - theirs[v]) for v in H) < 1e-12


def test_betweenness_exact_up_to_the_threshold_sampled_beyond(monkeypatch):
    H = _graph()
    exact = nx.betweenness_centrality(H, normalized=True)
    monkeypatch.setattr(network, "EXACT_MAX", H.number_of_nodes())
    assert network.MEASURES["betweenness"](H) == exact  # at the threshold: exact, bit for bit
    monkeypatch.setattr(network, "EXACT_MAX", H.number_of_nodes() - 1)
    monkeypatch.setattr(network, "BETWEENNESS_SAMPLES", 50)
    first = network.MEASURES["betweenness"](H)
    assert first == network.MEASURES["betweenness"](H)  # seeded: the same on every run
    assert first != exact  # an estimate from 50 of 305 sources ...
    estimate = nx.betweenness_centrality(H, k=50, seed=network.BETWEENNESS_SEED, normalized=True)
    assert max(abs(first[v] - estimate[v]) for v in H) < 1e-12  # ... networkx's, with the module's seed


@pytest.fixture(scope="module")
def frames():
    return coding.load()


def test_the_papers_network_is_below_the_threshold(frames):
    """Every real-data output uses exact betweenness: the coded network is far below EXACT_MAX."""
    for include_context in (False, True):
        H = network.collapse(network.build_multigraph(frames["actors"], frames["ties"], include_context))
        assert H.number_of_nodes() <= network.EXACT_MAX
        assert network.MEASURES["betweenness"](H) == nx.betweenness_centrality(H, normalized=True)


def _dump(H: nx.Graph):
    return ([(n, list(a.items())) for n, a in H.nodes(data=True)],
            [(u, v, list(a.items())) for u, v, a in H.edges(data=True)])


@pytest.mark.parametrize("include_context", [False, True])
def test_collapsed_is_the_collapsed_multigraph(frames, include_context):
    """Same nodes, edges, attributes and insertion order (exports and layouts depend on the order)."""
    ties = frames["ties"][frames["ties"]["relation"] != "partnership"]  # a subset, as a tie reading is
    for t in (frames["ties"], ties):
        via_multigraph = network.collapse(network.build_multigraph(frames["actors"], t, include_context))
        assert _dump(network.collapsed(frames["actors"], t, include_context)) == _dump(via_multigraph)


def test_collapsed_refuses_ties_to_unknown_actors(frames):
    bad = frames["ties"].copy()
    bad.loc[bad.index[0], "target"] = "nobody"
    with pytest.raises(ValueError, match="nobody"):
        network.collapsed(frames["actors"], bad)


def test_claims_reuse_a_loaded_coding(frames):
    reused = load_tables(frames=frames)
    assert reused["actors"] is frames["actors"] and "second_coder" not in frames  # the input is not changed
    assert evaluate(tables=reused).equals(evaluate(tables=load_tables()))


# ------------------------------------------------------------------------------------------------
# The claim checks that used to look actors up one tie at a time: the same counts from column lookups

def _check(tables, function: str, extra_ties: list[tuple[str, str, str]]):
    """The evidence of the claim checked by ``function`` with ``(source, target, relation)`` ties added
    (coded from a passage that is not the claim's own)."""
    import pandas as pd

    from compendium.analysis.claims import Variant, apply_variant
    from compendium.analysis.claims.checks import FUNCTIONS

    extra = pd.DataFrame([{"tie_id": f"tie-9{i:02d}", "source": s, "target": t, "relation": r, "directed": True,
                           "date_start": "", "date_end": "", "segment_id": "a-ridwan-elected", "basis": "stated",
                           "reconstruction": "test", "shaped_by": []} for i, (s, t, r) in enumerate(extra_ties)])
    view = apply_variant({**tables, "ties": pd.concat([tables["ties"], extra], ignore_index=True)}, Variant())
    claim = next(c for c in tables["claims"].to_dict("records") if c["function"] == function)
    return FUNCTIONS[function](view, Variant(), claim).evidence


def _counts(evidence: str, *labels: str) -> list[int]:
    import re

    return [int(re.search(rf"{re.escape(label)}:? (\d+)", evidence).group(1)) for label in labels]


def test_paradiplomacy_counts_follow_both_ends_of_a_tie(frames):
    tables = load_tables(frames=frames)
    labels = ("Bandung acting abroad", "ID-KR subnational ties")
    before = _counts(_check(tables, "paradiplomacy_principles", []), *labels)
    cases = {  # tie added -> (acting abroad, ID-KR subnational) added
        ("bandung-city", "seoul-city", "partnership"): (1, 1),
        ("seoul-city", "bandung-city", "partnership"): (0, 1),  # Seoul acts, not Bandung
        ("bandung-city", "ksp", "consultation"): (1, 0),  # KSP is national
        ("bandung-city", "mercocities", "membership"): (0, 0),  # a background actor, not the case
    }
    for tie, (acts, pairs) in cases.items():
        after = _counts(_check(tables, "paradiplomacy_principles", [tie]), *labels)
        assert after == [before[0] + acts, before[1] + pairs], tie


def test_ksp_national_ties_follow_the_other_end_level(frames):
    tables = load_tables(frames=frames)
    label = ("KSP part of / appointed by national actors",)
    [before] = _counts(_check(tables, "ksp_seoul_side_independent", []), *label)
    [national] = _counts(_check(tables, "ksp_seoul_side_independent", [("korea-government", "ksp", "appointment")]),
                         *label)
    [subnational] = _counts(_check(tables, "ksp_seoul_side_independent", [("bandung-city", "ksp", "appointment")]),
                            *label)
    assert (national, subnational) == (before + 1, before)
