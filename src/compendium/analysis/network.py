"""The actor network of the Bandung–Seoul cooperation: graphs, measures, paper A's ranking, exports.

Its figures (layout and drawing) are in :mod:`compendium.render.network_figures`.

Everything here is a pure function of the coded tables (``actors`` and ``ties`` as returned by
:func:`compendium.coding.load`) -- nothing reads files except where a function says so, and nothing is
random. Node and edge order is always sorted (actors by ``actor_id``, ties by ``tie_id``), so measures,
tables, figures and exported files are the same on every run.

Two graphs
----------
* :func:`build_multigraph` -- a :class:`networkx.MultiDiGraph` with one edge per row of ``ties.csv``
  (edge key = ``tie_id``), every node carrying its actor attributes and every edge its tie attributes.
  A symmetric tie (``directed == False``: partnership, coordination, agreement, exchange) is stored once,
  from ``source`` to ``target`` as coded, with ``directed=False`` on the edge.
* :func:`collapse` -- the undirected, weighted simple :class:`networkx.Graph` on which the measures are
  computed: one edge per pair of actors that share at least one tie, ``weight`` = number of ties.

By default only the actors of the case (``scope == "case"``) are nodes; ``include_context=True`` adds the
background actors (Quebec, Surabaya–Xiamen, …). A tie is kept only when both its ends are nodes.

A paper's ranking of actors
---------------------------
A paper may rank groups of actors (paper A, p. 573: "aktor yang paling signifikan terlibat adalah
politisi terpilih yakni walikota sedang menjabat. Aktor signifikan kedua adalah pebisnis diikuti oleh
konsultan"). Which coded actors stand for each group is a judgement, coded with its quotes in
``data/ranking_groups.csv`` and read by :func:`ranking`; nothing here names a paper or a group.
:func:`ranking_robustness` ranks the groups under several centrality measures and aggregations and
compares each ranking with the paper's (Kendall's tau); :func:`robustness_variants` repeats that over
alternative codings (:func:`ranking_variants`: scope, the alternative readings of the groups, KSP dropped).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pandas as pd

from compendium.coding import as_list

# --------------------------------------------------------------------------------------------------
# Vocabulary (docs/coding-scheme.md)

NODE_ATTRIBUTES = ("name", "name_en", "aliases", "kind", "country", "level", "role", "role_basis",
                   "scope", "segment_id", "reconstruction")
EDGE_ATTRIBUTES = ("relation", "directed", "date_start", "date_end", "segment_id", "basis", "reconstruction")

# --------------------------------------------------------------------------------------------------
# Tie classes and tie readings

TIE_CLASSES: dict[str, tuple[str, ...] | None] = {
    "interaction": ("interaction",),
    "no-affiliation": ("interaction", "commitment", "economic"),
    "all": None,
}
"""Which relation classes (``x-classes`` of ``ties.relation`` in ``data/datapackage.json``) a network keeps.

Paper A ranks actors by how significantly they are *involved* ("terlibat") in the cooperation; an
affiliation (LAPI ITB as ITB's business unit, Prof. Suhono as LAPI staff) or a mandate (a ministry
appointing KSP) says who belongs where, not who took part. Measures that stand for involvement
therefore count ``interaction`` ties by default; ``no-affiliation`` adds agreements, partnerships and
money, ``all`` every coded tie (the robustness variants)."""

TIE_BASES: dict[str, tuple[str, ...]] = {"stated+inferred": ("stated", "inferred"), "stated": ("stated",)}
"""Which ties by ``basis``: all coded ties, or only those whose quote names both actors and the relation."""

DEFAULT_TIE_READING = ("interaction", "stated+inferred")
TIE_READINGS: tuple[tuple[str, str], ...] = tuple((c, b) for c in TIE_CLASSES for b in TIE_BASES)
"""Every (tie classes, basis) reading, the default first: the defensible readings of "involvement"."""


def relation_classes(data_dir: Path | str | None = None) -> dict[str, str]:
    """``{relation: class}`` from the codebook (``data/datapackage.json``, field ``ties.relation``)."""
    import json

    from compendium.paths import data_dir as default_data_dir

    package = json.loads((Path(data_dir or default_data_dir()) / "datapackage.json").read_text(encoding="utf-8"))
    ties = next(r for r in package["resources"] if r["name"] == "ties")
    field = next(f for f in ties["schema"]["fields"] if f["name"] == "relation")
    return {c["value"]: c["class"] for c in field["x-categories"]}


def select_ties(ties: pd.DataFrame, classes: str = DEFAULT_TIE_READING[0],
                basis: str = DEFAULT_TIE_READING[1], relation_class: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The ties of one reading: relation classes (a key of :data:`TIE_CLASSES`) and basis (a key of
    :data:`TIE_BASES`). Raises ``ValueError`` for an unknown reading or a relation without a class."""
    if classes not in TIE_CLASSES or basis not in TIE_BASES:
        raise ValueError(f"tie reading ({classes!r}, {basis!r}); expected classes in {list(TIE_CLASSES)} "
                         f"and basis in {list(TIE_BASES)}")
    keep = ties["basis"].isin(TIE_BASES[basis]) if "basis" in ties.columns else pd.Series(True, index=ties.index)
    wanted = TIE_CLASSES[classes]
    if wanted is not None:
        relation_class = relation_class or relation_classes()
        unknown = sorted(set(ties["relation"]) - set(relation_class))
        if unknown:
            raise ValueError(f"relation(s) {unknown} have no class in datapackage.json (ties.relation x-classes)")
        keep &= ties["relation"].map(relation_class).isin(wanted)
    return ties[keep]

