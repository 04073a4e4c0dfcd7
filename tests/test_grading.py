"""Grading CSV submissions: marks, chance-level random codes, every kind of bad file, cache, --only, CLI,
the class report, and the reference-vs-second-coder reliability (against a fixture)."""

from __future__ import annotations

import csv
import io
import random
import shutil
from pathlib import Path

import pytest

from compendium.grading import grade, load_assignment, reliability, write_reports
from compendium.grading.assignments import template_csv
from compendium.grading.report import similar_pairs

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def po():
    return load_assignment("policy-outputs", ROOT / "data")


@pytest.fixture(scope="module")
def ar():
    return load_assignment("actor-roles", ROOT / "data")


def _csv(a, rows) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["item_id", *a.variable_names])
    w.writerows(rows)
    return buf.getvalue().encode()


def _key_rows(a):
    return [[r["item_id"], *[r[v] for v in a.variable_names]] for _, r in a.key.iterrows()]


def test_perfect_submission_gets_full_marks(po, tmp_path):
    (tmp_path / "perfect.csv").write_bytes(template_csv(po, fill_key=True).encode())
    [r] = grade(po, tmp_path, progress=False).results
    assert r.status == "ok" and r.total == po.max_score
    for v in po.variable_names:
        assert r.metrics[v] == {"agreement_pct": 100.0, "cohen_kappa": 1.0, "kripp_alpha_nominal": 1.0}


def test_random_submissions_are_near_chance(ar, tmp_path):
    rng = random.Random(7)
    for s in range(12):
        rows = [[i, *[rng.choice(v.codes) for v in ar.variables]] for i in ar.items]
        (tmp_path / f"rand{s:02d}.csv").write_bytes(_csv(ar, rows))
    run = grade(ar, tmp_path, progress=False)
    for v in ar.variable_names:
        kappas = [r.metrics[v]["cohen_kappa"] for r in run.results]
        alphas = [r.metrics[v]["kripp_alpha_nominal"] for r in run.results]
        assert abs(sum(kappas) / len(kappas)) < 0.1, v
        assert abs(sum(alphas) / len(alphas)) < 0.15, v
    assert max(r.total for r in run.results) < 0.5 * ar.max_score


BAD = {
    "empty": (b"", "empty"),
    "blank": (b"\n\n  \n", "empty"),
    "binary": (b"PK\x03\x04\x00\x00\x08\x00binary\x00stuff", "binary"),
    "utf16": (None, "UTF-16"),
    "latin1": (None, "not UTF-8"),
    "semicolons": (None, "semicolons"),
    "no_header": (None, "header lacks"),
    "bad_quote": (None, "not valid CSV"),
    "unknown_item": (None, "unknown item ids"),
    "unknown_code": (None, "did you mean 'emulation'"),
    "missing_row": (None, "missing"),
    "duplicate_row": (None, "duplicate rows"),
    "empty_cell": (None, "empty cells"),
    "wrong_width": (None, "wrong number of fields"),
}


def _bad_files(a) -> dict[str, bytes]:
    good = template_csv(a, fill_key=True)
    rows = good.splitlines()
    out = {k: v for k, (v, _) in BAD.items() if v is not None}
    out["utf16"] = good.encode("utf-16")
    out["latin1"] = (good.rstrip("\n") + "é\n").encode("latin-1")  # an accented letter, Latin-1 encoded
    out["semicolons"] = good.replace(",", ";").encode()
    out["no_header"] = "\n".join(rows[1:]).encode()
    out["bad_quote"] = (good + 'x,"unterminated\n').encode()
    out["unknown_item"] = (good + "not-an-item,unclear,unclear,unclear\n").encode()
    out["unknown_code"] = good.replace(rows[15], rows[15].rsplit(",", 2)[0] + ",emulaton," + rows[15].rsplit(",", 1)[1]).encode()
    out["missing_row"] = "\n".join(rows[:-1]).encode()
    out["duplicate_row"] = (good + rows[1] + "\n").encode()
    out["empty_cell"] = good.replace(rows[2], rows[2].rsplit(",", 1)[0] + ",").encode()
    out["wrong_width"] = good.replace(rows[3], rows[3] + ",extra,fields").encode()
    return out


