"""The actor network of the Bandung–Seoul cooperation: graphs, measures, paper A's ranking, exports.

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

Paper A's ranking
-----------------
Paper A (HASIL DAN PEMBAHASAN, p. 573) ranks the actors: "aktor yang paling signifikan terlibat adalah
politisi terpilih yakni walikota sedang menjabat. Aktor signifikan kedua adalah pebisnis diikuti oleh
konsultan". :data:`PAPER_A_GROUPS` maps actors to those three groups (explicit data, see its docstring);
:func:`ranking_robustness` ranks the groups under several centrality measures and aggregations and
compares each ranking with the paper's (Kendall's tau); :func:`robustness_variants` repeats that over
alternative codings (scope, the group mapping, KSP dropped).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import networkx as nx
import pandas as pd

# --------------------------------------------------------------------------------------------------
# Vocabulary (docs/coding-scheme.md)

NODE_ATTRIBUTES = ("name", "name_en", "aliases", "kind", "country", "level", "role", "role_basis",
                   "scope", "segment_id", "reconstruction")
EDGE_ATTRIBUTES = ("relation", "directed", "date_start", "date_end", "segment_id", "reconstruction")
SYMMETRIC_RELATIONS = ("partnership", "coordination", "agreement", "exchange")
COUNTRIES = ("ID", "KR", "INT", "other")
ROLES = ("internal", "external", "go-between", "none", "unclear")

# --------------------------------------------------------------------------------------------------
# Paper A's three groups

PAPER_A_RANKING: tuple[str, ...] = ("mayor", "business", "consultant")
"""Paper A's order of significance, most significant first (p. 573)."""

PAPER_A_GROUPS: dict[str, dict[str, tuple[str, ...]]] = {
    "mayor": {"actors": ("ridwan-kamil",), "kinds": ()},
    "business": {"actors": (), "kinds": ("business", "bank")},
    "consultant": {"actors": (), "kinds": ("consultant", "research-institute")},
}
"""Which coded actors stand for paper A's three groups (the default mapping).

* ``mayor`` -- "politisi terpilih yakni walikota sedang menjabat": the elected, sitting mayor of Bandung,
  Ridwan Kamil (``ridwan-kamil``). Paper A also calls *both* mayors internal actors ("walikota Bandung dan
  walikota Seoul"); :data:`GROUP_MAPPINGS` ``"mayors-both"`` adds ``seoul-mayor``.
* ``business`` -- "pebisnis": every actor of kind ``business`` or ``bank`` (the Korean investors as a
  group, Posco, PT Total Solution Intelligent, Korean Exim Bank). Context actors of these kinds (the
  magazine *Asia's Tech Ecosystem*) are members only when the graph includes context actors.
* ``consultant`` -- "konsultan": every actor of kind ``consultant`` or ``research-institute`` (LAPI ITB, the
  KSP experts, The Seoul Institute, Intelligent Transport Society of Korea, Dongil Eng. Consultants).
  Paper A also says the consultant's role on Seoul's side is played by KSP ("peran konsultan di pihak
  Kota Seoul dilaksanakan dengan melibatkan ... KSP"), but KSP is coded kind ``programme``;
  :data:`GROUP_MAPPINGS` ``"ksp-as-consultant"`` adds it.

Each group is ``{"actors": explicit actor ids, "kinds": actor kinds}``; an actor belongs to a group when
its id is listed or its kind is. An actor must not fall into two groups.
"""

GROUP_MAPPINGS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "default": PAPER_A_GROUPS,
    "mayors-both": {
        **PAPER_A_GROUPS,
        "mayor": {"actors": ("ridwan-kamil", "seoul-mayor"), "kinds": ()},
    },
    "ksp-as-consultant": {
        **PAPER_A_GROUPS,
        "consultant": {"actors": ("ksp",), "kinds": ("consultant", "research-institute")},
    },
    "consultant-incl-suhono": {
        **PAPER_A_GROUPS,
        "consultant": {"actors": ("suhono-harso-supangkat",),
                       "kinds": ("consultant", "research-institute")},
    },
    "mayor-via-city-government": {
        **PAPER_A_GROUPS,
        "mayor": {"actors": ("ridwan-kamil", "bandung-city"), "kinds": ()},
    },
}
"""Alternative readings of paper A's groups, for the robustness check (see :data:`PAPER_A_GROUPS`).

``consultant-incl-suhono`` adds the LAPI ITB expert Prof. Suhono (kind ``person``) to the consultants.
``mayor-via-city-government`` credits the Bandung city government's ties to the mayor: paper A says the
city government's "upaya komunikasi aktif" was made "atas instruksi dan visi misi Walikota terpilih"
(p. 575), and the papers mostly write "Pemerintah Kota Bandung" where the mayor's agency is meant."""