# --------------------------------------------------------------------------------------------------
# A paper's ranking of actor groups (data/ranking_groups.csv)

GroupMapping = dict[str, dict[str, tuple[str, ...]]]
"""Which coded actors stand for each group: ``{group: {"actors": actor ids, "kinds": actor kinds}}``, the
groups in the paper's order (most significant first). An actor belongs to a group when its id is listed
or its kind is; an actor must not fall into two groups."""


@dataclass(frozen=True)
class Ranking:
    """A paper's printed ranking of actor groups, as coded in ``data/ranking_groups.csv``.

    ``order``: the groups, most significant first; ``words``: the paper's word for each group
    (Indonesian, as printed); ``mapping``: the default reading of the groups (a :data:`GroupMapping`, the
    one the claim is checked on); ``readings``: the alternative readings by name, each the default with
    one group changed (robustness variants); ``segments``: the quote behind each reading's group.
    """

    claim_id: str
    order: tuple[str, ...]
    words: dict[str, str]
    mapping: GroupMapping
    readings: dict[str, GroupMapping]
    segments: dict[tuple[str, str], str]


def ranking(data, claim_id: str | None = None) -> Ranking:
    """The ranking of ``claim_id`` from the loaded ``ranking_groups`` table (or the dict of tables
    :func:`compendium.coding.load` returns). Without ``claim_id`` the table must hold one claim's
    ranking. Raises ``LookupError`` when there is none (or more than one to choose from)."""
    table = data["ranking_groups"] if isinstance(data, Mapping) else data
    claims = list(dict.fromkeys(table["claim_id"]))
    if claim_id is None:
        if len(claims) != 1:
            raise LookupError(f"ranking_groups.csv holds the rankings of {claims or 'no claim'}; name the claim")
        claim_id = claims[0]
    rows = table[table["claim_id"] == claim_id]
    base = rows[rows["reading"] == "default"].sort_values("rank", kind="stable")
    if base.empty:
        raise LookupError(f"ranking_groups.csv has no default reading of claim {claim_id!r}")

    def rule(row) -> dict[str, tuple[str, ...]]:
        return {"actors": tuple(as_list(row["actors"])), "kinds": tuple(as_list(row["kinds"]))}

    mapping = {r["group"]: rule(r) for _, r in base.iterrows()}
    readings: dict[str, GroupMapping] = {}
    for _, r in rows[rows["reading"] != "default"].iterrows():
        readings.setdefault(r["reading"], dict(mapping))[r["group"]] = rule(r)
    return Ranking(claim_id=claim_id, order=tuple(mapping), words=dict(zip(base["group"], base["label"])),
                   mapping=mapping, readings=readings,
                   segments={(r["reading"], r["group"]): r["segment_id"] for _, r in rows.iterrows()})


def group_members(actors: pd.DataFrame, mapping: Mapping,
                  nodes: Iterable[str] | None = None) -> dict[str, str]:
    """``{actor_id: group}`` for the actors that fall into one of ``mapping``'s groups.

    ``nodes`` restricts the result to those actor ids (e.g. the nodes of a graph). Raises ``ValueError``
    when an actor falls into two groups or an explicitly listed actor id is not in ``actors``.
    """
    known = set(actors["actor_id"])
    keep = set(nodes) if nodes is not None else known
    # plain lists, not itertuples(): the claims ledger asks this once per measure and tie reading
    rows = [(a, k) for a, k in zip(actors["actor_id"].tolist(), actors["kind"].tolist()) if a in keep]
    out: dict[str, str] = {}
    for group, rule in mapping.items():
        missing = set(rule.get("actors", ())) - known
        if missing:
            raise ValueError(f"group {group!r} lists unknown actor(s) {sorted(missing)}")
        listed, kinds = rule.get("actors", ()), rule.get("kinds", ())
        for actor_id, kind in rows:
            if actor_id in listed or kind in kinds:
                if actor_id in out and out[actor_id] != group:
                    raise ValueError(f"actor {actor_id!r} is in groups {out[actor_id]!r} and {group!r}")
                out[actor_id] = group
    return dict(sorted(out.items()))


# --------------------------------------------------------------------------------------------------
# Building the graphs

