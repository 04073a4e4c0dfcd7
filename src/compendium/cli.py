"""compendium: build, validate, test the claims of, and grade with the Bandung–Seoul sister-city compendium.

Each subcommand imports what it needs only when it runs, so that a no-op ``compendium build`` stays
well under a second.
"""

from __future__ import annotations

import argparse
import sys


def _build(args) -> int:
    from compendium.pipeline import BuildError, build

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
    from compendium.codebook import default_output, is_current, write

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

    try:
        a = load_assignment(args.name)
    except AssignmentError as err:
        print(err, file=sys.stderr)
        return 2
    text = template_csv(a, fill_key=args.action == "key")
    if args.output:
        from pathlib import Path

        from compendium.artefacts import atomic_write

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
    out = Path(args.out)
    limits = Limits(cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout,
                    memory_mb=args.memory_mb)
    try:
        run = grade(a, args.submissions, cache_dir=out / ".cache", only=args.only, workers=args.workers,
                    limits=limits, progress=not args.quiet, unsafe=args.unsafe)
    except FileNotFoundError as err:
        print(err, file=sys.stderr)
        return 2
    write_reports(run, out)
    counts = {}
    for r in run.results:
        counts[r.status] = counts.get(r.status, 0) + 1
    print(f"graded {len(run.results)} submission(s) of {a.name}: "
          + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
          + f"; see {out / 'gradebook.csv'}, {out / 'feedback'}/ and {out / 'class_report.md'}")
    if run.isolation == "refused":
        print("notebook submissions were refused: no sandbox (install bubblewrap: apt-get install bubblewrap) -- "
              "or pass --unsafe to run them without one", file=sys.stderr)
    elif run.isolation == "unsafe":
        print("warning: notebook submissions ran WITHOUT a sandbox (--unsafe)", file=sys.stderr)
    return 0


def _artefacts(args) -> int:
    from compendium import registry

    if args.update_readme:
        changed = registry.update_readme()
        print("README.md: list of tables and figures " + ("updated" if changed else "already current"))
    else:
        print(registry.render_markdown())
    return 0


def _claims(args) -> int:
    from compendium import claims

    if args.variants is not None:
        written = claims.run_variants(args.variants)
        print(f"{len(written)} executed variant notebook(s) in {args.variants}")
        return 0
    variant = claims.Variant(coder=args.coder, unclear=args.unclear, measure=args.measure)
    ledger = claims.evaluate(variant)
    print(f"claims ledger, variant {variant.label}\n")
    print(claims.format_ledger(ledger))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="compendium", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="execute the notebooks (incrementally) into figures/ and tables/")
    b.add_argument("--force", action="store_true", help="run every notebook, changed or not")
    b.add_argument("--only", action="append", metavar="NAME",
                   help="run only this notebook (e.g. 02 or 02_actor_network); repeatable")
    b.add_argument("--jobs", type=int, default=None, help="notebooks run at once (default: up to 2)")
    b.add_argument("--cold-kernels", action="store_true",
                   help="start every kernel afresh instead of forking it from a warm kernel server "
                        "(slower; for comparison and debugging)")
    b.set_defaults(func=_build)

    v = sub.add_parser("validate", help="check the coded data; one line per problem")
    v.add_argument("dir", nargs="?", default=None, help="data folder (default: the project's data/)")
    v.set_defaults(func=_validate)

    # Further subcommands (codebook, claims, assignment, grade) are added below this line, each with a
    # handler that imports its module lazily.
    cl = sub.add_parser("claims", help="print the claims ledger (every finding of both papers, tested)")
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
    c = sub.add_parser("codebook", help="generate docs/codebook.md from data/datapackage.json")
    c.add_argument("--check", action="store_true", help="only check that docs/codebook.md is current (exit 1 if not)")
    c.set_defaults(func=_codebook)
    asg = sub.add_parser("assignment", help="print an assignment's blank template or its answer key (CSV)")
    asg.add_argument("action", choices=["template", "key"])
    asg.add_argument("name", help="assignment, e.g. policy-outputs or actor-roles (data/assignments/NAME.yaml)")
    asg.add_argument("-o", "--output", metavar="FILE",
                     help="write FILE instead of printing, plus FILE's stem + .codes.csv and .items.csv")
    asg.set_defaults(func=_assignment)

    g = sub.add_parser("grade", help="grade a folder of STUDENT_ID.csv / STUDENT_ID.ipynb submissions")
    g.add_argument("name", help="assignment, e.g. policy-outputs")
    g.add_argument("submissions", help="folder of submissions")
    g.add_argument("--out", required=True, help="output folder (gradebook.csv, feedback/, class_report.md, .cache/)")
    g.add_argument("--only", metavar="STUDENT_ID", help="regrade this student only (the others come from the cache)")
    g.add_argument("--workers", type=int, default=None, help="notebooks run at once (default: the number of cores)")
    g.add_argument("--cell-timeout", type=float, default=30.0, help="seconds per notebook cell (default 30)")
    g.add_argument("--notebook-timeout", type=float, default=120.0, help="seconds per notebook (default 120)")
    g.add_argument("--memory-mb", type=int, default=2048, help="memory limit per notebook (default 2048)")
    g.add_argument("--unsafe", action="store_true",
                   help="where no sandbox (bubblewrap, unshare) is available, run notebook submissions anyway, "
                        "unisolated: only for notebooks you trust (without it they are refused)")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.set_defaults(func=_grade)
    art = sub.add_parser("artefacts", help="print the list of tables and figures (outputs.yml) as Markdown")
    art.add_argument("--update-readme", action="store_true",
                     help="write it into README.md between the artefacts markers instead")
    art.set_defaults(func=_artefacts)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