def group_members(actors: pd.DataFrame, mapping: Mapping = PAPER_A_GROUPS,
                  nodes: Iterable[str] | None = None) -> dict[str, str]:
    """``{actor_id: group}`` for the actors that fall into one of ``mapping``'s groups.

    ``nodes`` restricts the result to those actor ids (e.g. the nodes of a graph). Raises ``ValueError``
    when an actor falls into two groups or an explicitly listed actor id is not in ``actors``.
    """
    known = set(actors["actor_id"])
    keep = set(nodes) if nodes is not None else known
    out: dict[str, str] = {}
    for group, rule in mapping.items():
        missing = set(rule.get("actors", ())) - known
        if missing:
            raise ValueError(f"group {group!r} lists unknown actor(s) {sorted(missing)}")
        for row in actors.itertuples(index=False):
            if row.actor_id not in keep:
                continue
            if row.actor_id in rule.get("actors", ()) or row.kind in rule.get("kinds", ()):
                if row.actor_id in out and out[row.actor_id] != group:
                    raise ValueError(f"actor {row.actor_id!r} is in groups {out[row.actor_id]!r} "
                                     f"and {group!r}")
                out[row.actor_id] = group
    return dict(sorted(out.items()))


# --------------------------------------------------------------------------------------------------
# Building the graphs

def _as_list(value) -> list[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, str):
        return [v for v in value.split(";") if v]
    return [str(v) for v in value]


def _clean(value):
    """Missing values (None, '', NaN, pandas NA) as None; everything else unchanged."""
    if value is None or (isinstance(value, str) and value == ""):
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
    unknown = (set(ties["source"]) | set(ties["target"])) - set(actors["actor_id"])
    if unknown:
        raise ValueError(f"ties name unknown actor(s): {sorted(unknown)}")
    chosen = actors if include_context else actors[actors["scope"] == "case"]
    G = nx.MultiDiGraph(include_context=bool(include_context))
    for row in chosen.sort_values("actor_id").to_dict("records"):
        attrs = {k: _clean(row.get(k)) for k in NODE_ATTRIBUTES}
        attrs["aliases"] = _as_list(row.get("aliases"))
        G.add_node(row["actor_id"], **attrs)
    for row in ties.sort_values("tie_id").to_dict("records"):
        if row["source"] not in G or row["target"] not in G:
            continue
        attrs = {k: _clean(row.get(k)) for k in EDGE_ATTRIBUTES}
        attrs["directed"] = _as_bool(row.get("directed"))
        for k in ("date_start", "date_end"):
            if attrs[k] is not None:
                attrs[k] = str(attrs[k])
        G.add_edge(row["source"], row["target"], key=row["tie_id"], tie_id=row["tie_id"], **attrs)
    return G


def collapse(G: nx.MultiDiGraph) -> nx.Graph:
    """The undirected weighted simple graph: ``weight`` = number of ties between two actors.

    Edges also carry ``relations`` and ``tie_ids`` (sorted, ``;``-joined). Node attributes are copied;
    isolated actors stay in the graph.
    """
    H = nx.Graph()
    H.add_nodes_from(sorted(G.nodes(data=True)))
    pairs: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for u, v, key, data in G.edges(keys=True, data=True):
        pairs.setdefault(tuple(sorted((u, v))), []).append((key, data.get("relation") or ""))
    for (u, v), items in sorted(pairs.items()):
        items.sort()
        H.add_edge(u, v, weight=len(items),
                   relations=";".join(sorted({r for _, r in items})),
                   tie_ids=";".join(k for k, _ in items))
    return H


# --------------------------------------------------------------------------------------------------
# Measures

