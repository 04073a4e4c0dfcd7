"""The LMS round trip (issue 14): a folder or a zip in Moodle's, Canvas's or plain layout, a class list,
and the files Moodle and Canvas import -- with hostile zips that get a status, never a crash."""

from __future__ import annotations

import csv
import io
import stat
import sys
import zipfile
from pathlib import Path

import pytest

from compendium import cli
from compendium.grading import grade, load_assignment
from compendium.grading.assignments import template_csv
from compendium.grading.intake import RosterError, collect, read_roster
from compendium.grading.report import feedback_markdown

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))


# The class figure of each grading run is drawn, not rendered (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("figures_drawn_not_rendered")


@pytest.fixture(scope="module")
def po():
    return load_assignment("policy-outputs", ROOT / "data")


@pytest.fixture(scope="module")
def key(po):
    return template_csv(po, fill_key=True).encode()


def _rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _zip(path: Path, members: list) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for m in members:
            if isinstance(m, zipfile.ZipInfo):
                z.writestr(m, b"x")
            else:
                z.writestr(*m)
    return path


def test_moodle_zip_with_a_worksheet_goes_to_moodle_import_files(po, key, tmp_path):
    folder = "Siti Rahma_12345_assignsubmission_file_/"
    sub = _zip(tmp_path / "moodle.zip", [
        (folder + "my coding.csv", key),
        (folder + "notes.docx", b"PK.."),  # not graded, named in the comment
        ("Budi Santoso_12346_assignsubmission_file_/a.csv", key),
        ("Budi Santoso_12346_assignsubmission_file_/b.csv", key),  # two tables: ambiguous
        ("Dewi Lestari_12347_assignsubmission_file_/coding.xlsx", b"PK\x03\x04"),
    ])
    roster = tmp_path / "worksheet.csv"
    roster.write_text("Identifier,Full name,Email address,Status,Grade\n"
                      "Participant 12345,Siti Rahma,siti@uni.example,,\n"
                      "Participant 12346,Budi Santoso,budi@uni.example,,\n"
                      "Participant 12347,Dewi Lestari,dewi@uni.example,,\n"
                      "Participant 12348,Agus Pratama,agus@uni.example,,\n", encoding="utf-8")
    out = tmp_path / "out"
    assert cli.main(["grade", "policy-outputs", str(sub), "--roster", str(roster), "--out", str(out), "--quiet"]) == 0
    book = {r["email"]: r for r in _rows(out / "gradebook.csv")}
    assert {e: r["grading_status"] for e, r in book.items()} == {
        "siti@uni.example": "ok", "budi@uni.example": "ambiguous", "dewi@uni.example": "invalid",
        "agus@uni.example": "missing"}
    assert book["siti@uni.example"]["total"] == "10.0" and "notes.docx" in book["siti@uni.example"]["comments"]
    assert "a.csv, b.csv" in book["budi@uni.example"]["comments"]
    assert book["dewi@uni.example"]["comments"].count("coding.xlsx") == 1
    for e in ("budi@uni.example", "dewi@uni.example", "agus@uni.example"):
        assert book[e]["total"] == ""  # blank, never 0.0
    moodle = {r["Identifier"]: r for r in _rows(out / "moodle-grades.csv")}
    assert list(next(iter(moodle.values()))) == ["Identifier", "Full name", "Email address", "Grade",
                                                 "Maximum Grade", "Feedback comments"]
    assert moodle["Participant 12345"]["Grade"] == "10" and moodle["Participant 12345"]["Maximum Grade"] == "10"
    for p in ("Participant 12346", "Participant 12347", "Participant 12348"):
        assert moodle[p]["Grade"] == "" and moodle[p]["Feedback comments"].startswith("Not graded")
    with zipfile.ZipFile(out / "moodle-feedback.zip") as z:
        names = z.namelist()
        assert folder + "feedback.html" in names and "Agus Pratama_12348_assignsubmission_file_/feedback.html" in names
        assert "<!DOCTYPE html>" in z.read(folder + "feedback.html").decode()
    assert not (out / "canvas-grades.csv").exists()