def _clean(value):
    """Missing values (None, '', NaN, pandas NA) as None; everything else unchanged."""
    if isinstance(value, str):  # the common case first: a coded cell
        return value or None
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return list(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def _as_bool(value) -> bool:
    if isinstance(value, str):
        if value.strip().lower() in {"true", "1", "yes"}:
            return True
        if value.strip().lower() in {"false", "0", "no", ""}:
            return False
        raise ValueError(f"not a boolean: {value!r}")
    return bool(value)


def build_multigraph(actors: pd.DataFrame, ties: pd.DataFrame,
                     include_context: bool = False) -> nx.MultiDiGraph:
    """The coded network: one node per actor, one edge (key ``tie_id``) per tie.

    Nodes carry :data:`NODE_ATTRIBUTES` (``aliases`` as a list, missing values as ``None``); edges carry
    ``tie_id`` and :data:`EDGE_ATTRIBUTES` (``directed`` as a bool). Only ``scope == "case"`` actors
    unless ``include_context``; ties with an end outside the node set are left out. Raises
    ``ValueError`` for a tie whose end is not an actor at all.
    """
    G = nx.MultiDiGraph(include_context=bool(include_context))
    G.add_nodes_from(_nodes(actors, ties, include_context))
    ties = ties.sort_values("tie_id")
    keep = (ties["source"].isin(list(G)) & ties["target"].isin(list(G))).tolist()
    directed = ties["directed"].tolist() if "directed" in ties.columns else [None] * len(ties)
    edges = []
    for source, target, tie_id, attrs, raw_directed, ok in zip(
            ties["source"].tolist(), ties["target"].tolist(), ties["tie_id"].tolist(),
            _records(ties, EDGE_ATTRIBUTES), directed, keep):
        if not ok:
            continue
        attrs["directed"] = _as_bool(raw_directed)
        for k in ("date_start", "date_end"):
            if attrs[k] is not None:
                attrs[k] = str(attrs[k])
        edges.append((source, target, tie_id, {"tie_id": tie_id, **attrs}))
    G.add_edges_from(edges)
    return G


def _nodes(actors: pd.DataFrame, ties: pd.DataFrame, include_context: bool) -> list[tuple[str, dict]]:
    """``(actor_id, attributes)`` of the network's nodes, sorted; ``ValueError`` for a tie naming no actor."""
    _check_ends(actors, ties)
    return node_records(actors, include_context)


def _check_ends(actors: pd.DataFrame, ties: pd.DataFrame) -> None:
    unknown = (set(ties["source"]) | set(ties["target"])) - set(actors["actor_id"])
    if unknown:
        raise ValueError(f"ties name unknown actor(s): {sorted(unknown)}")


def node_records(actors: pd.DataFrame, include_context: bool = False) -> list[tuple[str, dict]]:
    """``(actor_id, attributes)`` of the network's nodes (the case actors, or every actor with
    ``include_context``), sorted by id: what :func:`collapsed` adds, for a caller that builds several
    networks of one actors table (one per tie reading) to make once."""
    chosen = actors if include_context else actors[actors["scope"] == "case"]
    chosen = chosen.sort_values("actor_id")
    nodes = _records(chosen, NODE_ATTRIBUTES)
    aliases = chosen["aliases"].tolist() if "aliases" in chosen.columns else [None] * len(chosen)
    for attrs, alias in zip(nodes, aliases):
        attrs["aliases"] = as_list(alias)
    return list(zip(chosen["actor_id"].tolist(), nodes))


def _records(frame: pd.DataFrame, columns: Iterable[str]) -> list[dict]:
    """One dict per row of ``frame`` with ``columns`` (a missing column reads as None), missing values
    as None (:func:`_clean`). Column by column rather than ``to_dict("records")``: a network of 50,000
    actors is built in a second, not in ten (benchmarks/growth.py)."""
    columns = list(columns)
    values = [map(_clean, frame[c].tolist()) if c in frame.columns else [None] * len(frame) for c in columns]
    return [dict(zip(columns, row)) for row in zip(*values)]


def collapse(G: nx.MultiDiGraph) -> nx.Graph:
    """The undirected weighted simple graph: ``weight`` = number of ties between two actors.

    Edges also carry ``relations`` and ``tie_ids`` (sorted, ``;``-joined). Node attributes are copied;
    isolated actors stay in the graph.
    """
    H = nx.Graph()
    H.add_nodes_from(sorted(G.nodes(data=True)))
    _add_pairs(H, G.edges(keys=True, data="relation", default=""))
    return H


def collapsed(actors: pd.DataFrame, ties: pd.DataFrame, include_context: bool = False,
              nodes: list[tuple[str, dict]] | None = None) -> nx.Graph:
    """``collapse(build_multigraph(actors, ties, include_context))``, the same graph, without building
    the multigraph and its tie attributes first: what the claims ledger needs once per tie reading.
    ``nodes``: ``node_records(actors, include_context)``, if already made."""
    H = nx.Graph()
    _check_ends(actors, ties)
    H.add_nodes_from(nodes if nodes is not None else node_records(actors, include_context))
    keep = ties[ties["source"].isin(list(H)) & ties["target"].isin(list(H))]
    relation = keep["relation"].tolist() if "relation" in keep.columns else [None] * len(keep)
    _add_pairs(H, zip(keep["source"].tolist(), keep["target"].tolist(), keep["tie_id"].tolist(),
                      map(_clean, relation)))
    return H


def _add_pairs(H: nx.Graph, ties: Iterable[tuple[str, str, str, str | None]]) -> None:
    """One edge of ``H`` per pair of actors among ``ties`` (``(source, target, tie_id, relation)``)."""
    pairs: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for u, v, key, relation in ties:
        pairs.setdefault((u, v) if u <= v else (v, u), []).append((key, relation or ""))
    for (u, v), items in sorted(pairs.items()):
        items.sort()
        H.add_edge(u, v, weight=len(items),
                   relations=";".join(sorted({r for _, r in items})),
                   tie_ids=";".join(k for k, _ in items))


# --------------------------------------------------------------------------------------------------
# Measures

def _degree(H: nx.Graph) -> dict[str, float]:
    return {n: float(d) for n, d in H.degree()}


def _weighted_degree(H: nx.Graph) -> dict[str, float]:
    return {n: float(d) for n, d in H.degree(weight="weight")}


#: Up to this many actors betweenness and eigenvector centrality are computed as for the two papers'
#: network (about 50 actors; every real-data output is computed exactly). Exact betweenness (Brandes)
#: runs one shortest-path search from every actor, O(actors x ties), so it cannot grow linearly: 69 s
#: in igraph's C code at the 34,000 case actors of a 1000x synthetic coding (benchmarks/growth.py), hours
#: in networkx. Beyond the limit it is estimated from the searches of BETWEENNESS_SAMPLES source actors
#: drawn with a fixed seed (Brandes & Pich 2007): the same on every run, and its cost grows linearly.
EXACT_MAX = 1_000
BETWEENNESS_SAMPLES = 100
BETWEENNESS_SEED = 0


def _betweenness(H: nx.Graph) -> dict[str, float]:
    # Topological (unweighted) shortest paths: ``weight`` counts ties, it is not a distance.
    if H.number_of_nodes() <= EXACT_MAX:
        return nx.betweenness_centrality(H, normalized=True)
    return sampled_betweenness(H)


def sampled_betweenness(H: nx.Graph, k: int | None = None, seed: int | None = None) -> dict[str, float]:
    """networkx's sampled estimate ``nx.betweenness_centrality(H, k=k, seed=seed, normalized=True)``
    (default :data:`BETWEENNESS_SAMPLES` sources, seed :data:`BETWEENNESS_SEED`) --
    the same ``k`` source actors (``random.Random(seed).sample(list(H), k)``, as networkx draws them),
    the same sums and the same rescaling -- with the shortest-path searches run by igraph's C code
    (``Graph.betweenness(sources=...)``) instead of networkx's Python loops: at 34,000 actors 0.2 s
    instead of 17-34 s, whose growth was also faster than linear (a Python graph that no longer fits
    the processor's caches). The two agree to rounding (tests/test_network.py).

    Why an estimate, and its error: exact betweenness grows with actors x ties (see :data:`EXACT_MAX`).
    Against the exact values on synthetic codings (``benchmarks/growth.py``, which prints the figures
    into benchmarks/RESULTS.md, "Betweenness: sampled against exact"), 100 sources: at 10x (340 case
    actors) Spearman's rank correlation 0.98, largest absolute error 0.03 (the largest value is 0.86),
    the same ten actors on top; at 100x (3,400 actors) 0.92 and 0.02 (largest value 0.93), but only 2 of
    the top ten shared -- there the next brokers after the hub are a thousand copies' city governments
    of near-equal betweenness, whose order no estimate can settle. The error shrinks as 1/sqrt(k). Use
    the estimate to find the brokers of a large network, not to rank actors of similar betweenness."""
    import random

    import igraph as ig

    nodes = list(H)
    n = len(nodes)
    if n <= 2:
        return {v: 0.0 for v in nodes}
    k = min(BETWEENNESS_SAMPLES if k is None else k, n)
    sources = random.Random(BETWEENNESS_SEED if seed is None else seed).sample(nodes, k)
    index = {v: i for i, v in enumerate(nodes)}
    g = ig.Graph(n=n, edges=[(index[u], index[v]) for u, v in H.edges()], directed=False)
    # igraph counts each unordered pair of an undirected graph once; networkx sums the searches from
    # every source (each pair from both ends): twice igraph's sums
    raw = g.betweenness(directed=False, sources=[index[s] for s in sources])
    # networkx's rescaling of a sample without endpoints (networkx.algorithms.centrality.betweenness._rescale)
    source_scale = 1 / ((k - 1) * (n - 2)) if k > 1 else math.nan
    other_scale = 1 / (k * (n - 2))
    chosen = set(sources)
    return {v: 2 * raw[i] * (source_scale if v in chosen else other_scale) for i, v in enumerate(nodes)}


def _eigenvector(H: nx.Graph) -> dict[str, float]:
    if H.number_of_edges() == 0:
        return {n: 0.0 for n in H}
    if H.number_of_nodes() <= EXACT_MAX:
        return nx.eigenvector_centrality(H, weight="weight", max_iter=10_000, tol=1e-12)
    return _eigenvector_sparse(H)


def _eigenvector_sparse(H: nx.Graph, max_iter: int = 10_000, tol: float = 1e-12) -> dict[str, float]:
    """networkx's eigenvector centrality -- the same power iteration on A + I, from the same start, to
    the same stopping rule -- with the adjacency matrix in SciPy's sparse format: each round is one
    matrix product instead of a Python loop over every tie (10-20x faster on large networks). Used
    beyond :data:`EXACT_MAX` actors; results agree with networkx's to rounding. (networkx's
    ``eigenvector_centrality_numpy`` refuses networks in several pieces, as a coding with isolated
    actors is.)"""
    import numpy as np

    nodes = list(H)
    A = nx.to_scipy_sparse_array(H, nodelist=nodes, weight="weight", format="csr")
    x = np.full(len(nodes), 1.0 / len(nodes))
    for _ in range(max_iter):
        last = x
        x = last + A @ last
        x = x / (np.sqrt((x * x).sum()) or 1.0)  # not np.linalg.norm: its BLAS call costs 5x more here
        if np.abs(x - last).sum() < len(nodes) * tol:
            return dict(zip(nodes, map(float, x)))
    raise nx.PowerIterationFailedConvergence(max_iter)


def _pagerank(H: nx.Graph) -> dict[str, float]:
    return nx.pagerank(H, weight="weight", alpha=0.85, tol=1e-12, max_iter=10_000)


MEASURES: dict[str, Callable[[nx.Graph], dict[str, float]]] = {
    "degree": _degree,
    "weighted_degree": _weighted_degree,
    "betweenness": _betweenness,
    "eigenvector": _eigenvector,
    "pagerank": _pagerank,
}
"""Centralities on the collapsed graph (:func:`collapse`).

``degree`` = number of distinct partners; ``weighted_degree`` = number of ties; ``betweenness`` =
normalised betweenness on unweighted shortest paths (estimated from a seeded sample of sources beyond
:data:`EXACT_MAX` actors, where eigenvector centrality runs its
power iteration on a SciPy sparse matrix); ``eigenvector`` and ``pagerank`` (alpha 0.85) use
``weight`` = number of ties."""


def centrality_table(H: nx.Graph, measures: Iterable[str] = tuple(MEASURES)) -> pd.DataFrame:
    """One row per actor (index ``actor_id``, sorted), one column per measure, plus ``name``,
    ``kind``, ``country``, ``role`` from the node attributes. Values are unrounded floats."""
    if isinstance(H, nx.MultiGraph) or H.is_directed():
        raise TypeError("centrality_table expects the collapsed simple graph (see collapse())")
    nodes = sorted(H.nodes)
    frame = pd.DataFrame(index=pd.Index(nodes, name="actor_id"))
    for col in ("name", "kind", "country", "role"):
        frame[col] = [H.nodes[n].get(col) for n in nodes]
    for m in measures:
        values = MEASURES[m](H)
        frame[m] = [float(values[n]) for n in nodes]
    return frame


def rank_actors(table: pd.DataFrame, measures: Iterable[str] = tuple(MEASURES)) -> pd.DataFrame:
    """Rank of every actor under each measure (1 = most central; ties share the best rank)."""
    measures = list(measures)
    return table[measures].round(12).rank(ascending=False, method="min").astype(int)


def group_measures(table: pd.DataFrame, by: str, measures: Iterable[str] = tuple(MEASURES),
                   aggregations: Iterable[str] = ("mean", "max")) -> pd.DataFrame:
    """Measures aggregated per group of actors (``by`` = ``kind``, ``role``, ``country`` or any column,
    e.g. a ranking's group). Columns are ``(measure, aggregation)``; ``n`` is the group size."""
    measures, aggregations = list(measures), list(aggregations)
    grouped = table.groupby(by, sort=True, dropna=True)
    out = grouped[measures].agg(aggregations)
    out.insert(0, ("n", ""), grouped.size())
    return out


# --------------------------------------------------------------------------------------------------
# A ranking under different measures

AGGREGATIONS: dict[str, Callable[[pd.Series], float]] = {
    "max": lambda s: float(s.max()),
    "mean": lambda s: float(s.mean()),
    "sum": lambda s: float(s.sum()),
}
"""How a group's score is made from its members' scores: its strongest member, its average member, or
the group's total."""


def kendall_tau(ranks: Mapping[str, float], reference: Iterable[str] | None = None) -> float:
    """Kendall's tau-b between ``ranks`` (group -> rank, 1 = first) and the reference order (the
    paper's, most significant first; default: the order of ``ranks``' keys).

    The value of ``scipy.stats.kendalltau(range(1, n + 1), observed).statistic`` to the last bit: the
    reference has no ties, so tau-b is (concordant - discordant pairs) / sqrt(pairs) / sqrt(pairs not
    tied in the observed ranks), the same integers and floating-point steps as scipy's. Counted here
    because scipy's per-call checks cost a millisecond and the ranking robustness asks hundreds of times
    (tests/test_network.py compares the two on every ranking of up to five groups)."""
    reference = list(ranks if reference is None else reference)
    observed = [float(ranks[g]) for g in reference]
    if len(set(observed)) == 1 or any(math.isnan(r) for r in observed):
        return float("nan")
    pairs = len(observed) * (len(observed) - 1) // 2
    tied = con_minus_dis = 0
    for i, first in enumerate(observed):  # the reference ranks group i above every later group
        for later in observed[i + 1:]:
            if later == first:
                tied += 1
            else:
                con_minus_dis += 1 if later > first else -1
    return max(-1.0, min(1.0, con_minus_dis / math.sqrt(pairs) / math.sqrt(pairs - tied)))


def group_scores(table: pd.DataFrame, membership: Mapping[str, str], measure: str,
                 aggregation: str = "max", groups: Iterable[str] | None = None) -> dict[str, float]:
    """Score of each group (default: every group of ``membership``): ``aggregation`` of ``measure`` over
    its members present in ``table`` (NaN for a group with no member)."""
    values = table[measure].to_dict()  # one lookup per actor, not a .loc per group
    scores = {}
    for g in (dict.fromkeys(membership.values()) if groups is None else groups):
        members = sorted(a for a, grp in membership.items() if grp == g and a in values)
        scores[g] = (AGGREGATIONS[aggregation](pd.Series([values[a] for a in members], dtype=float))
                     if members else float("nan"))
    return scores


def _rank_scores(scores: Mapping[str, float]) -> dict[str, float]:
    """Each group's rank, 1 = highest score, equal scores (to 12 decimals) sharing the best rank, NaN for
    no score: pandas' ``rank(ascending=False, method="min")`` without building a Series per ranking."""
    import numpy as np

    rounded = dict(zip(scores, np.round(np.array(list(scores.values()), dtype=float), 12).tolist()))
    known = [v for v in rounded.values() if not math.isnan(v)]
    return {g: float("nan") if math.isnan(v) else float(1 + sum(o > v for o in known))
            for g, v in rounded.items()}


def ranking_robustness(H: nx.Graph, actors: pd.DataFrame | None = None,
                       measures: Iterable[str] = tuple(MEASURES),
                       aggregations: Iterable[str] = ("max", "mean"), *,
                       mapping: GroupMapping,
                       reference: Iterable[str] | None = None,
                       table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Does a paper's ranking of actor groups (e.g. paper A's mayor > business > consultant) hold under
    each measure and aggregation?

    ``mapping`` says which actors stand for each group (:attr:`Ranking.mapping`, or one of its
    :attr:`~Ranking.readings`); ``reference`` is the paper's order (default: the order of ``mapping``).
    ``H`` is the collapsed graph; group membership comes from ``mapping`` applied to ``actors`` (or, if
    ``actors`` is None, to the ``kind`` attribute of ``H``'s nodes). One row per (measure, aggregation):
    the groups' scores (``score_<group>``), their ranks (``rank_<group>``, 1 = first, ties share the
    best rank), the observed ``order`` (``>``-joined, ``=`` for ties), Kendall's tau-b against the
    paper's order (``tau``: +1 same order, -1 reversed) and ``matches_paper`` (exact order, no ties).
    Scores are unrounded. ``table``: ``H``'s :func:`centrality_table`, if already computed.
    """
    reference = list(mapping if reference is None else reference)
    if actors is None:
        actors = pd.DataFrame({"actor_id": sorted(H.nodes),
                               "kind": [H.nodes[n].get("kind") for n in sorted(H.nodes)]})
    membership = group_members(actors, mapping, nodes=H.nodes)
    measures = list(measures)
    table = table if table is not None else centrality_table(H, measures)
    rows = []
    for m in measures:
        for agg in aggregations:
            scores = group_scores(table, membership, m, agg, reference)
            ranks = _rank_scores(scores)
            row = {"measure": m, "aggregation": agg}
            row.update({f"score_{g}": scores[g] for g in reference})
            row.update({f"rank_{g}": int(ranks[g]) if not math.isnan(ranks[g]) else None
                        for g in reference})
            row["order"] = _order_string(scores)
            row["tau"] = kendall_tau(ranks, reference)
            row["matches_paper"] = all(ranks[g] == i for i, g in enumerate(reference, 1))
            rows.append(row)
    return pd.DataFrame(rows)


def _order_string(scores: Mapping[str, float]) -> str:
    """``'consultant > mayor = business'``: groups by descending score, ``=`` for equal scores."""
    items = sorted(scores.items(), key=lambda kv: (-round(kv[1], 12), kv[0]))
    parts = [items[0][0]]
    for (g_prev, s_prev), (g, s) in zip(items, items[1:]):
        parts.append(("= " if round(s, 12) == round(s_prev, 12) else "> ") + g)
    return " ".join(parts)


SCOPE_VARIANTS: dict[str, dict] = {
    "case (default)": {},
    "case + context actors": {"include_context": True},
}
DROP_VARIANTS: dict[str, dict] = {
    "KSP dropped from the network": {"drop": ("ksp",)},
    "KSP and KSP experts dropped": {"drop": ("ksp", "ksp-experts")},
}
"""Codings of the network itself for the robustness check: its scope, and the actors removed before
measuring (KSP dominates paper B's evidence and paper A calls it the consultant on Seoul's side)."""


def ranking_variants(ranking: Ranking) -> dict[str, dict]:
    """Every alternative coding for :func:`robustness_variants`, in order: the scope variants, one per
    alternative reading of the ranking's groups (``data/ranking_groups.csv``), the drop variants."""
    return {**SCOPE_VARIANTS, **{name: {"mapping": m} for name, m in ranking.readings.items()},
            **DROP_VARIANTS}


def robustness_variants(actors: pd.DataFrame, ties: pd.DataFrame,
                        variants: Mapping[str, Mapping],
                        measures: Iterable[str] = tuple(MEASURES),
                        aggregations: Iterable[str] = ("max", "mean"), *,
                        mapping: GroupMapping,
                        tie_readings: Iterable[tuple[str, str]] = TIE_READINGS,
                        relation_class: Mapping[str, str] | None = None) -> pd.DataFrame:
    """:func:`ranking_robustness` for every variant and every tie reading (relation classes x basis,
    :data:`TIE_READINGS`), stacked with leading ``variant``, ``ties`` and ``basis`` columns.

    ``variants`` as :func:`ranking_variants` makes them: ``include_context`` (scope), ``mapping`` (a
    :data:`GroupMapping`), ``drop`` (actor ids removed from the network before measuring); a variant
    without a ``mapping`` uses the ``mapping`` argument (the ranking's default reading)."""
    frames, networks, nodes = [], {}, {}
    relation_class = relation_class or relation_classes()
    readings = list(tie_readings)
    for name, spec in variants.items():
        for classes, basis in readings:
            # variants that differ only in their group mapping measure the same network: measure it once
            key = (spec.get("include_context", False), tuple(spec.get("drop", ())), classes, basis)
            if key not in networks:
                chosen_ties = select_ties(ties, classes, basis, relation_class)
                if key[0] not in nodes:  # the same actors under every tie reading
                    nodes[key[0]] = node_records(actors, key[0])
                H = collapsed(actors, chosen_ties, include_context=key[0], nodes=nodes[key[0]])
                H.remove_nodes_from([n for n in key[1] if n in H])
                networks[key] = (H, centrality_table(H, measures))
            H, table = networks[key]
            frame = ranking_robustness(H, actors, measures, aggregations, mapping=spec.get("mapping", mapping),
                                       table=table)
            frame.insert(0, "basis", basis)
            frame.insert(0, "ties", classes)
            frame.insert(0, "variant", name)
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def robustness_summary(robust: pd.DataFrame) -> pd.DataFrame:
    """Per variant (if present) and aggregation: how many measures reproduce the paper's order, the
    mean tau, and how often each group comes first."""
    keys = [k for k in ("variant", "ties", "basis", "aggregation") if k in robust.columns]
    groups = [c[len("rank_"):] for c in robust.columns if c.startswith("rank_")]
    rows = []
    for key, part in robust.groupby(keys, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(keys, key))
        row["measures"] = len(part)
        row["match_paper"] = int(part["matches_paper"].sum())
        row["mean_tau"] = float(part["tau"].mean())
        for g in groups:
            row[f"first_{g}"] = int((part[f"rank_{g}"] == 1).sum())
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------
# Ego networks and the network by year

def ego_network(G: nx.MultiDiGraph, actor: str, radius: int = 1) -> nx.MultiDiGraph:
    """The actor, its neighbours within ``radius`` (ignoring direction) and every tie among them."""
    if actor not in G:
        raise KeyError(f"{actor!r} is not a node of the graph")
    nodes = nx.ego_graph(G.to_undirected(as_view=True), actor, radius=radius).nodes
    return G.subgraph(sorted(nodes)).copy()


def ego_summary(G: nx.MultiDiGraph, actor: str) -> pd.DataFrame:
    """The actor's ties, one row each: partner, direction (``out``, ``in``, ``both`` for symmetric
    ties), relation, dates and evidence segment; sorted by partner then tie."""
    rows = []
    for u, v, key, d in G.edges(keys=True, data=True):
        if actor not in (u, v):
            continue
        partner = v if u == actor else u
        direction = "both" if not d.get("directed") else ("out" if u == actor else "in")
        rows.append({"partner": partner, "partner_name": G.nodes[partner].get("name"),
                     "direction": direction, "relation": d.get("relation"), "tie_id": key,
                     "date_start": d.get("date_start") or "", "date_end": d.get("date_end") or "",
                     "segment_id": d.get("segment_id")})
    cols = ["partner", "partner_name", "direction", "relation", "tie_id", "date_start", "date_end",
            "segment_id"]
    return pd.DataFrame(rows, columns=cols).sort_values(["partner", "tie_id"]).reset_index(drop=True)


def _year(value) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value) == "":
        return None
    return int(str(value)[:4])