def _degree(H: nx.Graph) -> dict[str, float]:
    return {n: float(d) for n, d in H.degree()}


def _weighted_degree(H: nx.Graph) -> dict[str, float]:
    return {n: float(d) for n, d in H.degree(weight="weight")}


def _betweenness(H: nx.Graph) -> dict[str, float]:
    # Topological (unweighted) shortest paths: ``weight`` counts ties, it is not a distance.
    return nx.betweenness_centrality(H, normalized=True)


def _eigenvector(H: nx.Graph) -> dict[str, float]:
    if H.number_of_edges() == 0:
        return {n: 0.0 for n in H}
    return nx.eigenvector_centrality(H, weight="weight", max_iter=10_000, tol=1e-12)


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
normalised betweenness on unweighted shortest paths; ``eigenvector`` and ``pagerank`` (alpha 0.85) use
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
    e.g. ``paper_a_group``). Columns are ``(measure, aggregation)``; ``n`` is the group size."""
    measures, aggregations = list(measures), list(aggregations)
    grouped = table.groupby(by, sort=True, dropna=True)
    out = grouped[measures].agg(aggregations)
    out.insert(0, ("n", ""), grouped.size())
    return out


# --------------------------------------------------------------------------------------------------
# Paper A's ranking under different measures

AGGREGATIONS: dict[str, Callable[[pd.Series], float]] = {
    "max": lambda s: float(s.max()),
    "mean": lambda s: float(s.mean()),
    "sum": lambda s: float(s.sum()),
}
"""How a group's score is made from its members' scores: its strongest member, its average member, or
the group's total."""


def kendall_tau(ranks: Mapping[str, float], reference: Iterable[str] = PAPER_A_RANKING) -> float:
    """Kendall's tau-b between ``ranks`` (group -> rank, 1 = first) and the reference order."""
    from scipy.stats import kendalltau

    reference = list(reference)
    observed = [ranks[g] for g in reference]
    expected = list(range(1, len(reference) + 1))
    if len(set(observed)) == 1:
        return float("nan")
    return float(kendalltau(expected, observed).statistic)


def group_scores(table: pd.DataFrame, membership: Mapping[str, str], measure: str,
                 aggregation: str = "max", groups: Iterable[str] = PAPER_A_RANKING) -> dict[str, float]:
    """Score of each group: ``aggregation`` of ``measure`` over its members present in ``table``
    (NaN for a group with no member)."""
    scores = {}
    for g in groups:
        members = sorted(a for a, grp in membership.items() if grp == g and a in table.index)
        scores[g] = AGGREGATIONS[aggregation](table.loc[members, measure]) if members else float("nan")
    return scores


def _rank_scores(scores: Mapping[str, float]) -> dict[str, float]:
    s = pd.Series(scores, dtype=float).round(12)
    return s.rank(ascending=False, method="min").to_dict()


def ranking_robustness(H: nx.Graph, actors: pd.DataFrame | None = None,
                       measures: Iterable[str] = tuple(MEASURES),
                       aggregations: Iterable[str] = ("max", "mean"),
                       mapping: Mapping = PAPER_A_GROUPS,
                       reference: Iterable[str] = PAPER_A_RANKING) -> pd.DataFrame:
    """Does paper A's ranking (mayor > business > consultant) hold under each measure and aggregation?

    ``H`` is the collapsed graph; group membership comes from ``mapping`` applied to ``actors`` (or, if
    ``actors`` is None, to the ``kind`` attribute of ``H``'s nodes). One row per (measure, aggregation):
    the groups' scores (``score_<group>``), their ranks (``rank_<group>``, 1 = first, ties share the
    best rank), the observed ``order`` (``>``-joined, ``=`` for ties), Kendall's tau-b against the
    paper's order (``tau``: +1 same order, -1 reversed) and ``matches_paper`` (exact order, no ties).
    Scores are unrounded.
    """
    reference = list(reference)
    if actors is None:
        actors = pd.DataFrame({"actor_id": sorted(H.nodes),
                               "kind": [H.nodes[n].get("kind") for n in sorted(H.nodes)]})
    membership = group_members(actors, mapping, nodes=H.nodes)
    table = centrality_table(H, measures)
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