def test_canvas_folder_with_gradebook_export(po, key, tmp_path):
    sub = tmp_path / "canvas"
    sub.mkdir()
    (sub / "rahmasiti_LATE_12346_678902_policy-outputs-1.csv").write_bytes(key)  # the example
    (sub / "rahmasiti_12346_678901_policy-outputs.csv").write_bytes(b"item_id;dimension\n")  # the earlier upload
    (sub / "santosobudi_12347_678903_po.csv").write_bytes(key.replace(b"smart-living", b"unclear"))
    roster = tmp_path / "export.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section,Policy outputs (55)\n"
                      "    Points Possible,,,,,10\n"
                      "\"Rahma, Siti\",12346,2024001,rahmasiti,IR-1,\n"
                      "\"Santoso, Budi\",12347,2024002,santosobudi,IR-2,\n"
                      "\"Lestari, Dewi\",12348,2024003,lestaridewi,IR-2,\n", encoding="utf-8")
    out = tmp_path / "out"
    assert cli.main(["grade", "policy-outputs", str(sub), "--roster", str(roster), "--out", str(out), "--quiet",
                     "--lms-column", "Policy outputs (55)"]) == 0
    book = {r["username"]: r for r in _rows(out / "gradebook.csv")}
    assert book["rahmasiti"]["student_id"] == "rahmasiti"  # not rahmasiti_LATE_12346_678902_policy-outputs-1
    assert book["rahmasiti"]["grading_status"] == "ok" and book["rahmasiti"]["late"] == "yes"
    assert "graded policy-outputs-1.csv, the latest of 2 uploads" in book["rahmasiti"]["comments"]
    assert book["rahmasiti"]["sis_id"] == "2024001" and book["lestaridewi"]["grading_status"] == "missing"
    canvas = _rows(out / "canvas-grades.csv")
    assert list(canvas[0]) == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Policy outputs (55)"]
    by_id = {r["ID"]: r for r in canvas[1:]}
    assert by_id["12346"]["Policy outputs (55)"] == "10" and by_id["12346"]["SIS User ID"] == "2024001"
    assert 0 < float(by_id["12347"]["Policy outputs (55)"]) < 10
    assert by_id["12348"]["Policy outputs (55)"] == ""  # missing: blank, not 0


def test_plain_files_and_a_class_list_by_username_or_email(po, key, tmp_path):
    sub = tmp_path / "plain"
    sub.mkdir()
    (sub / "siti.csv").write_bytes(key)
    (sub / "budi@uni.example.csv").write_bytes(key)
    (sub / "stranger.csv").write_bytes(key)
    roster = tmp_path / "list.csv"
    roster.write_text("Username,Email,ID number\nsiti,siti@uni.example,1\nbudi,budi@uni.example,2\n"
                      "agus,agus@uni.example,3\n", encoding="utf-8")
    rows = {e.student_id: e for e in collect(sub, tmp_path / "w", roster)}
    assert set(rows) == {"siti", "budi", "stranger", "agus"}
    assert rows["agus"].status == "missing" and rows["agus"].problem
    assert rows["budi"].identity["sis_id"] == "2" and "not on the class list" in rows["stranger"].note


def test_a_roster_without_an_id_column_is_a_clear_error(tmp_path):
    bad = tmp_path / "r.csv"
    bad.write_text("Name,Grade\nSiti,\n", encoding="utf-8")
    with pytest.raises(RosterError, match=r"r\.csv: row 1: no column identifies a student"):
        read_roster(bad)


