"""compendium.analysis.network on small hand-made networks whose answers are known."""

from __future__ import annotations

import math
import re

import networkx as nx
import pandas as pd
import pytest

from compendium.analysis import network as nw
from compendium.render import network_figures as nwfig


def actors_frame(rows):
    cols = ["actor_id", "name", "name_en", "aliases", "kind", "country", "level", "role", "role_basis",
            "scope", "segment_id", "reconstruction"]
    return pd.DataFrame([dict(zip(cols, r)) for r in rows], columns=cols)


def ties_frame(rows):
    cols = ["tie_id", "source", "target", "relation", "directed", "date_start", "date_end",
            "segment_id", "reconstruction"]
    return pd.DataFrame([dict(zip(cols, r)) for r in rows], columns=cols)


@pytest.fixture
def star():
    """A mayor in the middle of a star; one business, two consultants, one context actor."""
    actors = actors_frame([
        ("mayor", "Walikota", "Mayor", ["walikota"], "person", "ID", "subnational", "internal", "stated",
         "case", "a-x", ""),
        ("city", "Kota", "City", [], "city-government", "ID", "subnational", "internal", "stated",
         "case", "a-x", ""),
        ("biz", "Bisnis", "Business", [], "business", "KR", "non-state", "go-between", "inferred",
         "case", "a-x", "a guess"),
        ("con1", "Konsultan 1", "Consultant 1", [], "consultant", "ID", "non-state", "go-between",
         "stated", "case", "a-x", ""),
        ("con2", "Konsultan 2", "Consultant 2", [], "research-institute", "KR", "non-state",
         "go-between", "stated", "case", "a-x", ""),
        ("far", "Jauh", "Far away", [], "city-government", "other", "subnational", "none", "inferred",
         "context", "a-x", ""),
    ])
    ties = ties_frame([
        ("tie-001", "mayor", "city", "leadership", True, "2013", "", "a-x", ""),
        ("tie-002", "mayor", "biz", "invitation", True, "2017", "2018", "a-x", ""),
        ("tie-003", "mayor", "con1", "appointment", True, "", "", "a-x", ""),
        ("tie-004", "con2", "mayor", "advocacy", True, "2017-10", "", "a-x", ""),
        ("tie-005", "mayor", "biz", "partnership", False, "", "", "a-x", ""),
        ("tie-006", "far", "city", "partnership", False, "", "", "a-x", ""),
    ])
    return actors, ties


def test_multigraph_keeps_every_tie_and_attribute(star):
    actors, ties = star
    G = nw.build_multigraph(actors, ties)
    assert isinstance(G, nx.MultiDiGraph)
    assert list(G.nodes) == ["biz", "city", "con1", "con2", "mayor"]  # sorted, context dropped
    assert G.number_of_edges() == 5  # tie-006 touches a context actor
    assert G.nodes["mayor"]["aliases"] == ["walikota"]
    assert G.nodes["mayor"]["kind"] == "person" and G.nodes["biz"]["country"] == "KR"
    assert G.nodes["city"]["reconstruction"] is None
    e = G.edges["mayor", "biz", "tie-005"]
    assert e["relation"] == "partnership" and e["directed"] is False
    assert G.edges["con2", "mayor", "tie-004"]["date_start"] == "2017-10"
    assert G.edges["mayor", "city", "tie-001"]["date_end"] is None

    Gc = nw.build_multigraph(actors, ties, include_context=True)
    assert "far" in Gc and Gc.number_of_edges() == 6


def test_unknown_actor_in_ties_is_an_error(star):
    actors, ties = star
    bad = pd.concat([ties, ties_frame([("tie-099", "mayor", "ghost", "visit", True, "", "", "a-x", "")])])
    with pytest.raises(ValueError, match="ghost"):
        nw.build_multigraph(actors, bad)


def test_directed_as_text_is_read(star):
    actors, ties = star
    ties = ties.assign(directed=ties["directed"].map({True: "true", False: "false"}))
    G = nw.build_multigraph(actors, ties)
    assert G.edges["mayor", "biz", "tie-005"]["directed"] is False
    assert G.edges["mayor", "biz", "tie-002"]["directed"] is True


def test_collapse_counts_ties_as_weight(star):
    actors, ties = star
    H = nw.collapse(nw.build_multigraph(actors, ties))
    assert not H.is_directed() and not H.is_multigraph()
    assert H.number_of_edges() == 4
    assert H["biz"]["mayor"]["weight"] == 2
    assert H["biz"]["mayor"]["relations"] == "invitation;partnership"
    assert H["biz"]["mayor"]["tie_ids"] == "tie-002;tie-005"
    assert H["con2"]["mayor"]["weight"] == 1