VARIANTS: dict[str, dict] = {
    "case (default)": {},
    "case + context actors": {"include_context": True},
    "both mayors": {"mapping": "mayors-both"},
    "KSP counted as consultant": {"mapping": "ksp-as-consultant"},
    "Prof. Suhono counted as consultant": {"mapping": "consultant-incl-suhono"},
    "mayor credited with the city government's ties": {"mapping": "mayor-via-city-government"},
    "KSP dropped from the network": {"drop": ("ksp",)},
    "KSP and KSP experts dropped": {"drop": ("ksp", "ksp-experts")},
}
"""Alternative codings for :func:`robustness_variants`: ``include_context`` (scope), ``mapping`` (a key
of :data:`GROUP_MAPPINGS`), ``drop`` (actor ids removed from the network before measuring)."""


def robustness_variants(actors: pd.DataFrame, ties: pd.DataFrame,
                        variants: Mapping[str, Mapping] = VARIANTS,
                        measures: Iterable[str] = tuple(MEASURES),
                        aggregations: Iterable[str] = ("max", "mean"),
                        mapping: Mapping = PAPER_A_GROUPS) -> pd.DataFrame:
    """:func:`ranking_robustness` for every variant, stacked with a leading ``variant`` column.

    A variant's ``mapping`` is a key of :data:`GROUP_MAPPINGS` or a mapping itself; without one the
    ``mapping`` argument applies."""
    frames = []
    for name, spec in variants.items():
        G = build_multigraph(actors, ties, include_context=spec.get("include_context", False))
        G.remove_nodes_from([n for n in spec.get("drop", ()) if n in G])
        chosen = spec.get("mapping", mapping)
        chosen = GROUP_MAPPINGS[chosen] if isinstance(chosen, str) else chosen
        frame = ranking_robustness(collapse(G), actors, measures, aggregations, chosen)
        frame.insert(0, "variant", name)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def robustness_summary(robust: pd.DataFrame) -> pd.DataFrame:
    """Per variant (if present) and aggregation: how many measures reproduce the paper's order, the
    mean tau, and how often each group comes first."""
    keys = [k for k in ("variant", "aggregation") if k in robust.columns]
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
            attrs = {a: _export_value(x) for a, x in sorted(d.items())}
            attrs["id"] = str(k)
            H.add_edge(u, v, key=k, **attrs)
    else:
        for u, v, d in sorted(G.edges(data=True), key=lambda e: (e[0], e[1])):
            H.add_edge(u, v, **{a: _export_value(x) for a, x in sorted(d.items())})
    return H


def graphml_bytes(G: nx.Graph) -> bytes:
    """GraphML text of an export graph (:func:`export_graph`)."""
    return ("\n".join(nx.generate_graphml(G, encoding="utf-8", prettyprint=True)) + "\n").encode("utf-8")


def gexf_bytes(G: nx.Graph) -> bytes:
    """GEXF 1.2 text of an export graph (:func:`export_graph`), for Gephi."""
    return ("\n".join(nx.generate_gexf(G, encoding="utf-8", prettyprint=True, version="1.2draft"))
            + "\n").encode("utf-8")


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
    """Write ``stem.graphml``, ``stem.gexf`` (the multigraph), ``stem-collapsed.graphml`` (the weighted
    simple graph), ``nodes.csv``, ``edges.csv`` and ``edges-collapsed.csv`` into ``folder`` through
    :mod:`compendium.artefacts` (atomic, staged during a build). Returns the paths."""
    from compendium import artefacts

    folder = Path(folder)
    E = export_graph(G, node_extra, labels)
    C = export_graph(collapse(G), node_extra, labels)
    return [
        artefacts.write_bytes(folder / f"{stem}.graphml", graphml_bytes(E)),
        artefacts.write_bytes(folder / f"{stem}.gexf", gexf_bytes(E)),
        artefacts.write_bytes(folder / f"{stem}-collapsed.graphml", graphml_bytes(C)),
        artefacts.write_csv(node_table(G, node_extra), folder / "nodes.csv"),
        artefacts.write_csv(edge_table(G), folder / "edges.csv"),
        artefacts.write_csv(edge_table(collapse(G)), folder / "edges-collapsed.csv"),
    ]


