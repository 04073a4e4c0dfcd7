"""The network exports as other tools open them: Gephi (GEXF with viz attributes) and igraph (GraphML)."""

from __future__ import annotations

import math
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from compendium.analysis import network as nw
from compendium.render import network_figures as nwfig
from tests.test_network import star  # noqa: F401  (the fixture: a mayor in the middle of a star)

ROOT = Path(__file__).resolve().parents[1]
GEXF = "{http://www.gexf.net/1.2draft}"
VIZ = "{http://www.gexf.net/1.2draft/viz}"


@pytest.fixture
def exported(star, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.delenv("COMPENDIUM_STAGE_DIR", raising=False)
    monkeypatch.delenv("COMPENDIUM_ARTEFACT_LOG", raising=False)
    actors, ties = star
    G = nw.build_multigraph(actors, ties)
    nw.export_network(G, tmp_path)
    return G, tmp_path


def _viz(path: Path) -> dict[str, dict]:
    root = ET.parse(path).getroot()
    out = {}
    for node in root.iter(f"{GEXF}node"):
        pos, col, size = node.find(f"{VIZ}position"), node.find(f"{VIZ}color"), node.find(f"{VIZ}size")
        assert pos is not None and col is not None and size is not None, node.get("id")
        out[node.get("id")] = {"x": float(pos.get("x")), "y": float(pos.get("y")),
                               "rgb": (int(col.get("r")), int(col.get("g")), int(col.get("b"))),
                               "size": float(size.get("value"))}
    return out


def test_gexf_is_laid_out_coloured_and_sized_as_the_network_figure(exported):
    G, folder = exported
    viz = _viz(folder / "network.gexf")
    assert sorted(viz) == ["biz", "city", "con1", "con2", "mayor"]
    # columns of the layered layout (3 units apart, x 70 Gephi units each): Indonesian city level 1,
    # Indonesian non-state 2, Korean non-state 4
    assert {n: v["x"] for n, v in viz.items()} == {"mayor": 210.0, "city": 210.0, "con1": 420.0,
                                                   "biz": 840.0, "con2": 840.0}
    pos = nwfig.layered_layout(nw.collapse(G))  # the positions network-whole is drawn at
    assert all(v["y"] == pytest.approx(pos[n][1] * nw.GEXF_SCALE) for n, v in viz.items())
    # the figure's colours by country: Indonesia #D55E00, Korea #0072B2
    assert viz["mayor"]["rgb"] == viz["con1"]["rgb"] == (0xD5, 0x5E, 0x00)
    assert viz["biz"]["rgb"] == viz["con2"]["rgb"] == (0x00, 0x72, 0xB2)
    # size: the marker's diameter, area 50 + 28 per tie; the mayor has 5 ties, the business 2, city 1
    ties = {"mayor": 5, "biz": 2, "city": 1, "con1": 1, "con2": 1}
    assert {n: v["size"] for n, v in viz.items()} == {n: round(math.sqrt(50 + 28 * t), 3) for n, t in ties.items()}


def test_gexf_has_no_date_and_keeps_the_tie_ids(exported):
    _, folder = exported
    text = (folder / "network.gexf").read_text(encoding="utf-8")
    assert "lastmodifieddate" not in text
    root = ET.fromstring(text)
    assert sorted(e.get("id") for e in root.iter(f"{GEXF}edge")) == [f"tie-00{i}" for i in range(1, 6)]


def test_the_committed_gexf_carries_viz_for_every_actor():
    viz = _viz(ROOT / "tables" / "network" / "network.gexf")
    nodes = ET.parse(ROOT / "tables" / "network" / "network.gexf").getroot().iter(f"{GEXF}node")
    assert len(viz) == len(list(nodes)) > 20
    assert len({(v["x"], v["y"]) for v in viz.values()}) == len(viz)  # no two actors on one spot


def _read_with_igraph(path: Path):
    import igraph

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        graph = igraph.Graph.Read_GraphML(str(path))
    assert not caught, f"{path.name}: igraph warns: {[str(w.message) for w in caught]}"
    return graph


def test_igraph_reads_the_graphml_exports_without_warnings(exported):
    G, folder = exported
    multi = _read_with_igraph(folder / "network.graphml")
    assert multi.is_directed() and (multi.vcount(), multi.ecount()) == (5, 5)
    # each tie keeps its id as an attribute (igraph 1.0 fills its own edge 'id' from the XML unreliably)
    assert sorted(multi.es["tie_id"]) == [f"tie-00{i}" for i in range(1, 6)]
    ends = {e["tie_id"]: (multi.vs[e.source]["id"], multi.vs[e.target]["id"]) for e in multi.es}
    assert ends["tie-004"] == ("con2", "mayor")
    collapsed = _read_with_igraph(folder / "network-collapsed.graphml")
    assert not collapsed.is_directed() and collapsed.ecount() == 4
    weights = {frozenset((collapsed.vs[e.source]["id"], collapsed.vs[e.target]["id"])): e["weight"]
               for e in collapsed.es}
    assert weights[frozenset(("mayor", "biz"))] == 2


@pytest.mark.parametrize("name", ["network.graphml", "network-collapsed.graphml"])
def test_igraph_reads_the_committed_graphml_without_warnings(name):
    graph = _read_with_igraph(ROOT / "tables" / "network" / name)
    assert graph.vcount() > 20 and graph.ecount() > 20
