"""Tests of compendium.coding: the shipped coded data is valid, and every way of breaking it is explained.

Each malformed-data test copies data/ into pytest's tmp_path, breaks exactly one thing, and checks that
both ``validate_dir`` and ``compendium validate DIR`` report a *new* line (one not already reported for the
shipped data) naming the file, the CSV line, the column, the offending value and what was expected.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from compendium import cli
from compendium.coding import CodingError, load, validate_dir
from compendium.paths import data_dir
from compendium.papers.sources import paper, registry

DATA = data_dir()
ACTORS, TIES, EVENTS = "raw/coded/actors.csv", "raw/coded/ties.csv", "raw/coded/events.csv"
SEGMENTS, OUTPUTS, CONDITIONS = "raw/coded/segments.csv", "raw/coded/policy_outputs.csv", "raw/coded/conditions.csv"
STAGES = "raw/coded/stages.csv"

PAPER_FILES = {key: Path(e.file).name for key, e in registry().items()}  # the registered paper texts


# ------------------------------------------------------------------------------------------ helpers
@pytest.fixture(scope="module")
def baseline() -> set[str]:
    """Problems of the shipped data (empty once the coding is complete)."""
    return set(validate_dir(DATA))


@pytest.fixture
def copy(tmp_path) -> Path:
    """A writable copy of data/."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    for f in target.rglob("*"):
        f.chmod(0o755 if f.is_dir() else 0o644)
    return target


def read_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def write_rows(path: Path, rows: list[list[str]], delimiter: str = ",") -> None:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def set_cell(folder: Path, rel: str, line: int, column: str, value: str) -> str:
    """Set one cell (``line`` counts the header as 1; rows have no embedded newlines); return the old value."""
    rows = read_rows(folder / rel)
    col = rows[0].index(column)
    old, rows[line - 1][col] = rows[line - 1][col], value
    write_rows(folder / rel, rows)
    return old


def first_line(folder: Path, rel: str, predicate) -> int:
    """CSV line of the first data row (as a dict) that satisfies ``predicate``."""
    rows = read_rows(folder / rel)
    for i, row in enumerate(rows[1:], start=2):
        if predicate(dict(zip(rows[0], row))):
            return i
    raise AssertionError(f"no row of {rel} fits the test's needs")


def assert_reported(folder: Path, baseline: set[str], capsys, *fragments: str) -> str:
    """Some problem not in the baseline contains every fragment, via the API and via the CLI."""
    new = [p for p in validate_dir(folder) if p not in baseline]
    hits = [p for p in new if all(f in p for f in fragments)]
    assert hits, f"no new problem contains {fragments}; new problems were:\n" + "\n".join(new)
    capsys.readouterr()
    assert cli.main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out
    assert hits[0] in out.splitlines()
    return hits[0]


# ------------------------------------------------------------------------------- the shipped data
def test_shipped_data_is_valid():
    problems = validate_dir(DATA)
    assert problems == [], "\n".join(problems)


def test_cli_says_ok_on_shipped_data(capsys):
    assert cli.main(["validate", str(DATA)]) == 0
    assert "ok" in capsys.readouterr().out


def test_load_returns_typed_tables():
    tables = load(DATA)
    assert {"segments", "actors", "ties", "events", "policy_outputs", "principles", "stages", "conditions"} <= set(tables)
    assert str(tables["segments"]["page"].dtype) == "Int64"
    assert tables["ties"]["directed"].dtype == bool
    assert all(isinstance(v, list) for v in tables["events"]["actors"])
    assert set(tables["actors"].columns) >= {"actor_id", "kind", "role"}


def test_every_quote_is_verbatim_on_its_page_and_section():
    rows = read_rows(DATA / SEGMENTS)
    bad = []
    for line, row in enumerate(rows[1:], start=2):
        rec = dict(zip(rows[0], row))
        matches = paper(rec["paper"]).find(rec["quote"])
        if not matches:
            bad.append(f"line {line}: quote not found")
            continue
        if rec["paper"] == "A" and rec["page"] not in {str(m.page) for m in matches}:
            bad.append(f"line {line}: page {rec['page']} but quote on {[m.page for m in matches]}")
        if rec["section"] not in {m.section for m in matches}:
            bad.append(f"line {line}: section {rec['section']} but quote in {[m.section for m in matches]}")
    assert rows[1:], "segments.csv has no rows"
    assert not bad, "\n".join(bad)


