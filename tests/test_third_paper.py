"""A third paper, added the way a researcher would: write its text, `compendium paper add`, code a
segment, two actors and a tie, validate, build notebooks 01 and 02, and find the paper and its actor
in the coverage, the network and the codebook -- while every A and B row stays what it was.

The paper is a few invented paragraphs (Surabaya–Busan) written by the test, with Indonesian section
headings and page markers ``[hal. N]``; it is not evidence for anything and never leaves tmp_path.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from in_process import build_in_process

from compendium import cli
from compendium.coding import codebook
from compendium.coding import validate_dir
from compendium.paths import project_root

pytestmark = pytest.mark.slow  # starts Jupyter kernels: `make test` runs it, `make test-fast` leaves it out

ROOT = project_root()
PAPER_C = """Kemitraan Kota Kembar Surabaya dan Busan

ABSTRAK
Tulisan ini membahas kerjasama kota kembar antara Kota Surabaya dan Kota Busan di bidang pelabuhan.
[hal. 12]
PENDAHULUAN
Pemerintah Kota Surabaya menjalin kemitraan kota kembar dengan Kota Busan sejak tahun 1994.
METODE PENELITIAN
Penelitian ini memakai studi pustaka atas dokumen kerjasama kedua kota.
[hal. 13]
HASIL DAN PEMBAHASAN
Walikota Surabaya Tri Rismaharini memimpin kunjungan ke Pemerintah Kota Busan untuk membahas
pengelolaan pelabuhan dan pertukaran pegawai.
SIMPULAN
Kemitraan kedua kota bertumpu pada kunjungan para pemimpinnya.
DAFTAR PUSTAKA
Penulis, A. (2020). Kota Kembar. Surabaya: Penerbit.
"""
QUOTE = "Walikota Surabaya Tri Rismaharini memimpin kunjungan ke Pemerintah Kota Busan"
CITATION = "Penulis, A. (2020). Kemitraan Kota Kembar Surabaya dan Busan. Jurnal Contoh, 1(1), 11-13."


def _append(path: Path, row: dict) -> None:
    with open(path, encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([row.get(col, "") for col in header])
    with open(path, "a", encoding="utf-8", newline="") as fh:
        fh.write(out.getvalue())


def _rows(path: Path, paper: str | None = None) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [r for r in csv.DictReader(fh) if paper is None or r.get("paper") == paper]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A copy of what notebooks 01 and 02 need (data/, the two notebooks, docs/), with paper C coded."""
    root = tmp_path_factory.mktemp("third-paper")
    shutil.copytree(ROOT / "data", root / "data")
    (root / "notebooks").mkdir()
    for name in ("01_sources_and_coding.ipynb", "02_actor_network.ipynb"):
        shutil.copy(ROOT / "notebooks" / name, root / "notebooks" / name)
    (root / "docs").mkdir()
    (root / "tables").mkdir()
    (root / "figures").mkdir()
    for f in root.rglob("*"):
        f.chmod(0o755 if f.is_dir() else 0o644)
    text = root / "paper_C_surabaya_busan.txt"
    text.write_text(PAPER_C, encoding="utf-8")
    data = root / "data"
    assert cli.main(["paper", "add", str(text), "--id", "C", "--citation", CITATION, "--pages", r"\[hal\. (\d+)\]",
                     "--page-range", "11-13", "--data", str(data)]) == 0
    coded = data / "raw" / "coded"
    _append(coded / "segments.csv", {"segment_id": "c-risma-visit-busan", "paper": "C", "section": "results",
                                     "page": "13", "quote": QUOTE})
    base = {"country": "KR", "level": "subnational", "role": "none", "role_basis": "stated", "scope": "case",
            "segment_id": "c-risma-visit-busan"}
    _append(coded / "actors.csv", {**base, "actor_id": "tri-rismaharini", "name": "Tri Rismaharini",
                                   "name_en": "Tri Rismaharini (Mayor of Surabaya)", "kind": "person", "country": "ID"})
    _append(coded / "actors.csv", {**base, "actor_id": "busan-city", "name": "Pemerintah Kota Busan",
                                   "name_en": "Busan City Government", "kind": "city-government"})
    _append(coded / "ties.csv", {"tie_id": "tie-c01", "source": "tri-rismaharini", "target": "busan-city",
                                 "relation": "visit", "directed": "true", "segment_id": "c-risma-visit-busan",
                                 "basis": "stated"})
    return root