# --------------------------------------------------------------------------------------------------
# Layout and figures

SHORT_LABELS: dict[str, str] = {
    "bandung-city": "Bandung City Gov.", "seoul-city": "Seoul City Gov.",
    "ridwan-kamil": "Ridwan Kamil\n(Mayor of Bandung)", "seoul-mayor": "Mayor of Seoul",
    "suhono-harso-supangkat": "Prof. Suhono\nHarso Supangkat", "lapi-itb": "LAPI ITB", "itb": "ITB",
    "ksp": "KSP", "ksp-experts": "KSP experts", "moef": "MoEF (Korea)",
    "korea-government": "Gov. of Korea", "kofice": "KOFICE", "korean-investors": "Korean investors",
    "korea-exim-bank": "Korean Exim Bank", "posco": "Posco", "pt-total-solution-intelligent":
    "PT Total Solution\nIntelligent", "seoul-institute": "The Seoul Institute",
    "its-korea": "ITS Korea", "dongil-consultants": "Dongil Eng.\nConsultants",
    "seoul-tax-department": "Seoul Tax Dept.", "diskominfo-bandung": "Diskominfo",
    "dpupr-bandung": "DPUPR", "dishub-bandung": "Dinas Transportasi", "bappelitbang-bandung":
    "Bappelitbang", "bagian-pembangunan": "Bagian Pembangunan", "bppd-bandung": "BPPD",
    "staff-ahli-kerjasama": "Staff Ahli\nKerjasama", "bandung-asn": "Bandung ASN\n(civil servants)",
    "bandung-students": "Bandung students", "bandung-schools-universities":
    "Bandung schools\n& universities", "sister-city-international": "Sister Cities Int.",
    "asean-korea-centre": "ASEAN-Korea Centre", "kemlu": "Kemlu (MoFA)",
    "indonesia-government": "Gov. of Indonesia", "sby": "President SBY",
    "dwight-eisenhower": "D. Eisenhower",
}
"""Short display labels for the figures (the exports keep the printed ``name``)."""

COUNTRY_COLOURS = {"ID": "#D55E00", "KR": "#0072B2", "INT": "#009E73", "other": "#999999"}
COUNTRY_NAMES = {"ID": "Indonesia", "KR": "South Korea", "INT": "international", "other": "other"}
ROLE_MARKERS = {"internal": "o", "external": "s", "go-between": "D", "none": "^", "unclear": "v"}


def short_label(G: nx.Graph, node: str) -> str:
    return SHORT_LABELS.get(node) or G.nodes[node].get("name_en") or G.nodes[node].get("name") or node


def layout_column(attrs: Mapping) -> int:
    """The column of an actor in :func:`layered_layout`: Indonesian national, Indonesian subnational,
    Indonesian non-state, international / other, Korean non-state, Korean subnational and national --
    the two states at the edges, the non-state go-betweens in the middle."""
    country, level = attrs.get("country"), attrs.get("level")
    if country == "ID":
        return {"national": 0, "subnational": 1}.get(level, 2)
    if country == "KR":
        return 4 if level in ("non-state", "international") else 5
    return 3