def test_measures_on_a_star(star):
    actors, ties = star
    t = nw.centrality_table(nw.collapse(nw.build_multigraph(actors, ties)))
    assert t.loc["mayor", "degree"] == 4
    assert t.loc["mayor", "weighted_degree"] == 5
    assert t.loc["biz", "weighted_degree"] == 2
    # the centre of a 5-node star lies on all C(4,2)=6 leaf-leaf paths: normalised betweenness 1
    assert t.loc["mayor", "betweenness"] == pytest.approx(1.0)
    assert t.loc["con1", "betweenness"] == 0
    assert t["pagerank"].sum() == pytest.approx(1.0)
    assert t["pagerank"].idxmax() == "mayor" and t["eigenvector"].idxmax() == "mayor"
    # the heavier edge makes the business leaf more central than the consultant leaves
    assert t.loc["biz", "eigenvector"] > t.loc["con1", "eigenvector"]
    assert t.loc["con1", "pagerank"] == pytest.approx(t.loc["con2", "pagerank"])
    ranks = nw.rank_actors(t)
    assert (ranks.loc["mayor"] == 1).all()


def test_group_measures_by_country(star):
    actors, ties = star
    t = nw.centrality_table(nw.collapse(nw.build_multigraph(actors, ties)))
    g = nw.group_measures(t, "country", measures=["degree"], aggregations=["mean", "max"])
    assert g.loc["ID", ("n", "")] == 3 and g.loc["KR", ("n", "")] == 2
    assert g.loc["ID", ("degree", "max")] == 4
    assert g.loc["ID", ("degree", "mean")] == pytest.approx(2.0)
    assert g.loc["KR", ("degree", "mean")] == pytest.approx(1.0)


def test_group_members_mapping(star):
    actors, _ = star
    m = nw.group_members(actors, STAR_MAPPING)
    assert m == {"biz": "business", "con1": "consultant", "con2": "consultant", "mayor": "mayor"}
    with pytest.raises(ValueError, match="two groups|groups"):
        nw.group_members(actors, {"a": {"actors": ("biz",), "kinds": ()},
                                  "b": {"actors": (), "kinds": ("business",)}})
    with pytest.raises(ValueError, match="unknown"):
        nw.group_members(actors, {"a": {"actors": ("nobody",), "kinds": ()}})


STAR_MAPPING = {"mayor": {"actors": ("mayor",), "kinds": ()},
                "business": {"actors": (), "kinds": ("business",)},
                "consultant": {"actors": (), "kinds": ("consultant", "research-institute")}}


def test_ranking_robustness_reproduces_a_known_order(star):
    actors, ties = star
    H = nw.collapse(nw.build_multigraph(actors, ties))
    r = nw.ranking_robustness(H, actors, measures=["weighted_degree", "betweenness"],
                              aggregations=["max", "mean"], mapping=STAR_MAPPING)
    assert list(r["measure"]) == ["weighted_degree", "weighted_degree", "betweenness", "betweenness"]
    wd = r[(r.measure == "weighted_degree") & (r.aggregation == "max")].iloc[0]
    # mayor 5 > business 2 > consultants 1: exactly the paper's order
    assert (wd.score_mayor, wd.score_business, wd.score_consultant) == (5, 2, 1)
    assert (wd.rank_mayor, wd.rank_business, wd.rank_consultant) == (1, 2, 3)
    assert wd.tau == pytest.approx(1.0) and bool(wd.matches_paper)
    assert wd.order == "mayor > business > consultant"
    # betweenness: business and consultants are leaves (0), tied for second
    bt = r[(r.measure == "betweenness") & (r.aggregation == "max")].iloc[0]
    assert (bt.rank_mayor, bt.rank_business, bt.rank_consultant) == (1, 2, 2)
    assert bt.order == "mayor > business = consultant"
    assert not bool(bt.matches_paper)