def test_the_registered_paper_has_its_hash_pages_and_sections(project):
    from compendium.papers.sources import paper, registry

    data = project / "data"
    assert list(registry(data)) == ["A", "B", "C"]
    c = paper("C", data / "raw" / "papers")
    hits = c.find(QUOTE)
    assert [(h.page, h.section) for h in hits] == [(13, "results")]
    assert c.pages() == [11, 12, 13]
    assert (data / "raw" / "papers" / "paper_C_surabaya_busan.txt").read_text(encoding="utf-8") == PAPER_C


def test_the_third_paper_validates_and_wrong_codes_are_refused(project, tmp_path):
    assert validate_dir(project / "data") == []
    bad = tmp_path / "data"
    shutil.copytree(project / "data", bad)
    seg = bad / "raw" / "coded" / "segments.csv"
    seg.write_text(seg.read_text(encoding="utf-8").replace("c-risma-visit-busan,C,results,13,",
                                                           "c-risma-visit-busan,C,results,12,"), encoding="utf-8")
    problems = validate_dir(bad)
    assert any("column 'page': '12' is not where the quote starts; expected 13" in p for p in problems), problems


def test_a_claim_may_concern_any_set_of_papers_and_be_restated_across_them(project, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(project / "data", data)
    claims = data / "claims.csv"
    rows = _rows(claims)
    first = rows[0]
    assert first["paper"] == "A" and first["restated_in"] == ""
    text = claims.read_text(encoding="utf-8")
    line = text.splitlines()[1]
    restated = line.replace(f"{first['claim_id']},A,{first['segment_id']},,", f"{first['claim_id']},AC,"
                                                                               f"{first['segment_id']},c-risma-visit-busan,")
    assert restated != line
    claims.write_text(text.replace(line, restated), encoding="utf-8")
    assert validate_dir(data) == []
    # the same restatement for a claim of paper A alone is refused: the segment is paper C's
    claims.write_text(text.replace(line, restated.replace(",AC,", ",A,")), encoding="utf-8")
    problems = validate_dir(data)
    assert any("'c-risma-visit-busan' is a paper-C segment for a paper-A claim" in p for p in problems), problems


def test_a_changed_or_unhashed_third_paper_is_refused(project, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(project / "data", data)
    text = data / "raw" / "papers" / "paper_C_surabaya_busan.txt"
    text.write_text(PAPER_C.replace("1994", "1995"), encoding="utf-8")
    assert any("papers.csv line 4, column 'sha256'" in p and "expected the paper text unchanged" in p
               for p in validate_dir(data))
    registry = data / "papers.csv"
    rows = registry.read_text(encoding="utf-8").splitlines()
    sha = rows[3].split(",")[2]
    registry.write_text("\n".join(rows[:3] + [rows[3].replace(sha, "")]) + "\n", encoding="utf-8")
    assert any("papers.csv line 4, column 'sha256': '' is empty" in p for p in validate_dir(data))


def test_build_finds_the_actor_in_the_network_the_paper_in_coverage_and_codebook(project, monkeypatch):
    monkeypatch.setenv("COMPENDIUM_ROOT", str(project))
    build_in_process(project, only=["01", "02"], echo=lambda *a, **k: None)  # warm kernels, as `make`
    nodes = _rows(project / "tables" / "network" / "nodes.csv")
    assert "tri-rismaharini" in {n.get("actor_id", n.get("id")) for n in nodes}, nodes[:2]
    edges = (project / "tables" / "network" / "edges.csv").read_text(encoding="utf-8")
    assert "tri-rismaharini" in edges and "busan-city" in edges
    coverage = _rows(project / "tables" / "coding-coverage.csv")
    results_c = [r for r in coverage if r["paper"] == "C" and r["section"] == "results"]
    assert results_c and int(results_c[0]["covered"]) == len(QUOTE) and results_c[0]["segments"] == "1"
    counts = _rows(project / "tables" / "coding-counts.csv")
    assert {r["entity"]: r["from paper C"] for r in counts}["actors"] == "2"
    # A and B stay what they were: their coverage rows and counts equal the committed tables
    committed = _rows(ROOT / "tables" / "coding-coverage.csv")
    assert [r for r in coverage if r["paper"] in ("A", "B")] == committed
    committed_counts = _rows(ROOT / "tables" / "coding-counts.csv")
    for old, new in zip(committed_counts, counts):
        assert {k: v for k, v in new.items() if k not in ("rows", "from paper C")} == \
            {k: v for k, v in old.items() if k != "rows"}
    text = codebook.render(project / "data" / "datapackage.json")
    assert CITATION in text and "`C`" in text and "`paper_C_surabaya_busan.txt`" not in text
    assert "raw/papers/paper_C_surabaya_busan.txt" in text and "^[abc]-" in text


def test_quote_says_paper_page_and_section_or_the_closest_passage(project, capsys):
    data = str(project / "data")
    assert cli.main(["quote", QUOTE, "--data", data]) == 0
    assert capsys.readouterr().out.splitlines() == ["paper C, page 13, section results"]
    # a near miss: two words changed; the answer names the passage, its place and both changes
    assert cli.main(["quote", QUOTE.replace("memimpin kunjungan", "memimpin lawatan").replace("Walikota", "Wali kota"),
                     "--paper", "C", "--data", data]) == 1
    out = capsys.readouterr().out
    assert "not found verbatim in paper C" in out and "closest: paper C, page 13, section results" in out
    assert "quote 'lawatan' / paper 'kunjungan'" in out and "quote 'Wali kota' / paper 'Walikota'" in out
    assert cli.main(["quote", "anything", "--paper", "Z", "--data", data]) == 2


def test_paper_add_refuses_what_it_cannot_register(project, tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(project / "data", data)
    text = tmp_path / "paper_D.txt"
    text.write_text(PAPER_C, encoding="utf-8")
    cases = {("--id", "C"): "already registered", ("--id", "d"): "expected capital letters",
             ("--id", "D", "--pages", r"\[hal\. (\d+)\]"): "--page-range",
             ("--id", "D", "--pages", r"\[page (\d+)\]", "--page-range", "1-3"): "matches nothing"}
    for options, message in cases.items():
        assert cli.main(["paper", "add", str(text), "--citation", "X.", "--data", str(data), *options]) == 1
        assert message in capsys.readouterr().err, options
    assert cli.main(["paper", "add", str(tmp_path / "missing.txt"), "--id", "D", "--citation", "X.",
                     "--data", str(data)]) == 1
    assert "not found" in capsys.readouterr().err
    # nothing was written by the refused attempts: the package still agrees with the registry
    assert cli.main(["paper", "sync", "--data", str(data)]) == 0
    assert capsys.readouterr().out.startswith("ok:")
    assert validate_dir(data) == []


def test_the_package_describes_the_new_text_like_the_others(project):
    import json

    package = json.loads((project / "data" / "datapackage.json").read_text(encoding="utf-8"))
    text = next(r for r in package["resources"] if r["name"] == "paper-c")
    file = project / "data" / text["path"]
    assert text["bytes"] == file.stat().st_size and text["hash"].startswith("sha256:")
    segments = next(r for r in package["resources"] if r["name"] == "segments")["schema"]["fields"]
    assert {f["name"]: f.get("constraints", {}).get("enum") for f in segments}["paper"] == ["A", "B", "C"]
    claims = next(r for r in package["resources"] if r["name"] == "claims")["schema"]["fields"]
    assert next(f for f in claims if f["name"] == "paper")["constraints"]["enum"] == \
        ["A", "B", "C", "AB", "AC", "BC", "ABC"]
    assert [s["title"] for s in package["sources"]][-1] == CITATION


def test_claims_ranking_and_tables_do_not_change_with_a_third_paper(project, monkeypatch):
    """Nothing in the library names A or B, so a third paper changes no verdict, no ranking group and no
    table of A or B; where the evidence lists every paper, it now lists C too."""
    from compendium import coding
    from compendium.analysis import claims
    from compendium.render import tables
    from compendium.analysis import network as nw

    monkeypatch.setenv("COMPENDIUM_ROOT", str(project))
    shutil.copy(ROOT / "outputs.yml", project / "outputs.yml")  # the artefact registry the table recipes read
    data = coding.load(project / "data")
    ledger = claims.evaluate(None, claims.load_tables(project / "data")).set_index("claim_id")
    committed = {r["claim_id"]: r for r in _rows(ROOT / "tables" / "claims-ledger.csv")}
    assert {c: r["verdict"] for c, r in committed.items()} == ledger["verdict"].to_dict()
    old = committed["method-literature-study"]["evidence"]
    assert ledger.loc["method-literature-study", "evidence"] == old.replace(" (", ", C 0 (", 1)
    # the ranking is paper A's (ranking_groups.csv): a mayor of another city is in none of its groups
    ranking = nw.ranking(data)
    assert ranking.order == ("mayor", "business", "consultant")
    members = nw.group_members(data["actors"], ranking.mapping)
    assert "tri-rismaharini" not in members and members["ridwan-kamil"] == "mayor"
    roles = tables.actor_roles(data["actors"], data["segments"], data["ranking_groups"])
    assert roles.artefact_id == "A-actor-roles" and "Tri Rismaharini" not in set(roles.frame["Aktor"])
    assert tables.principles(data["principles"]).artefact_id == "B-principles"