def layered_layout(G: nx.Graph, sweeps: int = 12, column_gap: float = 3.0,
                   spread: bool = False,
                   nudges: Mapping[str, float] | None = None) -> dict[str, tuple[float, float]]:
    """Deterministic positions: columns from :func:`layout_column`, order inside a column by repeated
    barycentre sweeps (mean height of the neighbours, ties broken by id), rows one unit apart,
    centred (with ``spread``, a short column is spread over the tallest column's height, rows at most
    2.5 units apart); isolated actors at the bottom of their column; then ``nudges`` (actor -> y;
    default :data:`LAYOUT_NUDGES`, ``{}`` for none).
    The same graph always gives the same positions."""
    U = nx.Graph(G) if not G.is_multigraph() else nx.Graph(G.to_undirected())
    columns: dict[int, list[str]] = {}
    for n in sorted(U.nodes):
        columns.setdefault(layout_column(U.nodes[n]), []).append(n)
    tallest = max(len(nodes) for nodes in columns.values())

    def step(n: int) -> float:
        # with ``spread``, short columns are spread over the tallest one's height (rows <= 2.5 apart)
        if not spread or n < 2:
            return 1.0
        return min(2.5, (tallest - 1) / (n - 1))

    y = {}
    for nodes in columns.values():
        for i, n in enumerate(nodes):
            y[n] = (i - (len(nodes) - 1) / 2) * step(len(nodes))
    for _ in range(sweeps):
        for c in sorted(columns):
            bary = {}
            for n in columns[c]:
                nbrs = [y[m] for m in U.neighbors(n) if m != n]
                bary[n] = sum(nbrs) / len(nbrs) if nbrs else y[n]
            # isolated actors go to the bottom of their column
            columns[c] = sorted(columns[c], key=lambda n: (U.degree(n) == 0, round(bary[n], 9), n))
            for i, n in enumerate(columns[c]):
                y[n] = (i - (len(columns[c]) - 1) / 2) * step(len(columns[c]))
    pos = {n: (layout_column(U.nodes[n]) * column_gap, -y[n]) for n in sorted(U.nodes)}
    for n, height in (LAYOUT_NUDGES if nudges is None else nudges).items():
        if n in pos:
            pos[n] = (pos[n][0], float(height))
    return pos


LAYOUT_NUDGES: dict[str, float] = {"sister-city-international": 4.0, "asean-korea-centre": -4.6}
"""Hand-set heights (y) for actors whose computed place sits on the thick Bandung–Seoul/KSP edges:
the two international actors are moved to the top and bottom of the middle column. Applied by
:func:`layered_layout` (``nudges``) after the sweeps."""


def layout_table(pos: Mapping[str, tuple[float, float]]) -> pd.DataFrame:
    """Positions as data (index ``actor_id``, columns ``x``, ``y``, rounded to 4 decimals)."""
    return pd.DataFrame([(n, round(x, 4), round(y, 4)) for n, (x, y) in sorted(pos.items())],
                        columns=["actor_id", "x", "y"]).set_index("actor_id")


def _draw_edge(ax, p, q, rad=0.0, lw=1.0, color="#888888", alpha=0.6, arrow=False, zorder=1):
    from matplotlib.patches import FancyArrowPatch

    ax.add_patch(FancyArrowPatch(p, q, connectionstyle=f"arc3,rad={rad}",
                                 arrowstyle="-|>" if arrow else "-", mutation_scale=9,
                                 lw=lw, color=color, alpha=alpha, shrinkA=7, shrinkB=7, zorder=zorder))


def _edge_rad(p, q, gap: float = 3.0) -> float:
    """Curvature of an edge drawn from ``p`` to ``q`` (``p`` left of or below ``q``): arcs inside a
    column, straight between neighbouring columns, a gentle bow for edges that jump columns (so they
    do not run through the nodes and labels of the columns in between)."""
    span = round(abs(q[0] - p[0]) / gap)
    if span == 0:
        return 0.45
    return 0.0 if span == 1 else 0.12


def _draw_nodes(ax, G, pos, sizes, nodes=None, faded=False, zorder=3):
    nodes = sorted(G.nodes) if nodes is None else sorted(nodes)
    for role, marker in ROLE_MARKERS.items():
        chosen = [n for n in nodes if G.nodes[n].get("role") == role]
        if not chosen:
            continue
        ax.scatter([pos[n][0] for n in chosen], [pos[n][1] for n in chosen],
                   s=[sizes.get(n, 60) for n in chosen], marker=marker,
                   c=["#dddddd" if faded else COUNTRY_COLOURS.get(G.nodes[n].get("country"), "#999999")
                      for n in chosen],
                   edgecolors="#bbbbbb" if faded else "black", linewidths=0.6, zorder=zorder)


def _legend(ax, G, extra=None, loc="lower center", ncol=5, bbox=(0.5, -0.08), fontsize=8):
    from matplotlib.lines import Line2D

    present_c = sorted({G.nodes[n].get("country") for n in G}, key=lambda c: list(COUNTRY_COLOURS).index(c))
    present_r = [r for r in ROLE_MARKERS if any(G.nodes[n].get("role") == r for n in G)]
    handles = [Line2D([], [], ls="", marker="o", ms=8, mfc=COUNTRY_COLOURS[c], mec="black",
                      label=f"{COUNTRY_NAMES[c]} ({c})") for c in present_c]
    handles += [Line2D([], [], ls="", marker=ROLE_MARKERS[r], ms=8, mfc="white", mec="black",
                       label=f"role: {r}") for r in present_r]
    handles += list(extra or [])
    ax.legend(handles=handles, loc=loc, ncol=ncol, bbox_to_anchor=bbox, frameon=False,
              fontsize=fontsize, handletextpad=0.4, columnspacing=1.2)