def test_ranking_reversed_gives_tau_minus_one():
    actors = actors_frame([
        ("m", "M", "M", [], "person", "ID", "subnational", "internal", "stated", "case", "a-x", ""),
        ("b", "B", "B", [], "business", "KR", "non-state", "go-between", "stated", "case", "a-x", ""),
        ("c", "C", "C", [], "consultant", "ID", "non-state", "go-between", "stated", "case", "a-x", ""),
        ("x", "X", "X", [], "city-government", "ID", "subnational", "internal", "stated", "case",
         "a-x", ""),
    ])
    # c has 3 ties with x, b has 2, m has 1
    ties = ties_frame([(f"tie-00{i}", s, "x", "visit", True, "", "", "a-x", "")
                       for i, s in enumerate(["c", "c", "c", "b", "b", "m"], 1)])
    H = nw.collapse(nw.build_multigraph(actors, ties))
    mapping = {"mayor": {"actors": ("m",), "kinds": ()}} | {
        k: v for k, v in STAR_MAPPING.items() if k != "mayor"}
    r = nw.ranking_robustness(H, actors, measures=["weighted_degree"], aggregations=["max"],
                              mapping=mapping)
    assert r.loc[0, "order"] == "consultant > business > mayor"
    assert r.loc[0, "tau"] == pytest.approx(-1.0)
    assert nw.kendall_tau({"mayor": 1, "business": 3, "consultant": 2}) == pytest.approx(1 / 3)
    assert math.isnan(nw.kendall_tau({"mayor": 1, "business": 1, "consultant": 1}))


def test_kendall_tau_is_scipys_to_the_last_bit():
    """kendall_tau counts the pairs itself (scipy's per-call overhead, hundreds of calls per robustness
    run): on every ranking of two to four groups, ties and all, and every seventh of five groups, it
    gives scipy's tau-b exactly; pandas' min-rank the same for the group ranks."""
    import itertools

    from scipy.stats import kendalltau

    for n in range(2, 6):
        patterns = list(itertools.product(range(1, n + 1), repeat=n))
        for observed in patterns if n < 5 else patterns[::7]:
            ours = nw.kendall_tau(dict(zip("abcde", observed)))
            theirs = float(kendalltau(list(range(1, n + 1)), list(observed)).statistic)
            assert ours == theirs or (math.isnan(ours) and math.isnan(theirs)), observed
    scores = {"a": 0.1 + 0.2, "b": 0.3, "c": float("nan"), "d": 1 / 3, "e": 0.1}
    expected = pd.Series(scores, dtype=float).round(12).rank(ascending=False, method="min").to_dict()
    ranks = nw._rank_scores(scores)
    assert math.isnan(ranks.pop("c")) and math.isnan(expected.pop("c"))
    assert ranks == expected == {"a": 2.0, "b": 2.0, "d": 1.0, "e": 4.0}


def test_max_and_mean_aggregation_differ():
    t = pd.DataFrame({"degree": [4.0, 1.0, 1.0, 3.0]}, index=["c1", "c2", "c3", "m"])
    members = {"c1": "consultant", "c2": "consultant", "c3": "consultant", "m": "mayor"}
    assert nw.group_scores(t, members, "degree", "max", ["mayor", "consultant"]) == {
        "mayor": 3.0, "consultant": 4.0}
    assert nw.group_scores(t, members, "degree", "mean", ["mayor", "consultant"]) == {
        "mayor": 3.0, "consultant": 2.0}
    assert nw.group_scores(t, members, "degree", "sum", ["mayor", "consultant"])["consultant"] == 6.0


def test_robustness_variants_drop_and_summary(star):
    actors, ties = star
    variants = {"base": {}, "no-biz": {"drop": ("biz",)}}
    r = nw.robustness_variants(actors, ties, variants, measures=["degree"], aggregations=["max"],
                               mapping=STAR_MAPPING, tie_readings=[("all", "stated+inferred")])
    assert list(r["variant"]) == ["base", "no-biz"]
    assert r.loc[1, "score_business"] != r.loc[1, "score_business"]  # NaN: no business left
    s = nw.robustness_summary(r)
    assert list(s.columns[:6]) == ["variant", "ties", "basis", "aggregation", "measures", "match_paper"]
    assert s.loc[0, "first_mayor"] == 1


def test_tie_readings_count_interactions_and_drop_inferred(star):
    """Involvement counts interaction ties: the mayor's appointment of con1 (authority) and his leadership
    of the city (authority) and partnership (commitment) drop; the stated reading drops inferred ties."""
    actors, ties = star
    ties = ties.assign(basis=["stated", "stated", "stated", "inferred", "stated", "stated"])
    inter = nw.select_ties(ties, "interaction")
    assert list(inter["tie_id"]) == ["tie-002", "tie-004"]
    assert list(nw.select_ties(ties, "interaction", "stated")["tie_id"]) == ["tie-002"]
    assert list(nw.select_ties(ties, "no-affiliation")["tie_id"]) == ["tie-002", "tie-004", "tie-005", "tie-006"]
    assert len(nw.select_ties(ties, "all")) == 6
    r = nw.robustness_variants(actors, ties, {"base": {}}, measures=["degree"], aggregations=["max"],
                               mapping=STAR_MAPPING).set_index(["ties", "basis"])
    assert list(r.index) == list(nw.TIE_READINGS)
    assert r.loc[("interaction", "stated+inferred"), "score_consultant"] == 1   # con2's advocacy only
    assert r.loc[("interaction", "stated"), "score_consultant"] == 0            # that tie was inferred
    assert r.loc[("all", "stated+inferred"), "score_consultant"] == 1
    with pytest.raises(ValueError, match="tie reading"):
        nw.select_ties(ties, "friends")


