"""The students' hand-out of an assignment: everything they need, nothing of the key.

The reference coding lives in ``data/raw/coded/`` of this public repository, so students are not sent to
the repository: they get the pack (:func:`pack_files`, written by :func:`write_pack` as a folder or a
``.zip``):

* ``README.md`` -- title, the assignment's ``instructions``, how a submission is scored, how to self-check;
* ``papers/`` -- the two papers' texts (the sources students code from);
* ``NAME.template.csv`` -- the blank template; ``NAME.items.csv`` -- item ids with their labels;
* ``NAME.codes.csv`` -- the codebook entries of the assignment's variables (codes, labels, definitions);
* ``self_check.py`` -- a standalone, standard-library-only check of form (encoding, separator, header,
  ids, codes) that reports exactly what the grader's intake would, and nothing about the reference.

What is left out on purpose: the reference codes, the second coder, the example submissions (they embed
the key), and the evidence quotes the reference coder cited per item (they point at the passage, and so
at the code). Items are listed in alphabetical order: the reference table is grouped by code (paper B's
Tabel 2 order), so its row order would give away the dimension of every item.
"""

from __future__ import annotations

import csv
import inspect
import io
import json
import re
import zipfile
from pathlib import Path

from compendium.grading import submissions
from compendium.grading.assignments import Assignment, Category, codes_csv, template_csv

#: a fixed time stamp for every zip member: two packs of the same assignment are byte-identical
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def sorted_items(a: Assignment) -> list[str]:
    return sorted(a.items)


def items(a: Assignment) -> str:
    """Item ids and labels, no evidence (see the module's docstring)."""
    labels = dict(zip(a.key["item_id"], a.key["label"]))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["item_id", "label"])
    for item in sorted_items(a):
        w.writerow([item, labels[item]])
    return buf.getvalue()


#: a parenthesis that gives examples ("e.g. Posco, LRT", "mis. …", "Paper A also names …")
_EXAMPLES = re.compile(r"\s*\((?:[^()]*?\b(?:e\.g\.|mis\.|also names)[^()]*)\)", re.IGNORECASE)
WITHHELD_DEFINITION = {
    "en": "(The codebook defines this code with examples that are items of this exercise; they are left out "
          "here -- read the papers.)",
    "id": "(Buku kode mendefinisikan kode ini dengan contoh yang merupakan butir latihan ini; contoh itu "
          "dihilangkan di sini -- bacalah makalahnya.)"}


def _norm(text: str) -> str:
    return re.sub(r"[-_\s]+", " ", text.casefold())


def names_an_item(a: Assignment, text: str) -> bool:
    """Whether ``text`` names an item of the exercise (by its id or its label, ignoring case and dashes)."""
    low = _norm(text)
    names = [*a.key["item_id"], *a.key["label"]]
    return any(re.search(rf"(?<![a-z0-9]){re.escape(_norm(n))}(?![a-z0-9])", low) for n in names if n.strip())


def codes(a: Assignment) -> str:
    """The codebook entries of the assignment's variables, as :func:`~compendium.grading.assignments.codes_csv`
    writes them but without worked examples drawn from the exercise's own items: examples in parentheses
    are dropped; a definition that still names an item in either language (paper A defines actor types
    by naming who holds them) is withheld with a note -- it would be the answer, not the definition."""
    def safe(c: Category) -> tuple[str, str]:
        en, id_ = _EXAMPLES.sub("", c.definition_en), _EXAMPLES.sub("", c.definition_id)
        if names_an_item(a, en) or names_an_item(a, id_):  # either language gives it away: withhold both
            return WITHHELD_DEFINITION["en"], WITHHELD_DEFINITION["id"]
        return en, id_

    return codes_csv(a, definitions=safe)


def scoring_for_students(a: Assignment) -> str:
    """How a submission is scored, in words a student can check against -- without the key's numbers."""
    weights = ", ".join(f"{v.name} {v.weight:g}" for v in a.variables)
    if a.scheme == "baseline-corrected":
        return (f"Each variable is weighted ({weights}; maximum {a.max_score:g}). W is the sum over the "
                "variables of weight × the share of items you coded like the reference. B is the W of a "
                "submission that gives every item of a variable the code the reference uses most. Your "
                f"score is {a.max_score:g} × (W − B) / ({a.max_score:g} − B), never below 0, rounded to "
                f"{a.rounding:g}. So coding everything with one code earns nothing, a perfect submission "
                f"earns {a.max_score:g}, and in between every wrong code costs the same small amount "
                "(more on a variable with a larger weight). Correcting a code never lowers the score.")
    if a.scheme == "thresholds":
        rows = "; ".join(f"at least {100 * float(r['min_agreement']):g} % of items → {float(r['fraction']):g} × weight"
                         for r in sorted(a.spec["rubric"]["thresholds"], key=lambda r: -float(r["min_agreement"])))
        return (f"Each variable is weighted ({weights}; maximum {a.max_score:g}); its points depend on the "
                f"share of items you coded like the reference: {rows}. Correcting a code never lowers the score.")
    return a.rubric_text() + "."