def draw_network(G: nx.MultiDiGraph, pos: Mapping | None = None, title: str | None = None,
                 figsize=(17, 11)):
    """The whole network: collapsed edges (width = number of ties; arcs inside a column), node colour =
    country, marker = Mattioli–Rodrigues role, size = number of ties, labels under the nodes.
    Returns the matplotlib figure."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from compendium.artefacts import configure_matplotlib

    configure_matplotlib()
    H = collapse(G)
    pos = pos or layered_layout(H)
    fig, ax = plt.subplots(figsize=figsize)
    for u, v, d in H.edges(data=True):
        p, q = sorted((pos[u], pos[v]))
        _draw_edge(ax, p, q, rad=_edge_rad(p, q), lw=0.7 + 0.8 * (d["weight"] - 1))
    wdeg = dict(H.degree(weight="weight"))
    sizes = {n: 50 + 28 * wdeg[n] for n in H}
    _draw_nodes(ax, H, pos, sizes)
    for n in H:
        x, y = pos[n]
        ax.annotate(short_label(H, n), (x, y), xytext=(0, -9 - 0.35 * sizes[n] ** 0.5),
                    textcoords="offset points", ha="center", va="top", fontsize=8.5, zorder=5,
                    bbox=dict(boxstyle="round,pad=0.12", fc="white", ec="none", alpha=0.8))
    headers = ["Indonesia:\nnational", "Indonesia:\ncity of Bandung", "Indonesia:\nnon-state",
               "international", "Korea:\nnon-state", "Korea:\nSeoul & national"]
    top = max(y for _, y in pos.values()) + 1.1
    for c in sorted({layout_column(H.nodes[n]) for n in H}):
        x = next(pos[n][0] for n in H if layout_column(H.nodes[n]) == c)
        ax.text(x, top, headers[c], ha="center", va="bottom", fontsize=10, color="#444444",
                fontweight="bold")
    widths = [Line2D([], [], color="#888888", lw=0.7 + 0.8 * (w - 1), label=f"{w} tie{'s' * (w > 1)}")
              for w in (1, 3, 5)]
    _legend(ax, H, extra=widths, ncol=7)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 1.4, max(xs) + 1.4)
    ax.set_ylim(min(ys) - 1.2, top + 1.0)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=13, loc="left")
    return fig


def _relation_text(G: nx.MultiDiGraph, ego: str, alter: str) -> str:
    parts = {}
    for u, v, d in list(G.edges(data=True)):
        if {u, v} != {ego, alter} or u == v:
            continue
        arrow = "↔" if not d.get("directed") else ("→" if u == ego else "←")
        parts[(d.get("relation"), arrow)] = parts.get((d.get("relation"), arrow), 0) + 1
    return ", ".join(f"{arrow} {rel}" + (f" ×{k}" if k > 1 else "")
                     for (rel, arrow), k in sorted(parts.items()))


def draw_ego(G: nx.MultiDiGraph, actor: str, title: str | None = None, figsize=(11, 10)):
    """The ego network (radius 1) of ``actor``: ego in the centre, partners on a circle (sorted by
    country, then id), each partner's label listing the ties with the ego (→ ego acts, ← partner acts,
    ↔ symmetric; ×n repeated); grey arcs are ties among the partners."""
    import math as _m

    import matplotlib.pyplot as plt

    from compendium.artefacts import configure_matplotlib

    configure_matplotlib()
    E = ego_network(G, actor)
    C = collapse(E)
    alters = sorted((n for n in C if n != actor),
                    key=lambda n: (list(COUNTRY_COLOURS).index(C.nodes[n].get("country")), n))
    pos = {actor: (0.0, 0.0)}
    k = len(alters)
    for i, n in enumerate(alters):
        a = _m.pi / 2 - 2 * _m.pi * i / max(k, 1) - (_m.pi / k if k % 2 == 0 and k > 2 else 0)
        pos[n] = (_m.cos(a), _m.sin(a))
    fig, ax = plt.subplots(figsize=figsize)
    for u, v, d in C.edges(data=True):
        if actor in (u, v):
            _draw_edge(ax, pos[u], pos[v], lw=0.9 + 0.9 * (d["weight"] - 1), color="#555555", alpha=0.8)
        else:
            _draw_edge(ax, pos[u], pos[v], rad=0.25, lw=0.7, color="#aaaaaa", alpha=0.7)
    wdeg = dict(C.degree(weight="weight"))
    sizes = {n: 90 + 30 * wdeg[n] for n in C}
    _draw_nodes(ax, C, pos, sizes)
    ax.annotate(short_label(C, actor), pos[actor], xytext=(0, -(sizes[actor] ** 0.5 / 2 + 4)),
                textcoords="offset points",
                ha="center", va="top", fontsize=11, fontweight="bold", zorder=6,
                bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.85))
    for n in alters:
        x, y = pos[n]
        ha = "left" if x > 0.15 else ("right" if x < -0.15 else "center")
        va = "bottom" if y > 0.5 else ("top" if y < -0.5 else "center")
        text = short_label(C, n).replace("\n", " ") + "\n" + _relation_text(E, actor, n)
        off = sizes[n] ** 0.5 / 2 + 5
        ax.annotate(text, (x, y), xytext=(off * x, off * y), textcoords="offset points", ha=ha, va=va,
                    fontsize=8.5, zorder=6, linespacing=1.15,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85))
    _legend(ax, C, ncol=5, bbox=(0.5, -0.04))
    ax.set_xlim(-1.9, 1.9)
    ax.set_ylim(-1.45, 1.45)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title or f"Ego network of {short_label(C, actor).splitlines()[0]}", fontsize=13,
                 loc="left")
    return fig


def draw_by_year(G: nx.MultiDiGraph, years: Iterable[int] = range(2013, 2020),
                 pos: Mapping | None = None, ncols: int = 4, figsize=(22, 13)):
    """Small multiples: for each year the dated ties active in it (see :func:`tie_years`), drawn on the
    whole network's layout (inactive actors faded). Returns the figure."""
    import matplotlib.pyplot as plt

    from compendium.artefacts import configure_matplotlib

    configure_matplotlib()
    years = list(years)
    H = collapse(G)
    pos = pos or layered_layout(H)
    nrows = -(-len(years) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize)
    axes = list(getattr(axes, "flat", [axes]))
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    for ax, year in zip(axes, years):
        Y = year_subgraph(G, year)
        YC = collapse(Y)
        _draw_nodes(ax, H, pos, {n: 18 for n in H}, nodes=[n for n in H if n not in Y], faded=True)
        for u, v, d in YC.edges(data=True):
            p, q = sorted((pos[u], pos[v]))
            _draw_edge(ax, p, q, rad=_edge_rad(p, q),
                       lw=0.8 + 0.8 * (d["weight"] - 1), color="#444444", alpha=0.8)
        _draw_nodes(ax, H, pos, {n: 60 for n in H}, nodes=list(Y.nodes))
        for n in sorted(Y.nodes):
            ax.annotate(short_label(H, n).replace("\n", " "), pos[n], xytext=(0, -6),
                        textcoords="offset points", ha="center", va="top", fontsize=7, zorder=6,
                        bbox=dict(boxstyle="round,pad=0.08", fc="white", ec="none", alpha=0.8))
        ax.set_title(f"{year}: {Y.number_of_edges()} dated tie{'s' * (Y.number_of_edges() != 1)}",
                     fontsize=11, loc="left")
        ax.set_xlim(min(xs) - 1.6, max(xs) + 1.6)
        ax.set_ylim(min(ys) - 0.9, max(ys) + 0.6)
        ax.axis("off")
    for ax in axes[len(years):]:
        ax.axis("off")
    if len(axes) > len(years):
        _legend(axes[-1], H, loc="center", ncol=1, bbox=(0.5, 0.5), fontsize=9)
    return fig
