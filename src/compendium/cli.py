"""compendium: build, validate, test the claims of, and grade with the Bandung–Seoul sister-city compendium.

Each subcommand imports what it needs only when it runs, so that a no-op ``compendium build`` stays
well under a second.
"""

from __future__ import annotations

import argparse
import sys


def _build(args) -> int:
    from compendium.build.pipeline import BuildError, build

    try:
        build(force=args.force, only=args.only, jobs=args.jobs, warm=False if args.cold_kernels else None)
    except BuildError as err:
        print(err, file=sys.stderr)
        return 1
    return 0


def _validate(args) -> int:
    from compendium.coding import validate_dir

    problems = validate_dir(args.dir)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} problem(s) in {args.dir or 'data/'}", file=sys.stderr)
        return 1
    print("ok: the coded data is valid")
    return 0


def _codebook(args) -> int:
    from compendium.coding.codebook import default_output, is_current, write

    if args.check:
        if is_current():
            print(f"ok: {default_output()} is current")
            return 0
        print(f"{default_output()} is out of date with data/datapackage.json; run `compendium codebook`",
              file=sys.stderr)
        return 1
    print(f"wrote {write()}")
    return 0


def _assignment(args) -> int:
    from compendium.grading.assignments import (AssignmentError, codes_csv, items_csv, load_assignment,
                                                template_csv)

    if args.action == "new":
        from compendium.grading.assignments import scaffold

        try:
            path = scaffold(args.name)
        except AssignmentError as err:
            print(err, file=sys.stderr)
            return 2
        print(f"wrote {path}: edit the lines marked TODO (the format: docs/assignments.md)")
        return 0
    try:
        a = load_assignment(args.name)
    except AssignmentError as err:
        print(err, file=sys.stderr)
        return 2
    if args.action == "pack":
        from compendium.grading.pack import write_pack

        if not args.output:
            print("compendium assignment pack: --out PATH is required (a folder, or a file ending in .zip)",
                  file=sys.stderr)
            return 2
        out = write_pack(a, args.output)
        print(f"wrote the hand-out of {a.name} to {out}: instructions, papers, template, codes, items and "
              "self_check.py -- no reference codes", file=sys.stderr)
        return 0
    text = template_csv(a, fill_key=args.action == "key")
    if args.output:
        from pathlib import Path

        from compendium.render.artefacts import atomic_write

        out = Path(args.output)
        atomic_write(out, text.encode("utf-8"))
        stem = out.with_suffix("")
        atomic_write(Path(f"{stem}.codes.csv"), codes_csv(a).encode("utf-8"))
        atomic_write(Path(f"{stem}.items.csv"), items_csv(a).encode("utf-8"))
        print(f"wrote {out}, {stem}.codes.csv (allowed codes and definitions) and {stem}.items.csv "
              "(items with their label and evidence)", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _grade(args) -> int:
    from pathlib import Path

    from compendium.grading.assignments import AssignmentError, load_assignment
    from compendium.grading.batch import grade
    from compendium.grading.report import write_reports
    from compendium.grading.sandbox import Limits

    try:
        a = load_assignment(args.name)
    except AssignmentError as err:
        print(err, file=sys.stderr)
        return 2
    import tempfile

    from compendium.grading.intake import RosterError, collect

    source = Path(args.submissions)
    if not source.is_dir() and not source.is_file():
        print(f"compendium grade: {args.submissions}: no such folder or zip (expected a folder of "
              "STUDENT_ID.csv or STUDENT_ID.ipynb submissions, an LMS download, or its .zip)", file=sys.stderr)
        return 2
    out = Path(args.out)
    try:
        limits = Limits(cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout,
                        memory_mb=args.memory_mb)
    except ValueError as err:
        print(f"compendium grade: {err}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="grade-intake-") as work:
        try:
            entries = collect(source, work, args.roster)
            folder = Path(work) / "unzipped" if source.is_file() else source
            run = grade(a, folder, cache_dir=out / ".cache", only=args.only, workers=args.workers,
                        limits=limits, progress=not args.quiet, unsafe=args.unsafe, entries=entries)
        except (FileNotFoundError, RosterError) as err:
            print(err, file=sys.stderr)
            return 2
    column = args.lms_column
    if column is None and args.roster:
        from compendium.grading.intake import canvas_column

        column = canvas_column(args.roster)  # a Canvas export names the assignment's column: reuse it
    written = write_reports(run, out, lms_column=column)
    counts = {}
    for r in run.results:
        counts[r.status] = counts.get(r.status, 0) + 1
    print(f"graded {len(run.results)} submission(s) of {a.name}: "
          + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
          + f"; see {out / 'gradebook.csv'}, {out / 'feedback'}/ and {out / 'class_report.md'}"
          + "".join(f", {written[n]}" for n in ("moodle-grades.csv", "moodle-feedback.zip", "canvas-grades.csv")
                    if n in written))
    if run.isolation == "refused":
        print("notebook submissions were refused: no sandbox (install bubblewrap: apt-get install bubblewrap) -- "
              "or pass --unsafe to run them without one", file=sys.stderr)
    elif run.isolation == "unsafe":
        print("warning: notebook submissions ran WITHOUT a sandbox (--unsafe)", file=sys.stderr)
    return 0


def _artefacts(args) -> int:
    from compendium.render import registry

    if args.update_readme:
        changed = registry.update_readme()
        print("README.md: list of tables and figures " + ("updated" if changed else "already current"))
    else:
        print(registry.render_markdown())
    return 0


def _readme(args) -> int:
    from compendium.render import readme

    if args.check:
        stale = readme.stale_blocks()
        if stale:
            print("README.md is out of date with the data (" + ", ".join(stale) + "); run `compendium readme`",
                  file=sys.stderr)
            return 1
        print("ok: README.md's generated sections are current")
        return 0
    print("README.md: generated sections " + ("updated" if readme.update() else "already current"))
    return 0


def _claims(args) -> int:
    from compendium.analysis import claims

    if args.variants is not None:
        written = claims.run_variants(args.variants)
        print(f"{len(written)} executed variant notebook(s) in {args.variants}")
        return 0
    variant = claims.Variant(coder=args.coder, unclear=args.unclear, measure=args.measure)
    ledger = claims.evaluate(variant)
    print(f"claims ledger, variant {variant.label}\n")
    print(claims.format_ledger(ledger))
    return 0


def _paper(args) -> int:
    from compendium.papers import PaperError, add, sync

    if args.action == "sync":
        changes = sync(args.data)
        print("\n".join(changes) + "\nrewrote datapackage.json" if changes else "ok: datapackage.json agrees with papers.csv")
        return 0
    if not (args.file and args.id and args.citation):
        print("compendium paper add: FILE, --id and --citation are required", file=sys.stderr)
        return 2
    try:
        entry = add(args.file, args.id, args.citation, data=args.data, language=args.language, pages=args.pages or "",
                    page_range=args.page_range or "", sections=args.sections, body_start=args.body_start,
                    body_end=args.body_end)
    except PaperError as err:
        print(err, file=sys.stderr)
        return 1
    print(f"registered paper {entry.paper_id}: {entry.file} (sha256 {entry.sha256[:12]}…); its segment ids start "
          f"with '{entry.prefix}'. Run `compendium codebook` to update docs/codebook.md.")
    return 0


def _quote(args) -> int:
    from pathlib import Path

    from compendium.papers.sources import locate, paper, registry

    data = Path(args.data) if args.data else None
    keys = [args.paper] if args.paper else list(registry(data))
    if args.paper and args.paper not in registry(data):
        print(f"unknown paper {args.paper!r}; expected one of {', '.join(registry(data))}", file=sys.stderr)
        return 2
    folder = (data / "raw" / "papers") if data else None
    found = [locate(paper(key, folder), args.text) for key in keys]
    exact = [f for f in found if f.matches]
    for f in exact:
        for m in f.matches:
            print(f"paper {f.paper}" + (f", page {m.page}" if m.page is not None else "") + f", section {m.section}")
    if exact:
        return 0
    best = max(found, key=lambda f: f.ratio, default=None)
    print("not found verbatim" + (f" in paper {args.paper}" if args.paper else " in any registered paper"))
    if best and best.closest:
        m = best.at
        print(f"closest: paper {best.paper}" + (f", page {m.page}" if m.page is not None else "")
              + f", section {m.section} (similarity {best.ratio:.2f})")
        print(f"  paper: {best.closest}")
        for d in best.differences:
            print(f"  differs: {d}")
    return 1


EXAMPLES = {
    "build": """examples:
  compendium build                 run the notebooks whose inputs changed (what `make` runs)
  compendium build --force         run every notebook
  compendium build --only 02       run notebooks/02_actor_network.ipynb only""",
    "validate": """examples:
  compendium validate              check data/ (the shipped coding)
  compendium validate my-data/     check another data folder laid out like data/""",
    "claims": """examples:
  compendium claims                              the ledger under the reference coding
  compendium claims --coder coder-2 --unclear against
  compendium claims --variants build/variants    run notebook 06 once per coding variant""",
    "codebook": """examples:
  compendium codebook              rewrite docs/codebook.md from data/datapackage.json
  compendium codebook --check      exit 1 if docs/codebook.md is out of date""",
    "assignment": """examples:
  compendium assignment pack policy-outputs --out hand-out/policy-outputs.zip   what students get
  compendium assignment new treaty-types      scaffold data/assignments/treaty-types.yaml
  compendium assignment template policy-outputs -o hand-out/policy-outputs.csv
  compendium assignment key actor-roles > key.csv      (the instructor's answer key: keep it private)""",
    "grade": """examples:
  compendium grade policy-outputs data/examples/policy-outputs --out build/grading
  compendium grade policy-outputs submissions/ --out grades/ --only s04    regrade one student
  compendium grade policy-outputs moodle-download.zip --roster worksheet.csv --out grades/
      (writes grades/moodle-grades.csv and moodle-feedback.zip for Moodle's upload steps)
  compendium grade policy-outputs canvas-submissions/ --roster canvas-gradebook.csv --out grades/""",
    "readme": """examples:
  compendium readme                rewrite the results at a glance and the list of tables and figures
  compendium readme --check        exit 1 if either is out of date""",
    "paper": """examples:
  compendium paper add paper_C.txt --id C --citation "Author (2020). Title. Journal 1(2), 12-20." \\
      --pages '\\[page (\\d+)\\]' --page-range 12-20     register a paper whose pages are marked [page N]
  compendium paper sync            regenerate datapackage.json's paper fields from data/papers.csv""",
    "quote": """examples:
  compendium quote "kerjasama Smart City"            where the words stand in every registered paper
  compendium quote "kerja sama Smart City" --paper A  a near miss: the closest passage and what differs""",
    "artefacts": """examples:
  compendium artefacts                     print the list of tables and figures as Markdown
  compendium artefacts --update-readme     write it into README.md""",
}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sister-city-compendium")
    except PackageNotFoundError:  # run from a source tree without installing
        return "unknown (not installed)"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="compendium", description=__doc__.splitlines()[0],
        epilog="Run `compendium COMMAND --help` for a command's options and examples.")
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str, description: str):
        return sub.add_parser(name, help=summary, description=description, epilog=EXAMPLES[name],
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    b = command("build", "execute the notebooks (incrementally) into figures/ and tables/",
                "Validate the coded data, then execute notebooks/NN_*.ipynb with papermill, writing the "
                "regenerated tables and figures into tables/ and figures/. Only notebooks whose cells, "
                "data or library code changed since their last successful run are executed; a failing "
                "notebook leaves the last good outputs in place.")
    b.add_argument("--force", action="store_true", help="run every notebook, changed or not")
    b.add_argument("--only", action="append", metavar="NAME",
                   help="run only this notebook (e.g. 02 or 02_actor_network); repeatable")
    b.add_argument("--jobs", type=int, default=None, help="notebooks run at once (default: one more than the cores)")
    b.add_argument("--cold-kernels", action="store_true",
                   help="start every kernel afresh instead of forking it from a warm kernel server "
                        "(slower; for comparison and debugging)")
    b.set_defaults(func=_build)

    v = command("validate", "check the coded data; one line per problem",
                "Check the coded data against the codebook (data/datapackage.json) and the coding "
                "scheme's rules: types, categories, keys, dates, and that every quote stands verbatim "
                "in its paper. Each problem is one line naming file, line, column, value and what was "
                "expected. Exit status 1 when there is any problem.")
    v.add_argument("dir", nargs="?", default=None, help="data folder (default: the project's data/)")
    v.set_defaults(func=_validate)

    cl = command("claims", "print the claims ledger (every finding of both papers, tested)",
                 "Evaluate every claim of data/claims.csv against the coded data and print its verdict "
                 "(supported, partly supported, contradicted, not testable) with the evidence, under "
                 "one coding variant.")
    cl.add_argument("--coder", choices=["reference", "coder-2"], default="reference",
                    help="whose codes for policy outputs / actor roles (default: reference)")
    cl.add_argument("--unclear", choices=["drop", "against"], default="drop",
                    help="unclear codes dropped or counted against the claim (default: drop)")
    cl.add_argument("--measure", default="degree",
                    choices=["degree", "weighted_degree", "betweenness", "eigenvector", "pagerank"],
                    help="centrality measure for paper A's actor ranking (default: degree)")
    cl.add_argument("--variants", nargs="?", const="build/variants", default=None, metavar="OUTDIR",
                    help="instead, run notebook 06 under papermill once per variant into OUTDIR "
                         "(default build/variants/)")
    cl.set_defaults(func=_claims)

    c = command("codebook", "generate docs/codebook.md from data/datapackage.json",
                "Render the machine-readable codebook (data/datapackage.json) as docs/codebook.md.")
    c.add_argument("--check", action="store_true", help="only check that docs/codebook.md is current (exit 1 if not)")
    c.set_defaults(func=_codebook)

    asg = command("assignment", "make an assignment's hand-out, template or key; scaffold a new one",
                  "pack: write the students' hand-out of data/assignments/NAME.yaml (instructions, the "
                  "papers, the template, the codes with their definitions, the items and a self-check "
                  "script) as a folder or a .zip -- no reference code; hand this out, not the repository, "
                  "which holds the key. template / key: print the blank template or the instructor's "
                  "answer key (with -o, also the codes and the items with the reference coder's evidence, "
                  "which hints at the key). new: scaffold data/assignments/NAME.yaml (docs/assignments.md).")
    asg.add_argument("action", choices=["pack", "template", "key", "new"])
    asg.add_argument("name", help="assignment, e.g. policy-outputs or actor-roles (data/assignments/NAME.yaml)")
    asg.add_argument("-o", "--output", "--out", metavar="PATH",
                     help="pack: the folder or .zip to write; template/key: write FILE instead of printing, "
                          "plus FILE's stem + .codes.csv and .items.csv")
    asg.set_defaults(func=_assignment)

    g = command("grade", "grade a folder or zip of submissions (plain, Moodle or Canvas) into LMS grade files",
                "Grade every submission in a folder or .zip (plain, Moodle's or Canvas's download) against "
                "the reference coding, and write the LMS import files (Moodle grading worksheet and feedback "
                "zip, Canvas gradebook CSV) beside a gradebook "
                "(agreement, Cohen's kappa, Krippendorff's alpha, points), feedback per student "
                "(Markdown and HTML) and a class report. Notebook submissions run in a sandbox with "
                "time and memory limits. Every entry of the folder gets one gradebook row with a status.")
    g.add_argument("name", help="assignment, e.g. policy-outputs")
    g.add_argument("submissions", help="a folder or a .zip of submissions: plain STUDENT_ID.csv|.ipynb, Moodle's "
                                       "'Download all submissions' or Canvas's 'Download submissions'")
    g.add_argument("--roster", metavar="CSV", help="the class list exported from the LMS (Canvas gradebook export, "
                   "Moodle grading worksheet, or a CSV with username/email/id columns): maps submissions to "
                   "username, e-mail and SIS id; students without a submission get a 'missing' row")
    g.add_argument("--lms-column", metavar="HEADER", help="the assignment's column in canvas-grades.csv: the header "
                   "of Canvas's gradebook export, e.g. 'Policy outputs (1234)' (default: the one such column "
                   "of a Canvas --roster, else the assignment's title)")
    g.add_argument("--out", required=True, help="output folder (gradebook.csv, feedback/, class_report.md, .cache/)")
    g.add_argument("--only", metavar="STUDENT_ID", help="regrade this student only (the others come from the cache)")
    g.add_argument("--workers", type=int, default=None, help="notebooks run at once (default: the number of cores)")
    g.add_argument("--cell-timeout", type=int, default=30, help="whole seconds per notebook cell (default 30)")
    g.add_argument("--notebook-timeout", type=float, default=120.0, help="seconds per notebook (default 120)")
    g.add_argument("--memory-mb", type=int, default=2048, help="memory limit per notebook (default 2048)")
    g.add_argument("--unsafe", action="store_true",
                   help="where no sandbox (bubblewrap, unshare) is available, run notebook submissions anyway, "
                        "unisolated: only for notebooks you trust (without it they are refused)")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.set_defaults(func=_grade)

    pa = command("paper", "register a paper (data/papers.csv), or regenerate the package from the registry",
                 "add: copy a paper text into data/raw/papers/ (unchanged) and register it in data/papers.csv with "
                 "its sha256, citation, language, how its pages are marked and its section headings; the paper "
                 "fields and segment-id patterns of data/datapackage.json are regenerated so that segments "
                 "'<id>-...' of the new paper validate. sync: only regenerate those parts of the package.")
    pa.add_argument("action", choices=["add", "sync"])
    pa.add_argument("file", nargs="?", help="the paper text (UTF-8) to register (add)")
    pa.add_argument("--id", help="the paper's id, capital letters and digits, e.g. C (its segment ids start 'c-')")
    pa.add_argument("--citation", help="the full citation")
    pa.add_argument("--language", default="id", help="ISO 639-1 language of the text (default: id, Indonesian)")
    pa.add_argument("--pages", metavar="REGEX",
                    help="how pages are marked: a regular expression for the page markers whose first group is "
                         "the page that starts there (default: the paper has no page numbers)")
    pa.add_argument("--page-range", metavar="FIRST-LAST", help="the printed pages, e.g. 12-20 (with --pages)")
    from compendium.papers import INDONESIAN_SECTIONS

    pa.add_argument("--sections", default=INDONESIAN_SECTIONS, metavar="HEADING=section;...",
                    help="the printed section headings in order with the section each opens "
                         "(default: an Indonesian journal's PENDAHULUAN=introduction;...)")
    pa.add_argument("--body-start", default="", help="text where the paper starts in the file (drops a wrapper)")
    pa.add_argument("--body-end", default="", help="text where the paper ends in the file (drops what follows)")
    pa.add_argument("--data", default=None, help="data folder (default: the project's data/)")
    pa.set_defaults(func=_paper)

    q = command("quote", "where a quote stands: paper, page, section (or the closest passage)",
                "Look a quote up in the registered papers after the same normalisation validation uses "
                "(whitespace and markup only). Prints paper, page and section of every place it stands; "
                "when it is not verbatim, the closest passage, its place and what differs (exit status 1).")
    q.add_argument("text", help="the quote")
    q.add_argument("--paper", help="look only in this paper (default: every registered paper)")
    q.add_argument("--data", default=None, help="data folder (default: the project's data/)")
    q.set_defaults(func=_quote)

    art = command("artefacts", "print the list of tables and figures (outputs.yml) as Markdown",
                  "Print the registry of regenerated tables and figures (outputs.yml): each with the "
                  "paper's caption, an English label, where it is printed and the files that hold it.")
    art.add_argument("--update-readme", action="store_true",
                     help="write it into README.md between the artefacts markers instead")
    art.set_defaults(func=_artefacts)

    rd = command("readme", "regenerate README.md's results at a glance and list of tables and figures",
                 "Rewrite the two generated sections of README.md from the data: the results at a glance "
                 "(compendium.render.results: counts, the ranking check, verdicts, reliability, the grading "
                 "baseline) and the list of tables and figures (outputs.yml). Nothing else is touched.")
    rd.add_argument("--check", action="store_true", help="only check that both are current (exit 1 if not)")
    rd.set_defaults(func=_readme)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        status = args.func(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`compendium artefacts | head`): not an error of ours. Point stdout at
        # /dev/null so that the interpreter's final flush does not raise again.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return status


if __name__ == "__main__":
    raise SystemExit(main())