def test_every_bad_submission_is_invalid_with_a_helpful_comment_and_the_batch_goes_on(po, tmp_path):
    for name, data in _bad_files(po).items():
        (tmp_path / f"{name}.csv").write_bytes(data)
    (tmp_path / "good.csv").write_bytes(template_csv(po, fill_key=True).encode())
    run = grade(po, tmp_path, progress=False)
    by = {r.student_id: r for r in run.results}
    assert by["good"].status == "ok" and by["good"].total == po.max_score
    for name, (_, hint) in BAD.items():
        r = by[name]
        assert r.status == "invalid", (name, r.comments)
        assert r.comments.startswith("Fix and hand in again:"), name
        assert hint.lower() in r.comments.lower(), (name, r.comments)
    assert "'mepeling'" not in by["missing_row"].comments  # names the missing item itself …
    assert sorted(po.items)[-1] in by["missing_row"].comments  # the template lists items alphabetically
    assert "not-an-item" in by["unknown_item"].comments


def test_both_csv_and_notebook_from_one_student_is_invalid(po, tmp_path):
    (tmp_path / "s.csv").write_bytes(template_csv(po, fill_key=True).encode())
    (tmp_path / "s.ipynb").write_text("{}")
    rows = grade(po, tmp_path, progress=False).results  # one row per file, each saying why
    assert [(r.student_id, r.kind, r.status) for r in rows] == [("s", "csv", "invalid"), ("s", "ipynb", "invalid")]
    assert all("ONE file" in r.comments and "s.csv, s.ipynb" in r.comments for r in rows)


def test_cache_makes_regrading_instant_and_only_regrades_one(po, tmp_path):
    subs, cache = tmp_path / "subs", tmp_path / "cache"
    subs.mkdir()
    rows = _key_rows(po)
    for s in range(20):  # 20 < 22 items: every file differs (the cache is keyed by content)
        rows2 = [list(r) for r in rows]
        rows2[s % len(rows2)][2] = "copying" if rows2[s % len(rows2)][2] != "copying" else "emulation"
        (subs / f"st{s:02d}.csv").write_bytes(_csv(po, rows2))
    first = grade(po, subs, cache_dir=cache, progress=False)
    assert not any(r.cached for r in first.results)
    assert len(list(cache.glob("*.json"))) == 20
    second = grade(po, subs, cache_dir=cache, progress=False)
    assert all(r.cached for r in second.results)
    assert [(r.student_id, r.total) for r in first.results] == [(r.student_id, r.total) for r in second.results]
    # a changed file is regraded, the others still come from the cache
    (subs / "st03.csv").write_bytes(template_csv(po, fill_key=True).encode())
    third = grade(po, subs, cache_dir=cache, progress=False)
    assert [r.student_id for r in third.results if not r.cached] == ["st03"]
    assert next(r for r in third.results if r.student_id == "st03").total == po.max_score
    only = grade(po, subs, cache_dir=cache, only="st07", progress=False)
    assert [r.student_id for r in only.results if not r.cached] == ["st07"]
    assert len(only.results) == 20
    with pytest.raises(FileNotFoundError):
        grade(po, subs, cache_dir=cache, only="nobody-here", progress=False)


def test_reports_feedback_and_too_alike_pairs(ar, tmp_path):
    examples = ROOT / "data" / "examples" / "actor-roles"
    run = grade(ar, examples, progress=False, kinds=(".csv",))
    status = {r.student_id: r.status for r in run.results}
    assert status["s07-semicolons"] == status["s08-utf16"] == "invalid"
    pairs = similar_pairs(run)
    flagged = {tuple(x) for x in pairs[pairs["flagged"]][["student_a", "student_b"]].values}
    assert flagged == {("s05-pair-a", "s06-pair-b")}
    out = write_reports(run, tmp_path / "out")
    book = out["gradebook"].read_text()
    assert book.splitlines()[0].startswith("student_id,assignment,submission,role_agreement_pct,role_cohen_kappa,"
                                           "role_kripp_alpha_nominal,role_points")
    fb = (tmp_path / "out" / "feedback" / "s02-go-between-external.md").read_text()
    assert "### `kofice` -- role" in fb and "your code: **external**" in fb and "reference: **go-between**" in fb
    assert "> " in fb and "p. 57" in fb  # the paper's quote and page (paper A)
    html = (tmp_path / "out" / "feedback" / "s02-go-between-external.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and "<blockquote>" in html
    assert "What to fix" in (tmp_path / "out" / "feedback" / "s08-utf16.md").read_text()
    report = (tmp_path / "out" / "class_report.md").read_text()
    assert "s05-pair-a | s06-pair-b" in report
    assert (tmp_path / "out" / "class_report.png").stat().st_size > 10_000


def test_the_class_figure_counts_students_in_whole_numbers(ar):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from compendium.grading.report import class_figure

    run = grade(ar, ROOT / "data" / "examples" / "actor-roles", progress=False, kinds=(".csv",))
    fig = class_figure(run)
    histogram = fig.axes[0]
    fig.draw_without_rendering()
    ticks = [t for t in histogram.get_yticks() if histogram.get_ylim()[0] <= t <= histogram.get_ylim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks), ticks
    assert "--" not in fig.get_suptitle()
    plt.close(fig)


def test_second_coder_reliability_against_a_fixture(po, tmp_path):
    rows = _key_rows(po)
    changed = {1: ("diffusion", "emulation"), 5: ("transfer", "learning")}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["item_id", *po.variable_names, "rationale"])
    for k, r in enumerate(rows):
        r = list(r)
        if k in changed:
            var, code = changed[k]
            r[1 + po.variable_names.index(var)] = code
        w.writerow([*r, f"because {k}"])
    path = tmp_path / "policy-outputs.csv"
    path.write_text(buf.getvalue())
    summary, disagreements = reliability(po, path)
    assert list(summary["variable"]) == po.variable_names
    assert summary.set_index("variable").loc["dimension", "kripp_alpha_nominal"] == 1.0
    assert int(summary["disagreements"].sum()) == len(disagreements) == 2
    assert set(disagreements["coder-2_rationale"]) == {"because 1", "because 5"}
    with pytest.raises(FileNotFoundError):
        reliability(po, tmp_path / "absent.csv")