def test_every_codebook_relation_has_a_class():
    import json

    from compendium.paths import data_dir

    package = json.loads((data_dir() / "datapackage.json").read_text(encoding="utf-8"))
    ties = next(r for r in package["resources"] if r["name"] == "ties")
    field = next(f for f in ties["schema"]["fields"] if f["name"] == "relation")
    classes = nw.relation_classes()
    assert set(classes) == set(field["constraints"]["enum"])
    assert set(classes.values()) == {c["value"] for c in field["x-classes"]}
    assert classes["part-of"] == classes["membership"] == "affiliation"
    assert {classes[r] for r in ("advocacy", "consultation", "visit", "exchange")} == {"interaction"}


def test_ego_and_years(star):
    actors, ties = star
    G = nw.build_multigraph(actors, ties)
    E = nw.ego_network(G, "biz")
    assert sorted(E.nodes) == ["biz", "mayor"] and E.number_of_edges() == 2
    s = nw.ego_summary(G, "mayor")
    assert list(s["tie_id"]) == ["tie-002", "tie-005", "tie-001", "tie-003", "tie-004"]
    assert dict(zip(s.tie_id, s.direction))["tie-004"] == "in"
    assert dict(zip(s.tie_id, s.direction))["tie-005"] == "both"
    assert nw.tie_years("2017", "2019") == (2017, 2018, 2019)
    assert nw.tie_years("2017-10", "") == (2017,)
    assert nw.tie_years(None, None) == ()
    by = nw.network_by_year(G, range(2013, 2019)).set_index("year")
    assert by.loc[2013, "ties"] == 1 and by.loc[2014, "ties"] == 0
    assert by.loc[2017, "tie_ids"] == "tie-002;tie-004" and by.loc[2018, "ties"] == 1
    assert (by["undated"] == 2).all()
    assert sorted(nw.year_subgraph(G, 2017).nodes) == ["biz", "con2", "mayor"]


def test_layout_is_deterministic(star):
    actors, ties = star
    H = nw.collapse(nw.build_multigraph(actors, ties))
    assert nwfig.layered_layout(H) == nwfig.layered_layout(H)
    pos = nwfig.layered_layout(H, nudges={})
    assert pos["biz"][0] > pos["mayor"][0]  # Korean non-state right of Indonesian subnational
    assert len({p for p in pos.values()}) == len(pos)  # no two actors on one spot


def test_export_round_trip(star, tmp_path, monkeypatch):
    monkeypatch.delenv("COMPENDIUM_STAGE_DIR", raising=False)
    monkeypatch.delenv("COMPENDIUM_ARTEFACT_LOG", raising=False)
    actors, ties = star
    G = nw.build_multigraph(actors, ties)
    extra = pd.DataFrame({"degree": [4.0], "paper_a_group": ["mayor"]}, index=["mayor"])
    paths = nw.export_network(G, tmp_path, node_extra=extra)
    assert sorted(p.name for p in paths) == sorted(
        ["network.graphml", "network.gexf", "network-collapsed.graphml", "nodes.csv", "edges.csv",
         "edges-collapsed.csv"])

    for reader, name in ((nx.read_graphml, "network.graphml"), (nx.read_gexf, "network.gexf")):
        R = reader(tmp_path / name)
        assert R.is_directed() and R.is_multigraph(), name
        assert sorted(R.nodes) == sorted(G.nodes), name
        assert R.number_of_edges() == G.number_of_edges(), name
        assert R.nodes["mayor"]["aliases"] == "walikota", name
        assert R.nodes["mayor"]["kind"] == "person" and R.nodes["con2"]["country"] == "KR", name
        assert R.nodes["city"]["reconstruction"] == "", name
        assert R.nodes["biz"]["reconstruction"] == "a guess", name
        assert float(R.nodes["mayor"]["degree"]) == 4.0 and R.nodes["biz"]["degree"] == "", name
        edges = {d["tie_id"]: (u, v, d) for u, v, d in R.edges(data=True)}
        assert sorted(edges) == [f"tie-00{i}" for i in range(1, 6)], name
        u, v, d = edges["tie-005"]
        assert (u, v) == ("mayor", "biz") and d["relation"] == "partnership", name
        assert d["directed"] in (False, "false"), name
        assert edges["tie-004"][2]["date_start"] == "2017-10", name

    C = nx.read_graphml(tmp_path / "network-collapsed.graphml")
    assert not C.is_directed() and C.number_of_edges() == 4
    assert int(C["biz"]["mayor"]["weight"]) == 2

    nodes = pd.read_csv(tmp_path / "nodes.csv", keep_default_na=False)
    assert list(nodes["actor_id"]) == sorted(G.nodes)
    edges = pd.read_csv(tmp_path / "edges.csv", keep_default_na=False)
    assert list(edges["tie_id"]) == [f"tie-00{i}" for i in range(1, 6)]
    assert list(edges.columns[:3]) == ["tie_id", "source", "target"]