def tie_years(start, end) -> tuple[int, ...]:
    """Years a tie covers: ``start``..``end`` (inclusive) or only ``start``'s year when there is no end;
    empty when undated."""
    y0, y1 = _year(start), _year(end)
    if y0 is None:
        return ()
    return tuple(range(y0, (y1 if y1 is not None else y0) + 1))


def network_by_year(G: nx.MultiDiGraph, years: Iterable[int] = range(2013, 2020)) -> pd.DataFrame:
    """Dated ties active in each year (see :func:`tie_years`): one row per year with the number of ties
    and actors and the tie ids; undated ties are not counted (``undated`` column gives their number)."""
    years = list(years)
    undated = sum(1 for *_, d in G.edges(data=True) if not tie_years(d.get("date_start"), d.get("date_end")))
    rows = []
    for y in years:
        active = sorted((k, u, v) for u, v, k, d in G.edges(keys=True, data=True)
                        if y in tie_years(d.get("date_start"), d.get("date_end")))
        actors_ = sorted({n for _, u, v in active for n in (u, v)})
        rows.append({"year": y, "ties": len(active), "actors": len(actors_),
                     "tie_ids": ";".join(k for k, _, _ in active),
                     "actor_ids": ";".join(actors_), "undated": undated})
    return pd.DataFrame(rows)


