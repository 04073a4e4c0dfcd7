"""Figures of the actor network: a deterministic layered layout and the drawings of notebook 02.

The graphs come from :mod:`compendium.analysis.network`; nothing here computes a measure. The layout puts each
actor in a column by country and level (the Indonesian state on the left, the Korean state on the right,
non-state go-betweens between them) and orders each column by sweeps that reduce edge crossings --
no random seed, so every build draws the same picture. Figures are returned, never saved: save them with
:func:`compendium.render.artefacts.save_figure`.
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx
import pandas as pd

from compendium.analysis.network import collapse, ego_network

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


def marker_area(ties: float) -> float:
    """The area (points²) of an actor's marker in :func:`draw_network`: it grows with the actor's number
    of ties. The GEXF export sizes Gephi's nodes by the same rule (:func:`compendium.analysis.network.gephi_viz`)."""
    return 50 + 28 * ties


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

    from compendium.render.artefacts import configure_matplotlib

    configure_matplotlib()
    H = collapse(G)
    pos = pos or layered_layout(H)
    fig, ax = plt.subplots(figsize=figsize)
    for u, v, d in H.edges(data=True):
        p, q = sorted((pos[u], pos[v]))
        _draw_edge(ax, p, q, rad=_edge_rad(p, q), lw=0.7 + 0.8 * (d["weight"] - 1))
    wdeg = dict(H.degree(weight="weight"))
    sizes = {n: marker_area(wdeg[n]) for n in H}
    _draw_nodes(ax, H, pos, sizes)
    for n in H:
        x, y = pos[n]
        # An opaque box: thick edges pass under the labels, never through them.
        ax.annotate(short_label(H, n), (x, y), xytext=(0, -9 - 0.35 * sizes[n] ** 0.5),
                    textcoords="offset points", ha="center", va="top", fontsize=8.5, zorder=5,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=1.0))
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

    from compendium.render.artefacts import configure_matplotlib

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


#: How a tie's date is known: printed in the tie's own quoted sentence, or read by the coder from context.
DATE_BASIS = {"quote": ("year printed in the quoted sentence", "#2c5d8f"),
              "context": ("dated by the coder from the context (see the tie's rationale)", "#9ecae1")}


def date_basis(tie: Mapping, quotes: Mapping[str, str]) -> str:
    """``"quote"`` when the tie's start year is printed in its own quote, else ``"context"``."""
    from compendium.coding import date_bounds

    year = date_bounds(str(tie["date_start"]))[0][0]
    return "quote" if str(year) in quotes.get(tie["segment_id"], "") else "context"


def draw_dated_ties(G: nx.MultiDiGraph, quotes: Mapping[str, str], window: tuple[int, int] = (2013, 2019),
                    title: str | None = None):
    """The ties the coding dates, on a time axis: one bar per tie from its start to its end (a single
    year or month when it has no end), labelled ``source → target · relation (tie id)``, coloured by
    how its date is known (:data:`DATE_BASIS`). ``quotes``: segment id → quote. Undated ties, most of
    the network, are counted in the title, not drawn. Returns the figure."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from compendium.render.artefacts import configure_matplotlib
    from compendium.analysis.outputs import decimal_year

    configure_matplotlib()
    H = collapse(G)
    ties = sorted(((decimal_year(d["date_start"]), decimal_year(d.get("date_end") or d["date_start"], end=True),
                    k, u, v, d) for u, v, k, d in G.edges(keys=True, data=True) if d.get("date_start")),
                  key=lambda t: (t[0], t[1], t[2]))
    fig, ax = plt.subplots(figsize=(10, 1.6 + 0.34 * len(ties)))
    for row, (start, end, key, u, v, d) in enumerate(ties):
        basis = date_basis(d, quotes)
        ax.barh(row, end - start, left=start, height=0.6, color=DATE_BASIS[basis][1], edgecolor="white")
        name = f"{short_label(H, u)} → {short_label(H, v)}".replace("\n", " ")
        ax.text(window[0] - 0.1, row, f"{name} · {d['relation']} ({key})", ha="right", va="center", fontsize=8.5)
    ax.set_xlim(window[0], window[1] + 1)
    ax.set_xticks([y + 0.5 for y in range(window[0], window[1] + 1)],
                  [str(y) for y in range(window[0], window[1] + 1)])
    ax.set_xticks(range(window[0], window[1] + 2), minor=True)
    ax.tick_params(axis="x", which="major", length=0)
    ax.grid(axis="x", which="minor", color="#dddddd")
    ax.set_axisbelow(True)
    ax.set_ylim(len(ties) - 0.4, -0.6)
    ax.set_yticks([])
    ax.spines[["top", "right", "left"]].set_visible(False)
    # Inside the axes, bottom left: the years before the KSP consultation hold few ties.
    ax.legend(handles=[Patch(color=c, label=label) for label, c in DATE_BASIS.values()],
              loc="lower left", frameon=True, framealpha=1.0, edgecolor="#dddddd", fontsize=8.5)
    total = G.number_of_edges()
    ax.set_title(title or f"The {len(ties)} dated ties of the {total} case ties "
                          f"(the other {total - len(ties)} carry no date in the papers)",
                 fontsize=11, loc="left")
    return fig