@pytest.mark.usefixtures("figures_drawn_not_rendered")
def test_cli_template_key_and_grade(tmp_path, capsys):
    # In-process: the command line is parsed and printed as from a shell (the `python -m compendium.cli`
    # entry itself is run by test_cli.py), without four interpreters importing the library again.
    from compendium.cli import main

    def run(*argv):
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = run("assignment", "template", "actor-roles")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "item_id,role,kind" and all(line.endswith(",,") for line in lines[1:])
    code, out, _ = run("assignment", "key", "actor-roles")
    assert code == 0 and "bandung-city,internal,city-government" in out.splitlines()
    assert lines[1:] == sorted(lines[1:])  # alphabetical: the reference table's order is grouped by code
    assert run("assignment", "template", "policy-outputs", "-o", str(tmp_path / "po.csv"))[0] == 0
    assert (tmp_path / "po.codes.csv").read_text().startswith("variable,code,label_en,label_id,definition_en")
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(ROOT / "data/examples/policy-outputs/s01-perfect.csv", subs / "a.csv")
    (subs / "b.csv").write_bytes(b"\xff\xfe")
    code, out, err = run("grade", "policy-outputs", str(subs), "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert "1 invalid, 1 ok" in out and "grading policy-outputs" in err  # the progress bar
    assert (tmp_path / "out" / "feedback" / "b.html").exists()


def test_majority_baseline_scores_an_all_commonest_code_submission(tmp_path):
    from compendium.grading import grade, load_assignment
    from compendium.grading.batch import majority_baseline

    a = load_assignment("policy-outputs")
    modal, floor = majority_baseline(a)
    assert modal["diffusion"] == "unclear"  # the key is dominated by 'unclear' (21 of 22 items)
    rows = ["item_id," + ",".join(a.variable_names)]
    rows += [f"{i}," + ",".join(modal[v] for v in a.variable_names) for i in a.items]
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "lazy.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    run = grade(a, subs, cache_dir=tmp_path / "cache", progress=False)
    assert run.results[0].status == "ok" and run.results[0].total == floor
    assert floor == 0  # the policy-outputs rubric scores agreement above this baseline


def test_above_baseline_rubric_rescales_agreement():
    """The per-variable scheme policy-outputs used before issue 14 (still available to assignments)."""
    import dataclasses

    from compendium.grading import load_assignment

    po = load_assignment("policy-outputs")
    a = dataclasses.replace(po, spec={**po.spec, "rubric": {"scheme": "above-baseline", "rounding": 0.1}})
    diffusion = next(v for v in a.variables if v.name == "diffusion")
    base = a.baseline_share(diffusion)
    assert 0 < base < 1
    assert a.points(diffusion, 1.0) == diffusion.weight
    assert a.points(diffusion, base) == 0 and a.points(diffusion, 0.0) == 0
    halfway = base + (1 - base) / 2
    assert a.points(diffusion, halfway) == round(round(diffusion.weight / 2 / 0.1) * 0.1, 6)


@pytest.mark.usefixtures("figures_drawn_not_rendered")
def test_every_entry_of_the_folder_gets_exactly_one_row(po, tmp_path):
    """Hostile file names and entries (issue 13): none stops the batch, each gets one row with a status."""
    import os

    from compendium.grading import write_reports

    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    key = template_csv(po, fill_key=True).encode()
    raw = os.fsencode(subs)
    long_name = b"s" * 240 + b".csv"  # 244 bytes: legal on ext4
    for name in (long_name, b"caf\xe9.csv", b"=HYPERLINK(1).csv", b"X.CSV", b"<script>x.csv"):
        with open(os.path.join(raw, name), "wb") as fh:
            fh.write(key)
    (subs / "x.csv").mkdir()  # a folder named like a submission
    os.symlink("/etc/passwd", subs / "linked.csv")  # never followed
    (subs / "ab.csv").write_bytes(key)
    (subs / "AB.csv").write_bytes(key)  # the same student twice, in another case
    (subs / "notes.txt").write_text("hello")
    (subs / "huge.csv").write_bytes(b"item_id,dimension,diffusion,transfer\n" + b"x,y,z,w\n" * 300_000)
    (subs / "README.md").write_text("the folder's own description")
    (subs / "scripted.csv").write_bytes(key + b"<script>alert(1)</script>,a,b,c\n")  # echoed in the comment
    run = grade(po, subs, cache_dir=out / ".cache", progress=False)
    rows = {(r.student_id, r.kind): r for r in run.results}
    assert len(run.results) == 12 == len(rows)
    ok = {("s" * 240, "csv"), ("café", "csv"), ("=HYPERLINK(1)", "csv"), ("X", "csv"), ("<script>x", "csv")}
    assert {k for k, r in rows.items() if r.status == "ok"} == ok
    assert "folder" in rows[("x", "csv")].comments
    assert "link" in rows[("linked", "csv")].comments and "root:" not in rows[("linked", "csv")].comments
    assert "ONE file" in rows[("ab", "csv")].comments and "ONE file" in rows[("AB", "csv")].comments
    assert "not a submission" in rows[("notes.txt", "other")].comments
    assert rows[("huge", "csv")].status == "invalid" and "limit" in rows[("huge", "csv")].comments
    write_reports(run, out)
    book = (out / "gradebook.csv").read_text(encoding="utf-8")
    assert "\n'=HYPERLINK(1)," in book and "\n=" not in book  # no formula reaches a spreadsheet
    report = (out / "class_report.md").read_text(encoding="utf-8")
    assert "<script>" not in report
    feedback = sorted(p.name for p in (out / "feedback").iterdir())
    assert "<script>" in rows[("scripted", "csv")].comments  # the raw comment still names the bad id …
    assert len(feedback) == 2 * 12 and all(len(n.encode()) < 120 for n in feedback)
    assert all("<script>" not in p.read_text(encoding="utf-8") for p in (out / "feedback").iterdir())
    again = grade(po, subs, cache_dir=out / ".cache", progress=False)  # the cache cannot make a rerun fail
    assert [(r.student_id, r.status) for r in again.results] == [(r.student_id, r.status) for r in run.results]
    for f in (out / ".cache").glob("*.json"):
        f.write_text("{broken")
    third = grade(po, subs, cache_dir=out / ".cache", progress=False)
    assert [(r.student_id, r.status) for r in third.results] == [(r.student_id, r.status) for r in run.results]


def test_a_file_longer_than_the_template_allows_is_rejected_unread(po, monkeypatch):
    """One row past the tolerance, and the file is rejected before any row is matched (a million rows of
    unknown ids take the same path; its time is in benchmarks/bench_grading.py, not in a timed test)."""
    from compendium.grading import submissions
    from compendium.grading.submissions import EXTRA_ROWS, parse_submission

    def unknown_rows(n):
        return b"item_id,dimension,diffusion,transfer\n" + b"".join(b"id%07d,a,b,c\n" % i for i in range(n))

    codes = {v.name: v.codes for v in po.variables}
    with monkeypatch.context() as m:  # no row is matched against the items ("did you mean ...")
        m.setattr(submissions.difflib, "get_close_matches", lambda *a, **k: pytest.fail("a row was matched"))
        parsed = parse_submission(unknown_rows(len(po.items) + EXTRA_ROWS + 1), po.items, codes)
    assert parsed.codes is None and f"{len(po.items) + EXTRA_ROWS + 1:,} rows" in parsed.problems[0]
    parsed = parse_submission(unknown_rows(len(po.items) + EXTRA_ROWS), po.items, codes)
    assert "rows but the template has" not in parsed.problems[0]  # at the tolerance, rows are read and checked
    few = b"item_id,dimension,diffusion,transfer\n" + b"".join(b"%s-x,a,b,c\n" % i.encode() for i in po.items)
    parsed = parse_submission(few, po.items, {v.name: v.codes for v in po.variables})
    assert sum("did you mean" in p for p in parsed.problems[0].split("line ")) <= 8  # only for those listed
