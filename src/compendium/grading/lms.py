"""Grades back into the LMS: the files Moodle and Canvas import, written beside ``gradebook.csv``.

* ``moodle-grades.csv`` -- Moodle's grading worksheet ("Upload grading worksheet" of an assignment):
  ``Identifier`` (``Participant N``, the participant id of the download's folder names), ``Full name``,
  ``Email address``, ``Grade``, ``Maximum Grade``, ``Feedback comments``;
* ``moodle-feedback.zip`` -- for "Upload multiple feedback files in a zip": each student's HTML feedback
  in a folder named as in the submissions download (``Full Name_N_assignsubmission_file_/``), which is
  how Moodle finds the participant;
* ``canvas-grades.csv`` -- Canvas's gradebook import: ``Student``, ``ID``, ``SIS User ID``,
  ``SIS Login ID``, ``Section`` and the assignment's column (``--lms-column``: use the header of Canvas's
  own export, ``Name (assignment id)``, so that the import updates that assignment). Canvas's import
  takes no comments: the comment is in the feedback file and in ``gradebook.csv``.

A submission that was not graded (invalid, ambiguous, missing, timeout, error, refused) gets a blank
grade -- never 0 -- and its comment says why. Moodle's files are written when a Moodle download or a
Moodle worksheet gave participant ids, Canvas's when a Canvas download or gradebook export gave user ids.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

from compendium.grading.batch import GradingRun

ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def grade_cell(r) -> str:
    return f"{r.total:g}" if r.status == "ok" else ""


def comment(r, max_score: float) -> str:
    """One line for the LMS: the score and the feedback's pointer, or what went wrong (blank grade)."""
    if r.status == "ok":
        return f"{r.total:g} / {max_score:g}. {r.comments}. Nilai {r.total:g} dari {max_score:g}; lihat berkas umpan balik."
    return (f"Not graded ({r.status}): {r.comments} -- Tidak dinilai; lihat berkas umpan balik.")


def _csv(rows: list[list[str]]) -> bytes:
    from compendium.grading.report import csv_safe

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for row in rows:
        w.writerow([csv_safe(c) for c in row])
    return buf.getvalue().encode("utf-8")


def moodle_folder(r) -> str:
    """The folder name Moodle gave the student's submission (or would have: a student with none)."""
    ident = r.identity
    if ident.get("moodle_folder"):
        return ident["moodle_folder"]
    name = re.sub(r"[\\/:*?\"<>|_]", " ", ident.get("full_name") or r.student_id).strip()
    return f"{name}_{ident['lms_id']}_assignsubmission_file_"


def lms_files(run: GradingRun, feedback_html: dict[int, str], column: str | None = None) -> dict[str, bytes]:
    """The import files, name → bytes; ``feedback_html`` maps a result's index to its HTML feedback."""
    a = run.assignment
    out: dict[str, bytes] = {}
    moodle = [(k, r) for k, r in enumerate(run.results) if r.identity.get("lms") == "moodle" and r.identity.get("lms_id")]
    canvas = [r for r in run.results if r.identity.get("lms") == "canvas" and r.identity.get("lms_id")]
    if moodle:
        rows = [["Identifier", "Full name", "Email address", "Grade", "Maximum Grade", "Feedback comments"]]
        rows += [[f"Participant {r.identity['lms_id']}", r.identity.get("full_name", ""), r.identity.get("email", ""),
                  grade_cell(r), f"{a.max_score:g}", comment(r, a.max_score)] for _, r in moodle]
        out["moodle-grades.csv"] = _csv(rows)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            seen = set()
            for k, r in moodle:
                name = f"{moodle_folder(r)}/feedback.html"
                if k in feedback_html and name not in seen:
                    seen.add(name)
                    z.writestr(zipfile.ZipInfo(name, ZIP_DATE), feedback_html[k].encode("utf-8"))
        out["moodle-feedback.zip"] = buf.getvalue()
    if canvas:
        col = column or a.title
        rows = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", col],
                ["    Points Possible", "", "", "", "", f"{a.max_score:g}"]]
        rows += [[r.identity.get("full_name", "") or r.student_id, r.identity["lms_id"], r.identity.get("sis_id", ""),
                  r.identity.get("username", ""), r.identity.get("section", ""), grade_cell(r)] for r in canvas]
        out["canvas-grades.csv"] = _csv(rows)
    return out


def write_lms_files(run: GradingRun, out_dir: Path | str, feedback_html: dict[int, str],
                    column: str | None = None) -> dict[str, Path]:
    from compendium.render.artefacts import atomic_write

    written = {}
    for name, data in lms_files(run, feedback_html, column).items():
        written[name] = atomic_write(Path(out_dir) / name, data)
    return written