def year_subgraph(G: nx.MultiDiGraph, year: int) -> nx.MultiDiGraph:
    """The ties active in ``year`` and their ends (other nodes dropped)."""
    H = nx.MultiDiGraph(**G.graph)
    keep = [(u, v, k, d) for u, v, k, d in G.edges(keys=True, data=True)
            if year in tie_years(d.get("date_start"), d.get("date_end"))]
    nodes = sorted({n for u, v, _, _ in keep for n in (u, v)})
    H.add_nodes_from((n, G.nodes[n]) for n in nodes)
    for u, v, k, d in sorted(keep, key=lambda e: e[2]):
        H.add_edge(u, v, key=k, **d)
    return H


# --------------------------------------------------------------------------------------------------
# Exports (GraphML, GEXF, CSV)

def _export_value(value):
    """A value GraphML and GEXF can hold: lists joined with ';', missing as '', numpy scalars as
    Python scalars."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return value
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return ""
    return value


def export_graph(G: nx.Graph, node_extra: pd.DataFrame | None = None,
                 labels: Mapping[str, str] | None = None) -> nx.Graph:
    """A copy of ``G`` whose attributes GraphML/GEXF accept, nodes and edges in sorted order.

    ``node_extra`` (index = node id) adds columns as node attributes (missing -> ''). ``labels`` sets the
    ``label`` attribute Gephi shows (default: the node's ``name``)."""
    H = G.__class__()
    H.graph.update({k: _export_value(v) for k, v in G.graph.items()})
    for n in sorted(G.nodes):
        attrs = {k: _export_value(v) for k, v in sorted(G.nodes[n].items())}
        if node_extra is not None:
            for col in node_extra.columns:
                value = node_extra[col].get(n) if n in node_extra.index else None
                if isinstance(value, float):
                    value = round(value, 6)
                attrs[col] = _export_value(value)
        attrs["label"] = (labels or {}).get(n) or attrs.get("name") or n
        H.add_node(n, **attrs)
    if G.is_multigraph():
        for u, v, k, d in sorted(G.edges(keys=True, data=True), key=lambda e: (str(e[2]), e[0], e[1])):
            H.add_edge(u, v, key=k, **{a: _export_value(x) for a, x in sorted(d.items())})
    else:
        for u, v, d in sorted(G.edges(data=True), key=lambda e: (e[0], e[1])):
            H.add_edge(u, v, **{a: _export_value(x) for a, x in sorted(d.items())})
    return H


def graphml_bytes(G: nx.Graph) -> bytes:
    """GraphML text of an export graph (:func:`export_graph`)."""
    return ("\n".join(nx.generate_graphml(G, encoding="utf-8", prettyprint=True)) + "\n").encode("utf-8")


GEXF_DESCRIPTION = ("Actors and ties of the Bandung-Seoul smart-city cooperation, coded from papers A and B "
                    "(sister-city-compendium, data/raw/coded/)")
GEXF_SCALE = 70.0
"""Gephi units per unit of :func:`compendium.render.network_figures.layered_layout` (columns 3 units apart, rows
1): about the points per unit of ``figures/network-whole``, so node sizes and distances keep its
proportions."""


def gephi_viz(G: nx.Graph) -> dict[str, dict]:
    """Per node, the ``viz`` attributes of GEXF: where and how ``figures/network-whole`` draws it.

    ``position`` is the deterministic layered layout of the collapsed graph
    (:func:`compendium.render.network_figures.layered_layout`, the one the figure uses) times
    :data:`GEXF_SCALE`; ``color`` the figure's colour of the actor's country
    (:data:`compendium.render.network_figures.COUNTRY_COLOURS`); ``size`` the diameter of the figure's marker,
    whose area grows with the actor's number of ties (the collapsed graph's weighted degree)."""
    from compendium.render.network_figures import COUNTRY_COLOURS, layered_layout, marker_area

    H = collapse(G) if G.is_multigraph() or G.is_directed() else G
    pos = layered_layout(H)
    ties = dict(H.degree(weight="weight"))
    viz = {}
    for n in sorted(H.nodes):
        colour = COUNTRY_COLOURS.get(H.nodes[n].get("country"), COUNTRY_COLOURS["other"]).lstrip("#")
        r, g, b = (int(colour[i:i + 2], 16) for i in (0, 2, 4))
        x, y = pos[n]
        viz[n] = {"position": {"x": round(x * GEXF_SCALE, 3), "y": round(y * GEXF_SCALE, 3), "z": 0.0},
                  "color": {"r": r, "g": g, "b": b, "a": 1.0},
                  "size": round(math.sqrt(marker_area(ties[n])), 3)}
    return viz


def gexf_bytes(G: nx.Graph, viz: Mapping[str, dict] | None = None) -> bytes:
    """GEXF 1.2 text of an export graph (:func:`export_graph`), for Gephi; ``viz`` (node -> GEXF viz
    attributes, see :func:`gephi_viz`) lays the graph out and colours it.

    networkx stamps ``<meta lastmodifieddate>`` with the day of writing, which would make every build
    on a new day differ. The attribute is optional in GEXF 1.2; the file carries no date, and a
    description of where the graph comes from instead."""
    from xml.etree.ElementTree import SubElement

    from networkx.readwrite.gexf import GEXFWriter

    G = G.copy()
    for n, attrs in (viz or {}).items():
        if n in G:
            G.nodes[n]["viz"] = attrs
    if G.is_multigraph():
        # GEXF takes an edge's id from its 'id' attribute (networkx ignores the key): the tie id.
        # GraphML carries the key as the edge's XML id already, so only the GEXF copy gets 'id'.
        for _, _, k, d in G.edges(keys=True, data=True):
            d["id"] = str(k)
    writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    meta = writer.xml.find("meta")
    meta.attrib.pop("lastmodifieddate", None)
    SubElement(meta, "description").text = GEXF_DESCRIPTION
    writer.add_graph(G)
    return ("\n".join(str(writer).splitlines()) + "\n").encode("utf-8")


def node_table(G: nx.Graph, node_extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """Nodes as a table (``actor_id`` first, lists ``;``-joined), sorted by id."""
    E = export_graph(G, node_extra)
    rows = [{"actor_id": n, **d} for n, d in E.nodes(data=True)]
    return pd.DataFrame(rows).drop(columns=["label"])


def edge_table(G: nx.Graph) -> pd.DataFrame:
    """Edges as a table (``source``, ``target`` first), sorted by tie id (multigraph) or by ends."""
    E = export_graph(G)
    if E.is_multigraph():
        rows = [{"tie_id": d.get("tie_id", k), "source": u, "target": v,
                 **{a: x for a, x in d.items() if a not in ("tie_id", "id")}}
                for u, v, k, d in E.edges(keys=True, data=True)]
        return pd.DataFrame(rows).sort_values("tie_id", kind="mergesort").reset_index(drop=True)
    rows = [{"source": min(u, v), "target": max(u, v), **d} for u, v, d in E.edges(data=True)]
    return pd.DataFrame(rows).sort_values(["source", "target"], kind="mergesort").reset_index(drop=True)


def export_network(G: nx.MultiDiGraph, folder: Path | str, node_extra: pd.DataFrame | None = None,
                   labels: Mapping[str, str] | None = None, stem: str = "network") -> list[Path]:
    """Write ``stem.graphml``, ``stem.gexf`` (the multigraph; laid out and coloured for Gephi as in
    ``figures/network-whole``, see :func:`gephi_viz`), ``stem-collapsed.graphml`` (the weighted simple
    graph), ``nodes.csv``, ``edges.csv`` and ``edges-collapsed.csv`` into ``folder`` through
    :mod:`compendium.render.artefacts` (atomic, staged during a build). Returns the paths."""
    from compendium.render import artefacts

    folder = Path(folder)
    E = export_graph(G, node_extra, labels)
    C = export_graph(collapse(G), node_extra, labels)
    return [
        artefacts.write_bytes(folder / f"{stem}.graphml", graphml_bytes(E)),
        artefacts.write_bytes(folder / f"{stem}.gexf", gexf_bytes(E, gephi_viz(G))),
        artefacts.write_bytes(folder / f"{stem}-collapsed.graphml", graphml_bytes(C)),
        artefacts.write_csv(node_table(G, node_extra), folder / "nodes.csv"),
        artefacts.write_csv(edge_table(G), folder / "edges.csv"),
        artefacts.write_csv(edge_table(collapse(G)), folder / "edges-collapsed.csv"),
    ]