def test_papers_are_byte_identical_to_the_package_hashes():
    pkg = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    texts = [r for r in pkg["resources"] if r["path"].startswith("raw/papers/")]
    assert {Path(r["path"]).name for r in texts} == set(PAPER_FILES.values())
    for r in texts:
        assert r["hash"] == "sha256:" + hashlib.sha256((DATA / r["path"]).read_bytes()).hexdigest(), r["path"]
        assert r["bytes"] == (DATA / r["path"]).stat().st_size


def frictionless_cli(package: Path) -> dict:
    exe = Path(sys.executable).parent / "frictionless"
    run = subprocess.run([str(exe), "validate", "--json", str(package)], capture_output=True, text=True,
                         cwd=package.parent, timeout=300)
    report = json.loads(run.stdout)
    report["returncode"] = run.returncode
    return report


def test_official_frictionless_validate_passes_everything_but_a_dangling_foreign_key_and_a_changed_paper(copy):
    """The official validator, run once (it takes seconds): on a copy with one tie pointing at no actor
    and paper B's text changed, it reports exactly those two errors and passes every other resource
    (every row of every table, the other paper's hash). The shipped ties and paper B are held to the
    same rules by test_shipped_data_is_valid and test_papers_are_byte_identical_to_the_package_hashes."""
    set_cell(copy, TIES, 2, "source", "no-such-actor")
    (copy / "raw/papers" / PAPER_FILES["B"]).write_bytes((DATA / "raw/papers" / PAPER_FILES["B"]).read_bytes() + b"x")
    report = frictionless_cli(copy / "datapackage.json")
    resources = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))["resources"]
    assert len(report["tasks"]) == len(resources) >= 17 and not report["errors"], report["errors"]
    found = sorted((task["name"], e["type"]) for task in report["tasks"] for e in task["errors"])
    assert found == [("paper-b", "byte-count"), ("paper-b", "hash-count"), ("ties", "foreign-key")], found
    assert not report["valid"] and report["returncode"] != 0


# ---------------------------------------------------------------------------------- malformed copies
def test_unknown_category(copy, baseline, capsys):
    set_cell(copy, ACTORS, 2, "kind", "ministery")
    assert_reported(copy, baseline, capsys, f"{ACTORS} line 2, column 'kind': 'ministery' is not an allowed value",
                    "expected one of: person, city-government, city-agency")


@pytest.mark.parametrize("rel, column", [(TIES, "source"), (TIES, "target"), (ACTORS, "segment_id"),
                                         (CONDITIONS, "target_segment_id")])
def test_dangling_id(copy, baseline, capsys, rel, column):
    bad = "a-no-such-thing" if "segment" in column else "no-such-actor"
    set_cell(copy, rel, 2, column, bad)
    key, target = ("segment_id", SEGMENTS) if "segment" in column else ("actor_id", ACTORS)
    assert_reported(copy, baseline, capsys, f"{rel} line 2, column '{column}': '{bad}' is not a known id",
                    f"expected an existing {key} (see {target})")


@pytest.mark.parametrize("rel", [EVENTS, OUTPUTS])
def test_dangling_id_inside_a_list(copy, baseline, capsys, rel):
    line = first_line(copy, rel, lambda r: r["actors"] != "")
    rows = read_rows(copy / rel)
    old = rows[line - 1][rows[0].index("actors")]
    set_cell(copy, rel, line, "actors", old + ";ghost-actor")
    assert_reported(copy, baseline, capsys, f"{rel} line {line}, column 'actors': 'ghost-actor' (in '{old};ghost-actor')",
                    f"expected an existing actor_id (see {ACTORS})")


def test_duplicate_id(copy, baseline, capsys):
    first = read_rows(copy / ACTORS)[1][0]
    set_cell(copy, ACTORS, 3, "actor_id", first)
    assert_reported(copy, baseline, capsys, f"{ACTORS} line 3, column 'actor_id': '{first}' is a duplicate id",
                    "first used on line 2", "expected every actor_id to be unique")


