"""Make a synthetic class as an LMS hands it over, to try and time `compendium grade` (not real students).

    .venv/bin/python tools/make_lms_submissions.py OUT [--students 300] [--assignment policy-outputs]

writes into OUT:

* ``moodle-submissions.zip`` -- Moodle's "Download all submissions" (a folder per student,
  ``Full Name_PARTICIPANT_assignsubmission_file_/FILE``) and ``moodle-roster.csv``, the assignment's
  grading worksheet (Identifier "Participant N", Full name, Email address);
* ``canvas-submissions/`` -- Canvas's "Download submissions" names (``login[_LATE]_userid_attachmentid_FILE``)
  and ``canvas-roster.csv``, the gradebook export (Student, ID, SIS User ID, SIS Login ID, Section).

Each submission is the answer key with about 15 % of codes replaced at random (seeded). The class is
made awkward on purpose, as real ones are: 2 % of the roster hand in nothing, a few hand in twice
(Canvas: a re-upload ``-1``; Moodle: two different files -- ambiguous), a few are late, one hands in
an .xlsx, one a semicolon-separated file.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRST = ["Siti", "Rahma", "Budi", "Dewi", "Agus", "Putri", "Andi", "Nur", "Rizky", "Ayu", "Fajar", "Indah",
         "Yusuf", "Lestari", "Hendra", "Wulan", "Dimas", "Citra", "Bayu", "Intan"]
LAST = ["Rahmawati", "Santoso", "Pratama", "Wijaya", "Hidayat", "Kusuma", "Saputra", "Lubis", "Siregar",
        "Nasution", "Setiawan", "Permata", "Halim", "Gunawan", "Utami"]
DATE = (2026, 1, 1, 0, 0, 0)  # fixed: two runs give the same bytes


def students(n: int) -> list[dict]:
    out = []
    for k in range(n):
        first, last = FIRST[k % len(FIRST)], LAST[(k // len(FIRST)) % len(LAST)]
        login = f"{last}{first}{k:03d}".lower()
        out.append({"name": f"{first} {last} {k:03d}", "login": login, "email": f"{login}@students.example.ac.id",
                    "sis": f"2024{k:05d}", "canvas_id": str(12000 + k), "participant": str(50000 + k),
                    "section": f"IR-{k % 3 + 1}"})
    return out


def submission(key_lines: list[str], codes: list[tuple[str, ...]], rng: random.Random, sep: str = ",") -> bytes:
    lines = [key_lines[0].replace(",", sep)]
    for line in key_lines[1:]:
        item, *values = line.split(",")
        values = [rng.choice(c) if rng.random() < 0.15 else v for v, c in zip(values, codes)]
        lines.append(sep.join([item, *values]))
    return ("\n".join(lines) + "\n").encode()


def make(out: Path, n: int, assignment: str) -> dict[str, Path]:
    sys.path.insert(0, str(ROOT / "src"))
    from compendium.grading import load_assignment
    from compendium.grading.assignments import template_csv

    a = load_assignment(assignment, ROOT / "data")
    key_lines = template_csv(a, fill_key=True).splitlines()
    codes = [v.codes for v in a.variables]
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(14)
    people = students(n)

    # Moodle: a zip of folders, and the grading worksheet as the class list
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        def put(name: str, data: bytes) -> None:
            z.writestr(zipfile.ZipInfo(name, DATE), data)

        for k, s in enumerate(people):
            if k % 50 == 7:
                continue  # no submission
            folder = f"{s['name']}_{s['participant']}_assignsubmission_file_/"
            if k % 97 == 11:
                put(folder + "coding.xlsx", b"PK\x03\x04 not a csv")
                continue
            sep = ";" if k % 101 == 13 else ","
            put(folder + f"{assignment}.csv", submission(key_lines, codes, rng, sep))
            if k % 89 == 5:
                put(folder + f"{assignment}-final.csv", submission(key_lines, codes, rng))
    moodle = out / "moodle-submissions.zip"
    moodle.write_bytes(buf.getvalue())
    with open(out / "moodle-roster.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade"])
        for s in people:
            w.writerow([f"Participant {s['participant']}", s["name"], s["email"], "", "", f"{a.max_score:g}"])

    # Canvas: a flat folder, and the gradebook export as the class list
    canvas = out / "canvas-submissions"
    canvas.mkdir(exist_ok=True)
    for k, s in enumerate(people):
        if k % 50 == 9:
            continue
        late = "_LATE" if k % 23 == 4 else ""
        (canvas / f"{s['login']}{late}_{s['canvas_id']}_{700000 + 2 * k}_{assignment}.csv").write_bytes(
            submission(key_lines, codes, rng))
        if k % 61 == 3:  # a re-upload: Canvas names it -1; the latest is graded
            (canvas / f"{s['login']}_{s['canvas_id']}_{700001 + 2 * k}_{assignment}-1.csv").write_bytes(
                submission(key_lines, codes, rng))
    with open(out / "canvas-roster.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{a.title} (101)"])
        w.writerow(["    Points Possible", "", "", "", "", f"{a.max_score:g}"])
        for s in people:
            w.writerow([f"{s['name'].split()[1]}, {s['name'].split()[0]} {s['name'].split()[2]}", s["canvas_id"],
                        s["sis"], s["login"], s["section"], ""])
    return {"moodle": moodle, "moodle_roster": out / "moodle-roster.csv", "canvas": canvas,
            "canvas_roster": out / "canvas-roster.csv"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--students", type=int, default=300)
    ap.add_argument("--assignment", default="policy-outputs")
    args = ap.parse_args()
    for what, path in make(args.out, args.students, args.assignment).items():
        print(f"{what}: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
