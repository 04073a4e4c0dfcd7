"""Regenerate the SYNTHETIC student submissions under data/examples/ (deterministic; seeded).

    .venv/bin/python tools/make_grading_examples.py

They are built from the current reference coding (compendium.grading.load_assignment), so rerun this
after the reference changes. Nothing here is a real student's work.
"""

from __future__ import annotations

import csv
import io
import random
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from nbauthor import write as write_notebook  # noqa: E402

from compendium.grading.assignments import load_assignment  # noqa: E402

SEED = 20240607

# (student, description, {(item, variable): wrong code}) -- mistakes a real class makes
MISTAKES = {
    "policy-outputs": [
        ("s02-diffusion-confusions", "emulation vs combination vs copying confusions",
         {("cikapundung", "diffusion"): "emulation", ("little-seoul", "diffusion"): "emulation",
          ("lrt", "diffusion"): "emulation", ("bus-reform-strategy", "diffusion"): "copying",
          ("little-seoul", "transfer"): "competition"}),
        ("s03-dimension-slips", "dimension slips for outputs outside Tabel 2, combination read as copying",
         {("lrt", "dimension"): "smart-living", ("bus-reform-strategy", "dimension"): "smart-living",
          ("cikapundung", "dimension"): "smart-living", ("cikapundung", "diffusion"): "copying",
          ("student-exchange", "dimension"): "smart-branding"}),
        ("s04-transfer-confusions", "learning vs competition confusions",
         {("tax-dept-bppd", "transfer"): "competition", ("bus-reform-strategy", "transfer"): "learning",
          ("lrt", "transfer"): "learning", ("little-bandung", "transfer"): "competition"}),
    ],
    "actor-roles": [
        ("s02-go-between-external", "go-between vs external confusions",
         {("korean-investors", "role"): "external", ("kofice", "role"): "external",
          ("posco", "role"): "external", ("seoul-tax-department", "role"): "go-between",
          ("korea-exim-bank", "role"): "external"}),
        ("s03-kind-slips", "consultant vs research institute, programme vs ministry",
         {("lapi-itb", "kind"): "research-institute", ("seoul-institute", "kind"): "consultant",
          ("ksp", "kind"): "ministry", ("bandung-asn", "kind"): "city-agency"}),
        ("s04-guesses-for-unclear", "confident codes where the reference says unclear",
         {("moef", "role"): "external", ("korea-government", "role"): "external",
          ("asean-korea-centre", "role"): "go-between", ("itb", "role"): "go-between"}),
    ],
}
# Two students who share the same unusual mistakes (the class report should flag them).
PAIR_MISTAKES = {
    "policy-outputs": {("wifi-taman", "diffusion"): "copying", ("mepeling", "transfer"): "coercion",
                       ("planning-gallery", "dimension"): "smart-branding", ("techno-polis", "transfer"): "coercion",
                       ("business-lounge", "diffusion"): "copying", ("rencana-induk", "transfer"): "coercion",
                       ("festival-participation", "dimension"): "smart-environment"},
    "actor-roles": {("bandung-city", "kind"): "programme", ("ridwan-kamil", "role"): "none",
                    ("itb", "kind"): "bank", ("dishub-bandung", "role"): "external",
                    ("bagian-pembangunan", "kind"): "community", ("kemlu", "role"): "internal",
                    ("bandung-students", "kind"): "cultural-foundation"},
}


def rows_of(a, mistakes=None):
    out = []
    for _, r in a.key.iterrows():
        row = {"item_id": r["item_id"]}
        for v in a.variable_names:
            code = (mistakes or {}).get((r["item_id"], v), r[v])
            row[v] = code
        out.append(row)
    return out


def to_csv(a, rows, extra=()) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, ["item_id", *a.variable_names, *extra], lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def notebook_cells(a, rows) -> list:
    answers = "\n".join(f"    {r['item_id']!r}: {tuple(r[v] for v in a.variable_names)!r}," for r in rows)
    return [
        ("md", f"# {a.title}\n\nSYNTHETIC example of a notebook submission: it reads the evidence from "
               "`../data` and writes `submission.csv` in its working folder."),
        ("code", "import pandas as pd\n\nsegments = pd.read_csv('../data/raw/coded/segments.csv')\n"
                 "print(len(segments), 'quoted segments available')"),
        ("code", f"codes = {{\n{answers}\n}}\ncolumns = {['item_id', *a.variable_names]!r}\n"
                 "rows = [(item, *values) for item, values in codes.items()]\n"
                 "pd.DataFrame(rows, columns=columns).to_csv('submission.csv', index=False)"),
    ]