def readme(a: Assignment, papers: list[str]) -> str:
    n = a.name
    lines = [f"# {a.title}", "", a.instructions, "", "## How a submission is scored", "",
             scoring_for_students(a), "",
             "The grader also reports Cohen's κ and Krippendorff's α per variable: both measure agreement "
             "with the reference beyond what chance would give (1 = perfect, 0 = chance level); they are "
             "shown for your information and do not change the score.", "",
             "## What is in this folder", "",
             f"* `{n}.template.csv` -- fill it in: one row per item, one code per variable;",
             f"* `{n}.codes.csv` -- the allowed codes of each variable with their definitions (English and "
             "Indonesian);",
             f"* `{n}.items.csv` -- the items with a short label;",
             "* `papers/` -- the two papers you code from: " + ", ".join(f"`{p}`" for p in papers) + ";",
             "* `self_check.py` -- checks the form of your file before you hand it in.", "",
             "## Check your file before you hand it in", "",
             "With Python 3 (tested with 3.11; nothing to install):", "",
             "    python self_check.py MY_STUDENT_ID.csv", "",
             "It checks the encoding (UTF-8), the separator (commas), the header, that every item id of the "
             "template appears exactly once, and that every code is one of the allowed codes -- the same "
             "checks the grader makes before scoring. It knows nothing of the reference: passing it says "
             "your file can be graded, not what it will score.", ""]
    return "\n".join(lines)


def self_check_script(a: Assignment) -> str:
    """A standalone script: the grader's own intake checks (:mod:`compendium.grading.submissions`,
    standard library only) with the assignment's item ids and allowed codes -- so the self-check can
    never disagree with the grader about form."""
    source = inspect.getsource(submissions)
    ids = json.dumps(sorted_items(a), indent=1, ensure_ascii=False)
    codes = json.dumps({v.name: list(v.codes) for v in a.variables}, indent=1, ensure_ascii=False)
    main = f'''

# ----------------------------------------------------------------------------- the self-check
ASSIGNMENT = {json.dumps(a.name)}
#: the item ids of the template (alphabetical)
ITEMS = {ids}
#: the allowed codes of each variable
CODES = {codes}


def main(argv=None):
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python self_check.py STUDENT_ID.csv", file=sys.stderr)
        return 2
    path = args[0]
    try:
        with open(path, "rb") as fh:
            data = fh.read(5_000_000)
    except OSError as err:
        print(f"{{path}}: cannot be read ({{err.strerror}})", file=sys.stderr)
        return 2
    parsed = parse_submission(data, ITEMS, {{v: tuple(c) for v, c in CODES.items()}})
    if parsed.codes is None:
        print(f"{{path}}: NOT ready to hand in -- fix these and run the check again:")
        for problem in parsed.problems:
            print(f"  - {{problem}}")
        return 1
    print(f"{{path}}: the form is right ({{len(ITEMS)}} items, {{len(CODES)}} variables): ready to hand in "
          f"for {{ASSIGNMENT}}. (This check does not know the reference codes: it cannot tell your score.)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
'''
    header = (f"#!/usr/bin/env python3\n# Self-check for the assignment {a.name}: is my CSV in the form the grader "
              "reads?\n# Usage: python self_check.py STUDENT_ID.csv   (Python 3, tested with 3.11; standard library only)\n"
              "# The checks below are the grader's own (compendium.grading.submissions), copied verbatim.\n")
    return header + source + main


def pack_files(a: Assignment) -> dict[str, bytes]:
    """The pack's files, path → bytes, in a fixed order."""
    papers_dir = a.data_dir / "raw" / "papers"
    papers = sorted(p.name for p in papers_dir.glob("*.txt"))
    n = a.name
    files = {"README.md": readme(a, papers),
             f"{n}.template.csv": template_csv(a),
             f"{n}.items.csv": items(a),
             f"{n}.codes.csv": codes(a),
             "self_check.py": self_check_script(a)}
    out = {k: v.encode("utf-8") for k, v in files.items()}
    for p in papers:
        out[f"papers/{p}"] = (papers_dir / p).read_bytes()
    return out


def write_pack(a: Assignment, out: Path | str) -> Path:
    """Write the pack as a folder, or as a zip when ``out`` ends in ``.zip`` (members under ``NAME/``)."""
    from compendium.render.artefacts import atomic_write

    out = Path(out)
    files = pack_files(a)
    if out.suffix.lower() == ".zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in files.items():
                info = zipfile.ZipInfo(f"{a.name}/{name}", ZIP_DATE)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, data)
        atomic_write(out, buf.getvalue())
        return out
    for name, data in files.items():
        atomic_write(out / name, data)
    return out