def _link(name: str, target: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_hostile_zips_get_a_status_never_a_crash(po, key, tmp_path, monkeypatch):
    from compendium.grading import intake

    monkeypatch.setattr(intake, "MAX_TOTAL", 3_000_000)
    bomb = b"0" * 60_000_000  # compresses to ~60 kB, over the 50 MB notebook limit
    info = zipfile.ZipInfo("bomb.ipynb")
    sub = tmp_path / "hostile.zip"
    with zipfile.ZipFile(sub, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("good.csv", key)
        z.writestr("../../escape.csv", key)
        z.writestr("/etc/absolute.csv", key)
        z.writestr(_link("linked.csv", "/etc/passwd"), "/etc/passwd")
        z.writestr(info, bomb)
        z.writestr("twice.csv", key)
        z.writestr("twice.csv", key)
        for k in range(3):
            z.writestr(f"big{k}.csv", b"x" * 1_500_000)  # together over the (lowered) total
    out = tmp_path / "out"
    assert cli.main(["grade", "policy-outputs", str(sub), "--out", str(out), "--quiet"]) == 0
    book = _rows(out / "gradebook.csv")
    status = {r["student_id"]: (r["grading_status"], r["comments"]) for r in book}
    assert status["good"][0] == "ok"
    assert "leaves the archive" in status["escape.csv"][1] and "leaves the archive" in status["absolute.csv"][1]
    assert "link" in status["linked.csv"][1] and "bytes" in status["bomb.ipynb"][1]
    assert "two files of this name" in status["twice.csv"][1] and "twice" not in status
    assert any("more than" in c for s, c in status.values())  # the total limit
    assert all(s != "ok" for sid, (s, c) in status.items() if sid != "good" and not sid.startswith("big"))
    assert not (tmp_path / "escape.csv").exists() and not (tmp_path.parent / "escape.csv").exists()
    not_a_zip = tmp_path / "broken.zip"
    not_a_zip.write_bytes(b"PK\x03\x04 this is not a zip")
    assert cli.main(["grade", "policy-outputs", str(not_a_zip), "--out", str(tmp_path / "o2"), "--quiet"]) == 0
    [row] = _rows(tmp_path / "o2" / "gradebook.csv")
    assert row["grading_status"] == "invalid" and "cannot be opened as a zip" in row["comments"]


def test_feedback_is_bilingual_and_never_splits_a_sentence(po, tmp_path):
    sub = tmp_path / "s"
    sub.mkdir()
    latin1 = (ROOT / "data" / "examples" / "policy-outputs" / "s08-latin1.csv").read_bytes()
    (sub / "latin.csv").write_bytes(latin1)
    (sub / "ok.csv").write_bytes(template_csv(po, fill_key=True).replace("smart-living", "unclear").encode())
    run = grade(po, sub, progress=False)
    by = {r.student_id: r for r in run.results}
    fb = feedback_markdown(po, by["latin"])
    problem = by["latin"].fixes[0]
    assert "; " in problem  # the message itself has a "; " -- it must stay one bullet
    assert f"- {problem.split(' (near')[0]}" in fb and "Yang perlu diperbaiki" in fb and "**0 /" not in fb
    good = feedback_markdown(po, by["ok"])
    assert "Butir yang dikodekan berbeda dari rujukan" in good and "Nilai" in good and "κ Cohen" in good
    assert "kode Anda" in good and "(1 = perfect, 0 = chance level)" in good


def test_the_generator_makes_a_class_that_grades_in_one_command(tmp_path):
    from make_lms_submissions import make

    paths = make(tmp_path / "class", 40, "policy-outputs")
    out = tmp_path / "m"
    assert cli.main(["grade", "policy-outputs", str(paths["moodle"]), "--roster", str(paths["moodle_roster"]),
                     "--out", str(out), "--quiet"]) == 0
    moodle = _rows(out / "moodle-grades.csv")
    assert len(moodle) == 40 and sum(r["Grade"] == "" for r in moodle) >= 1
    assert cli.main(["grade", "policy-outputs", str(paths["canvas"]), "--roster", str(paths["canvas_roster"]),
                     "--out", str(tmp_path / "c"), "--quiet"]) == 0
    canvas = _rows(tmp_path / "c" / "canvas-grades.csv")
    assert len(canvas) == 40 + 1  # + Points Possible
    assert list(canvas[0])[-1].endswith("(101)")  # the export's own column, found without --lms-column