def main() -> int:
    rng = random.Random(SEED)
    for name in ("policy-outputs", "actor-roles"):
        a = load_assignment(name)
        folder = ROOT / "data" / "examples" / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        items = set(a.items)

        def keep(m):
            return {k: v for k, v in m.items() if k[0] in items and a.key.set_index("item_id").loc[k[0], k[1]] != v}

        (folder / "s01-perfect.csv").write_text(to_csv(a, rows_of(a)), encoding="utf-8")
        for student, _, mistakes in MISTAKES[name]:
            (folder / f"{student}.csv").write_text(to_csv(a, rows_of(a, keep(mistakes))), encoding="utf-8")
        pair = keep(PAIR_MISTAKES[name])
        (folder / "s05-pair-a.csv").write_text(to_csv(a, rows_of(a, pair)), encoding="utf-8")
        # b copies a, fixes one mistake and makes one of their own
        pair_b = dict(list(pair.items())[1:])
        first_var = a.variables[0]
        other = [c for c in first_var.codes if c != a.key[first_var.name].iloc[-1]][0]
        pair_b[(a.items[-1], first_var.name)] = other
        (folder / "s06-pair-b.csv").write_text(to_csv(a, rows_of(a, pair_b)), encoding="utf-8")
        good = rows_of(a)
        if name == "policy-outputs":
            # malformed: an unquoted comma in a rationale, a typo in a code, a duplicate and a missing row
            text = to_csv(a, good[:-1], extra=("rationale",)).splitlines()
            text[2] = text[2].replace(f",{good[1]['diffusion']},", ",emulaton,", 1) if good[1]["diffusion"] != "emulation" else text[2]
            text[3] = text[3] + "because Seoul did it, too"
            text.append(text[1])
            (folder / "s07-malformed.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
            rationale = [dict(r, rationale="Pemerintah Kota Bandung: idé dari Seoul") for r in good]
            (folder / "s08-latin1.csv").write_bytes(to_csv(a, rationale, extra=("rationale",)).encode("latin-1"))
        else:
            text = to_csv(a, good).replace(",", ";")
            (folder / "s07-semicolons.csv").write_text(text, encoding="utf-8")
            (folder / "s08-utf16.csv").write_bytes(to_csv(a, good).encode("utf-16"))
        random_rows = [{"item_id": i, **{v.name: rng.choice(v.codes) for v in a.variables}} for i in a.items]
        (folder / "s09-random.csv").write_text(to_csv(a, random_rows), encoding="utf-8")
        nb_rows = rows_of(a, dict(list(keep(MISTAKES[name][0][2]).items())[:1]))
        write_notebook(str(folder / "s10-notebook.ipynb"), notebook_cells(a, nb_rows))
        write_notebook(str(folder / "s11-hostile-loop.ipynb"), [
            ("md", "SYNTHETIC hostile submission: never finishes."), ("code", "while True:\n    pass")])
        readme = [f"# SYNTHETIC submissions for `{name}` -- not real students' work", "",
                  "Generated by `tools/make_grading_examples.py` (seeded, deterministic) from the reference "
                  "coding; regenerate after the reference changes. Used by notebook 07, the tests and the "
                  "benchmark.", "", "| file | what it shows | expected status |", "|---|---|---|",
                  "| s01-perfect.csv | the answer key itself | ok, full marks |"]
        for student, desc, _ in MISTAKES[name]:
            readme.append(f"| {student}.csv | {desc} | ok |")
        readme += ["| s05-pair-a.csv, s06-pair-b.csv | the same unusual mistakes: flagged as too alike | ok |"]
        if name == "policy-outputs":
            readme += ["| s07-malformed.csv | typo in a code, unquoted comma, duplicate and missing row | invalid |",
                       "| s08-latin1.csv | saved as Latin-1 instead of UTF-8 | invalid |"]
        else:
            readme += ["| s07-semicolons.csv | semicolon-separated (Excel in an Indonesian locale) | invalid |",
                       "| s08-utf16.csv | saved as UTF-16 (\"Unicode text\") | invalid |"]
        readme += [f"| s09-random.csv | codes drawn at random (seed {SEED}) | ok, near chance |",
                   "| s10-notebook.ipynb | a notebook that writes `submission.csv` (one mistake) | ok |",
                   "| s11-hostile-loop.ipynb | an endless loop | timeout |"]
        (folder / "README.md").write_text("\n".join(readme) + "\n", encoding="utf-8")
    (ROOT / "data" / "examples" / "README.md").write_text(
        "# SYNTHETIC examples\n\nEverything under `data/examples/` is synthetic: invented student submissions "
        "for the grading assignments in `data/assignments/`, generated by `tools/make_grading_examples.py`. "
        "See the README of each folder.\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
