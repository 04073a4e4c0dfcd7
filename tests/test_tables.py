"""Regenerated tables against the papers: B-Tabel-1, B-Tabel-2, the KSP steps and the principles are
compared CELL BY CELL with the transcriptions typed exactly as printed (data/reference/), read here with
the csv module -- never with the code's own output. The reconstructed tables are checked against the
coding and the paper texts."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from compendium import coding
from compendium.papers import sources
from compendium.render import tables
from compendium.analysis import network as nw

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

REFERENCE = ROOT / "data" / "reference"

# transcription column -> regenerated column (the printed header where the paper prints one)
COLUMNS = {
    "tabel_1": {"no": "No.", "kondisi_kota_bandung_saat_ini": "Kondisi Kota Bandung Saat ini",
                "bandung_smart_city": "Bandung Smart City"},
    "tabel_2": {"dimensi_kerjasama": "Dimensi Kerjasama", "no": "No.", "implementasi_kerjasama": "Implementasi Kerjasama"},
    "ksp_steps": {"no": "No.", "tahapan": "Tahapan", "venue": "Venue"},
    "principles": {"no": "No.", "prinsip": "Prinsip", "keterangan": "Keterangan"},
}


@pytest.fixture(scope="module")
def data():
    return coding.load()


def transcription(name: str) -> list[dict[str, str]]:
    with open(REFERENCE / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def cell_diff(frame: pd.DataFrame, rows: list[dict[str, str]], columns: dict[str, str]) -> list[str]:
    """Readable differences: which row, which column, expected (printed) vs got (regenerated)."""
    out = []
    if len(frame) != len(rows):
        out.append(f"row count: expected {len(rows)} (printed), got {len(frame)}")
    missing = [c for c in columns.values() if c not in frame.columns]
    if missing:
        return out + [f"missing column(s) {missing}; got {list(frame.columns)}"]
    for i, row in enumerate(rows[: len(frame)], start=1):
        got_row = frame.iloc[i - 1]
        for ref_col, col in columns.items():
            got = "" if pd.isna(got_row[col]) else str(got_row[col])
            if got != row[ref_col]:
                out.append(f"row {i}, column {col!r}: expected {row[ref_col]!r}, got {got!r}")
    return out


def assert_same(frame, name, columns=None):
    diffs = cell_diff(frame, transcription(name), columns or COLUMNS[name])
    assert not diffs, f"{len(diffs)} cell(s) differ from data/reference/{name}.csv:\n" + "\n".join(diffs)


def test_tabel_1_matches_the_printed_table(data):
    assert_same(tables.conditions_table(data["conditions"]).frame, "tabel_1")


def test_tabel_2_matches_the_printed_table_in_printed_order(data):
    table = tables.dimension_items(data["policy_outputs"])
    assert_same(table.frame, "tabel_2")
    assert list(dict.fromkeys(table.frame["Dimensi Kerjasama"])) == [
        "Smart Government", "Smart Branding", "Smart Living", "Smart Environment"]


def test_ksp_steps_match_the_printed_list(data):
    assert_same(tables.ksp_steps(data["stages"]).frame, "ksp_steps")


def test_principles_match_paper_b(data):
    assert_same(tables.principles(data["principles"], paper="B").frame, "principles")


def test_principles_of_paper_a_differ_only_where_the_readme_says(data):
    """The reference README: paper A prints the list identically except principle 3, 'bisnis- bisnis'."""
    expected = transcription("principles")
    expected[2]["keterangan"] = expected[2]["keterangan"].replace("bisnis-bisnis", "bisnis- bisnis")
    diffs = cell_diff(tables.principles(data["principles"], data["segments"], paper="A").frame, expected,
                      COLUMNS["principles"])
    assert not diffs, "\n".join(diffs)


def test_the_diff_names_row_column_expected_and_got(data):
    """The comparison itself can fail, and says where."""
    frame = tables.dimension_items(data["policy_outputs"]).frame.copy()
    frame.loc[9, "Implementasi Kerjasama"] = "Dissemination"
    diffs = cell_diff(frame, transcription("tabel_2"), COLUMNS["tabel_2"])
    assert len(diffs) == 1
    assert diffs[0].startswith("row 10, column 'Implementasi Kerjasama': expected 'Kunjungan")
    assert diffs[0].endswith("got 'Dissemination'")


@pytest.mark.parametrize("header", ["Kondisi Kota Bandung Saat ini", "Bandung Smart City",
                                    "Dimensi Kerjasama", "Implementasi Kerjasama"])
def test_printed_column_headers_are_the_papers_words(header):
    assert sources.paper("B").find(header), f"{header!r} is not printed in paper B"


def test_english_columns_stand_beside_every_table(data):
    for table in (tables.conditions_table(data["conditions"]), tables.dimension_items(data["policy_outputs"]),
                  tables.ksp_steps(data["stages"]), tables.principles(data["principles"])):
        en = [c for c in table.frame.columns if c.endswith("(EN)")]
        assert en, f"{table.artefact_id} has no English column"
        for c in en:
            assert table.frame[c].astype(str).str.strip().ne("").all(), f"{table.artefact_id}: empty cells in {c}"


# ------------------------------------------------------------------------------ reconstructions (A)
def test_cooperation_map_holds_every_tabel_2_item_and_says_where_support_comes_from(data):
    t = tables.cooperation_map(data["policy_outputs"], data["segments"], data["actors"])
    f = t.frame
    printed = {r["implementasi_kerjasama"] for r in transcription("tabel_2")}
    assert printed <= set(f["Isi"]), f"Tabel 2 items missing from the map: {printed - set(f['Isi'])}"
    assert list(dict.fromkeys(f["Kolom"])) == ["Smart Branding", "Smart Living", "Smart Environment",
                                               "Smart Government"]
    assert "RECONSTRUCTION" in t.note and "Tabel 2" in t.note
    # paper A lists the content of its 'kolom Smart Living' on p. 574: Exim Bank visit, Posco, PT TSI
    column = f[f["Dukungan teks A"] == "A: isi + kolom"]
    assert set(column["Kolom"]) == {"Smart Living"}
    for name in ("Korean Exim Bank", "Posco Steel Korea", "PT Total Solution Intelligent"):
        assert column["Isi"].str.contains(name, regex=False).any(), name
    # cells with no paper-A evidence are borrowed, and say so
    borrowed = f[f["Segmen A"] == ""]
    assert (borrowed["Dukungan teks A"] == "dipinjam dari Tabel 2 B").all()
    assert "Bandung Techno Polis" in set(borrowed["Isi"])


def test_cooperation_map_evidence_is_paper_a_on_the_stated_pages(data):
    f = tables.cooperation_map(data["policy_outputs"], data["segments"], data["actors"]).frame
    seg = data["segments"].set_index("segment_id")
    for _, row in f[f["Segmen A"] != ""].iterrows():
        ids = row["Segmen A"].split("; ")
        assert all(seg.loc[i, "paper"] == "A" for i in ids), ids
        pages = sorted({int(seg.loc[i, "page"]) for i in ids})
        assert row["Hal. A"] == ", ".join(map(str, pages))


def test_actor_roles_stated_vs_inferred_and_ranking(data):
    t = tables.actor_roles(data["actors"], data["segments"], data["ranking_groups"])
    f = t.frame
    actors = data["actors"].set_index("name")
    for _, row in f.iterrows():
        a = actors.loc[row["Aktor"]]
        assert row["Basis (EN)"] == a["role_basis"]
        assert row["Actor type (EN)"] == a["role"]
    assert list(dict.fromkeys(f["Tipe aktor"])) == ["internal", "eksternal", "go-between"]
    rank_col = next(c for c in f.columns if c.startswith("Peringkat A"))
    by_rank = {r: set(f.loc[f[rank_col].str.startswith(str(r)), "Aktor"]) for r in (1, 2, 3)}
    assert "Ridwan Kamil" in by_rank[1]
    assert "pebisnis Korea Selatan" in by_rank[2]
    assert "LAPI ITB" in by_rank[3]
    # the ranking rests on paper A's own sentence, on p. 573
    ranking = nw.ranking(data)
    seg = data["segments"].set_index("segment_id").loc[ranking.segments[("default", ranking.order[0])]]
    assert "Aktor signifikan kedua adalah pebisnis" in seg["quote"] and int(seg["page"]) == 573
    assert [h.page for h in sources.paper("A").find(seg["quote"])] == [573]


# --------------------------------------------------------------------------------------- writers
def test_write_table_writes_four_formats_that_agree(tmp_path, data):
    t = tables.ksp_steps(data["stages"])
    paths = tables.write_table(t, tmp_path, "Caption & more", "English", "Sumber: x_y")
    assert [p.name for p in paths] == [f"B-ksp-steps.{ext}" for ext in ("csv", "md", "tex", "html")]
    back = pd.read_csv(tmp_path / "B-ksp-steps.csv", dtype=str, keep_default_na=False)
    assert back.values.tolist() == t.frame.astype(str).values.tolist()
    md = (tmp_path / "B-ksp-steps.md").read_text(encoding="utf-8")
    assert "| Launching Seminar & High-Level Meeting |" in md and "Sumber: x_y" in md
    tex = (tmp_path / "B-ksp-steps.tex").read_text(encoding="utf-8")
    assert r"Launching Seminar \& High-Level Meeting" in tex and r"Sumber: x\_y" in tex
    html = (tmp_path / "B-ksp-steps.html").read_text(encoding="utf-8")
    assert "Launching Seminar &amp; High-Level Meeting" in html and "<caption>Caption &amp; more" in html
    # deterministic: a second write gives the same bytes
    before = {p.name: p.read_bytes() for p in paths}
    tables.write_table(t, tmp_path, "Caption & more", "English", "Sumber: x_y")
    assert before == {p.name: p.read_bytes() for p in paths}