def test_exports_are_byte_identical_twice(star):
    actors, ties = star
    E = nw.export_graph(nw.build_multigraph(actors, ties))
    assert nw.graphml_bytes(E) == nw.graphml_bytes(nw.export_graph(nw.build_multigraph(actors, ties)))
    assert nw.gexf_bytes(E) == nw.gexf_bytes(nw.export_graph(nw.build_multigraph(actors, ties)))


def test_the_dated_ties_chart_draws_each_dated_tie_once_coloured_by_how_its_date_is_known(star):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    actors, ties = star
    G = nw.build_multigraph(actors, ties)
    quotes = {"a-x": "ditunjuk pada tahun 2013"}  # only tie-001's year is printed in its quote
    fig = nwfig.draw_dated_ties(G, quotes, window=(2013, 2019))
    ax = fig.axes[0]
    bars = [p for p in ax.patches if p.get_width() > 0]
    labels = [t.get_text() for t in ax.texts]
    dated = sorted(k for u, v, k, d in G.edges(keys=True, data=True) if d["date_start"])
    assert len(bars) == len(dated) == 3
    assert sorted(re.search(r"\((tie-\d+)\)$", t).group(1) for t in labels) == dated
    colours = {label.split(" (")[-1].rstrip(")"): bar.get_facecolor() for label, bar in zip(labels, bars)}
    quote_blue = matplotlib.colors.to_rgba(nwfig.DATE_BASIS["quote"][1])
    assert [k for k, c in colours.items() if c == quote_blue] == ["tie-001"]
    assert "3 dated ties of the" in ax.get_title(loc="left")
    plt.close(fig)


def test_a_tie_dated_from_outside_its_quote_says_where_the_date_comes_from(root):
    """A date the tie's own sentence does not print is the coder's reading: its rationale must say so
    (a study window such as 2016-2019 is no date of a tie)."""
    from compendium import coding

    data = coding.load(root / "data")
    quotes = data["segments"].set_index("segment_id")["quote"]
    silent = [t.tie_id for t in data["ties"].itertuples() if t.date_start
              and nwfig.date_basis(t._asdict(), quotes.to_dict()) == "context" and not t.reconstruction]
    assert silent == []


def test_betweenness_is_exact_up_to_the_limit_then_a_seeded_estimate(monkeypatch):
    """Beyond EXACT_MAX actors betweenness is estimated from a seeded sample of sources: the same
    numbers on every run, close to the exact ones; at or below the limit it is exact. Eigenvector
    centrality beyond the limit (sparse matrix) agrees with networkx's power iteration to rounding."""
    H = nx.connected_watts_strogatz_graph(300, 4, 0.2, seed=3)
    H.add_node("isolated")  # a coding may have actors without ties
    exact = nx.betweenness_centrality(H, normalized=True)
    assert nw.MEASURES["betweenness"](H) == exact  # 300 actors: under the limit
    eigen = nw.MEASURES["eigenvector"](H)
    monkeypatch.setattr(nw, "EXACT_MAX", 100)
    monkeypatch.setattr(nw, "BETWEENNESS_SAMPLES", 150)
    first, second = nw.MEASURES["betweenness"](H), nw.MEASURES["betweenness"](H)
    assert first == second != exact
    top = sorted(exact, key=exact.get, reverse=True)[:10]
    assert max(abs(first[n] - exact[n]) for n in H) < 0.5 * exact[top[0]]
    assert len(set(sorted(first, key=first.get, reverse=True)[:10]) & set(top)) >= 6
    assert nw.MEASURES["eigenvector"](H) == pytest.approx(eigen, abs=1e-9)