def test_same_quote_under_two_segment_ids(copy, baseline, capsys):
    rows = read_rows(copy / SEGMENTS)
    header, first = rows[0], rows[1]
    twin = list(first)
    twin[header.index("segment_id")] = first[header.index("segment_id")] + "-twin"
    with open(copy / SEGMENTS, "a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerow(twin)
    assert_reported(copy, baseline, capsys, f"{SEGMENTS} line {len(rows) + 1}, column 'quote'",
                    f"the same paper-{first[header.index('paper')]} quote as line 2",
                    f"cite '{first[header.index('segment_id')]}' instead")


def test_missing_required_value(copy, baseline, capsys):
    set_cell(copy, ACTORS, 2, "name_en", "")
    assert_reported(copy, baseline, capsys, f"{ACTORS} line 2, column 'name_en': '' is empty but a value is required",
                    "expected")


def test_quote_not_found_in_its_paper(copy, baseline, capsys):
    old = set_cell(copy, SEGMENTS, 2, "quote", "Kota Bandung menjadi ibu kota negara XYZZY")
    assert old
    assert_reported(copy, baseline, capsys, f"{SEGMENTS} line 2, column 'quote': 'Kota Bandung menjadi ibu kota negara XYZZY'",
                    "is not found verbatim in paper", "expected the paper's exact words")


def test_page_that_does_not_match_the_quote(copy, baseline, capsys):
    line = first_line(copy, SEGMENTS, lambda r: r["paper"] == "A" and r["page"])
    rows = read_rows(copy / SEGMENTS)
    true_page = rows[line - 1][rows[0].index("page")]
    wrong = "577" if true_page != "577" else "569"
    set_cell(copy, SEGMENTS, line, "page", wrong)
    assert_reported(copy, baseline, capsys, f"{SEGMENTS} line {line}, column 'page': '{wrong}' is not where the quote starts",
                    f"expected {true_page}")


def test_section_that_does_not_match_the_quote(copy, baseline, capsys):
    line = first_line(copy, SEGMENTS, lambda r: r["section"] != "conclusion")
    true_section = set_cell(copy, SEGMENTS, line, "section", "conclusion")
    assert_reported(copy, baseline, capsys, f"{SEGMENTS} line {line}, column 'section': 'conclusion' is not where the quote stands",
                    f"expected {true_section}")


def test_page_out_of_range(copy, baseline, capsys):
    line = first_line(copy, SEGMENTS, lambda r: r["paper"] == "A")
    set_cell(copy, SEGMENTS, line, "page", "580")
    assert_reported(copy, baseline, capsys, f"{SEGMENTS} line {line}, column 'page': '580' is out of range",
                    "expected a whole number from 569 to 577")


def test_wrong_type(copy, baseline, capsys):
    set_cell(copy, TIES, 2, "directed", "yes")
    assert_reported(copy, baseline, capsys, f"{TIES} line 2, column 'directed': 'yes' is not true or false",
                    "expected true or false")


def test_impossible_date(copy, baseline, capsys):
    set_cell(copy, TIES, 2, "date_end", "")
    set_cell(copy, TIES, 2, "date_start", "2018-02-30")
    assert_reported(copy, baseline, capsys, f"{TIES} line 2, column 'date_start': '2018-02-30' is not a real calendar date",
                    "expected an existing date")


def test_malformed_date(copy, baseline, capsys):
    set_cell(copy, EVENTS, 2, "date_end", "")
    set_cell(copy, EVENTS, 2, "date_start", "2017-13")
    assert_reported(copy, baseline, capsys, f"{EVENTS} line 2, column 'date_start': '2017-13' has the wrong form",
                    "expected an ISO 8601 date, possibly partial: YYYY, YYYY-MM or YYYY-MM-DD")


def test_date_end_before_date_start(copy, baseline, capsys):
    set_cell(copy, TIES, 2, "date_start", "2018-05")
    set_cell(copy, TIES, 2, "date_end", "2017")
    assert_reported(copy, baseline, capsys, f"{TIES} line 2, column 'date_end': '2017' is before date_start '2018-05'",
                    "expected a date_end on or after date_start")


def test_venue_without_its_english(copy, baseline, capsys):
    line = first_line(copy, STAGES, lambda r: r["venue"] == "Korea Selatan")
    set_cell(copy, STAGES, line, "venue_en", "")
    assert_reported(copy, baseline, capsys, f"{STAGES} line {line}, column 'venue_en': '' is empty although "
                    "venue is 'Korea Selatan'", "expected the venue in English")


def test_english_venue_without_a_venue(copy, baseline, capsys):
    line = first_line(copy, STAGES, lambda r: not r["venue"])
    set_cell(copy, STAGES, line, "venue_en", "Seoul")
    assert_reported(copy, baseline, capsys, f"{STAGES} line {line}, column 'venue_en': 'Seoul' given although "
                    "venue is empty", "expected an empty venue_en")


def test_empty_file(copy, baseline, capsys):
    (copy / ACTORS).write_text("", encoding="utf-8")
    assert_reported(copy, baseline, capsys, f"{ACTORS} line 1: the file is empty",
                    "expected a header row with the columns: actor_id, name, name_en")


def test_missing_column(copy, baseline, capsys):
    rows = read_rows(copy / ACTORS)
    col = rows[0].index("kind")
    write_rows(copy / ACTORS, [r[:col] + r[col + 1:] for r in rows])
    assert_reported(copy, baseline, capsys, f"{ACTORS} line 1, column 'kind': missing column 'kind'",
                    "expected the columns: actor_id, name")


def test_extra_column(copy, baseline, capsys):
    rows = read_rows(copy / ACTORS)
    write_rows(copy / ACTORS, [rows[0] + ["notes"]] + [r + [""] for r in rows[1:]])
    assert_reported(copy, baseline, capsys, f"{ACTORS} line 1, column 'notes': 'notes' (position 14) is not a column",
                    "expected only the columns: actor_id")


def test_row_with_too_many_cells(copy, baseline, capsys):
    rows = read_rows(copy / ACTORS)
    text = (copy / ACTORS).read_text(encoding="utf-8").split("\n")
    text[1] = text[1] + ",stray"
    (copy / ACTORS).write_text("\n".join(text), encoding="utf-8")
    assert_reported(copy, baseline, capsys, f"{ACTORS} line 2", f"the row has {len(rows[0]) + 1} cells",
                    f"expected {len(rows[0])}")


def test_semicolon_delimiter(copy, baseline, capsys):
    write_rows(copy / ACTORS, read_rows(copy / ACTORS), delimiter=";")
    assert_reported(copy, baseline, capsys, f"{ACTORS} line 1, column 1: 'actor_id;name;name_en",
                    "is semicolon-separated; expected comma-separated columns: actor_id, name")


def test_non_utf8_bytes(copy, baseline, capsys):
    rows = read_rows(copy / ACTORS)
    rows[1][1] = rows[1][1] + " Caf\u00e9"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    (copy / ACTORS).write_bytes(buf.getvalue().encode("latin-1", "replace"))
    assert_reported(copy, baseline, capsys, f"{ACTORS} line 2, column 'name':", "Caf\\xe9", "not UTF-8 (0xe9)",
                    "expected UTF-8 text")


def test_byte_order_mark(copy, baseline, capsys):
    (copy / ACTORS).write_bytes(b"\xef\xbb\xbf" + (copy / ACTORS).read_bytes())
    assert_reported(copy, baseline, capsys, f"{ACTORS} line 1, column 'actor_id': the file starts with a byte-order mark",
                    "expected UTF-8 without BOM")


def test_windows_line_ends(copy, baseline, capsys):
    (copy / TIES).write_bytes((copy / TIES).read_bytes().replace(b"\n", b"\r\n"))
    assert_reported(copy, baseline, capsys, f"{TIES} line 1: Windows/Mac line ends", "expected '\\n' line ends")


def test_paper_text_changed(copy, baseline, capsys):
    rel = "raw/papers/" + PAPER_FILES["A"]
    (copy / rel).write_bytes((copy / rel).read_bytes().replace(b"Bandung", b"Bandoeng", 1))
    assert_reported(copy, baseline, capsys, f"{rel}: sha256 is", "but datapackage.json records",
                    "expected the paper text unchanged")


def test_missing_file(copy, baseline, capsys):
    (copy / TIES).unlink()
    assert_reported(copy, baseline, capsys, f"{TIES}: file not found", "expected a CSV with the columns: tie_id")


def test_undeclared_csv_is_reported_and_underscore_files_ignored(copy, baseline, capsys):
    shutil.copy(copy / TIES, copy / "raw/coded/ties_old.csv")
    (copy / "raw/coded/_staging.csv").write_text("not;a;table\n", encoding="utf-8")
    msg = assert_reported(copy, baseline, capsys, "raw/coded/ties_old.csv: not described in datapackage.json")
    assert not any("_staging" in p for p in validate_dir(copy)), msg


def test_broken_datapackage_is_one_line(copy, baseline, capsys):
    (copy / "datapackage.json").write_text('{"resources": [', encoding="utf-8")
    assert_reported(copy, baseline, capsys, "datapackage.json line 1", "expected valid JSON")


def test_load_raises_coding_error_with_problems(copy):
    set_cell(copy, ACTORS, 2, "kind", "ministery")
    with pytest.raises(CodingError) as info:
        load(copy)
    assert any("'ministery' is not an allowed value" in p for p in info.value.problems)


# ------------------------------------------------------------- rules of docs/coding-scheme.md
CLAIMS, PRINCIPLES = "claims.csv", "raw/coded/principles.csv"


def test_a_tie_from_an_actor_to_itself(copy, baseline, capsys):
    source = read_rows(copy / TIES)[1][1]
    set_cell(copy, TIES, 2, "target", source)
    assert_reported(copy, baseline, capsys, f"{TIES} line 2, column 'target': '{source}' is also the source",
                    "expected a tie between two different actors")


def test_control_characters_in_text(copy, baseline, capsys):
    set_cell(copy, ACTORS, 2, "name", "Kota\x00Bandung")
    assert_reported(copy, baseline, capsys, f"{ACTORS} line 2, column 'name'", "control character U+0000",
                    "expected printable text")


@pytest.mark.parametrize("relation, directed", [("partnership", "true"), ("advocacy", "false")])
def test_directed_must_match_the_relation(copy, baseline, capsys, relation, directed):
    line = first_line(copy, TIES, lambda r: r["relation"] == relation)
    set_cell(copy, TIES, line, "directed", directed)
    assert_reported(copy, baseline, capsys, f"{TIES} line {line}, column 'directed': '{directed}'",
                    f"relation '{relation}'", f"expected '{'false' if directed == 'true' else 'true'}'")


def test_an_undated_event_without_a_date_note(copy, baseline, capsys):
    line = first_line(copy, EVENTS, lambda r: not r["date_start"] and not r["date_end"])
    set_cell(copy, EVENTS, line, "date_note", "")
    assert_reported(copy, baseline, capsys, f"{EVENTS} line {line}, column 'date_note': '' is empty although the "
                    "event has no date")


def test_ksp_phase_on_a_non_ksp_event(copy, baseline, capsys):
    line = first_line(copy, EVENTS, lambda r: r["process"] == "sister-city")
    set_cell(copy, EVENTS, line, "phase", "launching")
    assert_reported(copy, baseline, capsys, f"{EVENTS} line {line}, column 'phase': 'launching' on a 'sister-city' "
                    "event", "expected an empty phase")


def test_two_stages_at_one_position(copy, baseline, capsys):
    rows = read_rows(copy / STAGES)
    seq, num = rows[0].index("sequence"), rows[0].index("number")
    line = next(i for i, r in enumerate(rows[2:], start=3) if r[seq] == rows[1][seq])
    set_cell(copy, STAGES, line, "number", rows[1][num])
    assert_reported(copy, baseline, capsys, f"{STAGES} line {line}, column 'number': '{rows[1][num]}' is used again "
                    f"within sequence '{rows[1][seq]}'", "first on line 2")


def test_a_stage_dated_after_the_next_one(copy, baseline, capsys):
    rows = read_rows(copy / STAGES)
    h = rows[0]
    seq, num = h.index("sequence"), h.index("number")
    line, line2 = next((i, j) for i, a in enumerate(rows[1:], start=2) for j, b in enumerate(rows[1:], start=2)
                       if a[seq] == b[seq] and int(b[num]) == int(a[num]) + 1)
    for at, date in ((line, "2019-05"), (line2, "2016")):
        set_cell(copy, STAGES, at, "date_start", date)
        set_cell(copy, STAGES, at, "date_end", "")
    assert_reported(copy, baseline, capsys, f"{STAGES} line {line}, column 'date_start': '2019-05'",
                    f"is after stage {rows[line2 - 1][num]} (line {line2}, '2016')", "expected the stages in the order")


def test_a_repeated_tabel2_number_within_a_dimension(copy, baseline, capsys):
    rows = read_rows(copy / OUTPUTS)
    h = rows[0]
    numbered = [(i, r) for i, r in enumerate(rows[1:], start=2) if r[h.index("tabel2_no")]]
    (l1, r1), (l2, r2) = next((a, b) for a in numbered for b in numbered
                              if a[0] < b[0] and a[1][h.index("dimension")] == b[1][h.index("dimension")])
    set_cell(copy, OUTPUTS, l2, "tabel2_no", r1[h.index("tabel2_no")])
    assert_reported(copy, baseline, capsys, f"{OUTPUTS} line {l2}, column 'tabel2_no'",
                    f"within dimension '{r1[h.index('dimension')]}'", f"first on line {l1}")


def test_a_repeated_principle_number(copy, baseline, capsys):
    rows = read_rows(copy / PRINCIPLES)
    set_cell(copy, PRINCIPLES, 3, "number", rows[1][rows[0].index("number")])
    assert_reported(copy, baseline, capsys, f"{PRINCIPLES} line 3, column 'number'", "is used again", "first on line 2")


def test_a_paper_a_claim_citing_a_paper_b_segment(copy, baseline, capsys):
    line = first_line(copy, CLAIMS, lambda r: r["paper"] == "A")
    b_segment = next(r[0] for r in read_rows(copy / SEGMENTS)[1:] if r[0].startswith("b-"))
    set_cell(copy, CLAIMS, line, "segment_id", b_segment)
    assert_reported(copy, baseline, capsys, f"{CLAIMS} line {line}, column 'segment_id': '{b_segment}' is a paper-B "
                    "segment for a paper-A claim")


def test_a_datapackage_holding_a_list_is_one_line(copy, baseline, capsys):
    (copy / "datapackage.json").write_text("[]", encoding="utf-8")
    assert_reported(copy, baseline, capsys, "datapackage.json: the top level is a JSON list")


def test_a_schema_field_without_a_name_is_reported_against_the_package(copy, baseline, capsys):
    package = json.loads((copy / "datapackage.json").read_text(encoding="utf-8"))
    res = next(r for r in package["resources"] if r["name"] == "actors")
    del res["schema"]["fields"][2]["name"]
    (copy / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    msg = assert_reported(copy, baseline, capsys, "datapackage.json: resource 'actors': schema field(s) number 3 "
                          "have no 'name'")
    assert not any(p.startswith(ACTORS) and "could not be checked" in p for p in validate_dir(copy)), msg


# ------------------------------------------------------------------ relation classes, tie basis, shaped_by
def test_relation_without_a_class(copy, baseline, capsys):
    import json

    path = copy / "datapackage.json"
    package = json.loads(path.read_text(encoding="utf-8"))
    ties = next(r for r in package["resources"] if r["name"] == "ties")
    relation = next(f for f in ties["schema"]["fields"] if f["name"] == "relation")
    next(c for c in relation["x-categories"] if c["value"] == "part-of")["class"] = "belonging"
    relation["x-classes"][0]["segments"] = ["a-no-such-segment"]
    path.write_text(json.dumps(package, indent=2, ensure_ascii=False), encoding="utf-8")
    assert_reported(copy, baseline, capsys, "field 'relation', category 'part-of': class 'belonging' is not one of",
                    "expected one of: interaction, commitment")
    assert_reported(copy, baseline, capsys, "class 'interaction': segments ['a-no-such-segment']")


def test_inferred_tie_without_reconstruction(copy, baseline, capsys):
    line = first_line(copy, TIES, lambda r: r["basis"] == "inferred")
    set_cell(copy, TIES, line, "reconstruction", "")
    assert_reported(copy, baseline, capsys, f"{TIES} line {line}, column 'reconstruction': '' is empty although basis is 'inferred'")


def test_shaped_by_names_a_known_claim(copy, baseline, capsys):
    set_cell(copy, TIES, 2, "shaped_by", "no-such-claim")
    assert_reported(copy, baseline, capsys, f"{TIES} line 2, column 'shaped_by': 'no-such-claim' is not a known id")
