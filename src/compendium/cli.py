"""The ``compendium`` command.

Each subcommand imports what it needs only when it runs, so that a no-op ``compendium build`` stays
well under a second.
"""

from __future__ import annotations

import argparse
import sys


def _build(args) -> int:
    from compendium.pipeline import BuildError, build

    try:
        build(force=args.force, only=args.only, jobs=args.jobs)
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


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="compendium", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="execute the notebooks (incrementally) into figures/ and tables/")
    b.add_argument("--force", action="store_true", help="run every notebook, changed or not")
    b.add_argument("--only", action="append", metavar="NAME",
                   help="run only this notebook (e.g. 02 or 02_actor_network); repeatable")
    b.add_argument("--jobs", type=int, default=None, help="notebooks run at once (default: up to 2)")
    b.set_defaults(func=_build)

    v = sub.add_parser("validate", help="check the coded data; one line per problem")
    v.add_argument("dir", nargs="?", default=None, help="data folder (default: the project's data/)")
    v.set_defaults(func=_validate)

    # Further subcommands (codebook, claims, assignment, grade) are added below this line, each with a
    # handler that imports its module lazily.
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
