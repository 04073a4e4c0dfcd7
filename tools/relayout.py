#!/usr/bin/env python3
"""Move code written for the flat ``compendium`` layout (before December 2026) to the subpackage layout.

The library used to be eighteen modules side by side (``compendium.network``, ``compendium.pipeline``…).
It is now grouped by the flow of the data::

    papers/    the paper texts: registry, quote lookup          (compendium.sources → compendium.papers.sources)
    coding/    the coded data: load, validate, codebook, coverage
    analysis/  network, policy outputs, claims
    render/    tables, figures, network drawings, artefacts, Markdown, the README's and site's pages
    grading/   students' coding against the reference (unchanged)
    build/     the pipeline that runs the notebooks, and its kernels

``compendium.papers`` and ``compendium.coding`` are packages now, and still export the public names
their modules had (``coding.load``, ``papers.add``…), so code using only those needs no change.

Run it over your own notebooks and scripts that import the library::

    python tools/relayout.py my_notebook.ipynb scripts/      # files and folders
    python tools/relayout.py --check notebooks/               # list what would change, change nothing

With no path it rewrites the whole checkout (what the move itself ran). Imports (``from compendium import
network as nw`` → ``from compendium.analysis import network as nw``), dotted names
(``compendium.pipeline.build``), ``python -m`` module names and file paths (``src/compendium/tables.py``)
are rewritten; run it twice and the second run changes nothing.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "compendium"

# old module (under compendium.) -> new dotted path (under compendium.)
MOVES = {
    "sources": "papers.sources",
    "coverage": "coding.coverage",
    "codebook": "coding.codebook",
    "rationales": "coding.rationales",
    "network": "analysis.network",
    "outputs": "analysis.outputs",
    "claims": "analysis.claims",
    "tables": "render.tables",
    "figures": "render.figures",
    "network_figures": "render.network_figures",
    "artefacts": "render.artefacts",
    "registry": "render.registry",
    "markdown": "render.markdown",
    "notebook": "render.notebook",
    "results": "render.results",
    "readme": "render.readme",
    "site": "render.site",
    "pipeline": "build.pipeline",
    "dependencies": "build.dependencies",
    "kernels": "build.kernels",
    "warm_kernels": "build.warm_kernels",
    "_kernel_launcher": "build._kernel_launcher",
}
# modules that became the implementation of a package of the same name (which re-exports their public names)
BECAME_PACKAGES = {"papers": "papers.registry", "coding": "coding.data"}

PACKAGES = {
    "papers": "The papers as data: the registry of paper texts (:mod:`.registry`) and the page-aware\n"
              "text with quote lookup (:mod:`.sources`). First step of the flow: papers → coding →\n"
              "analysis → render (→ grading); ``build`` runs the notebooks that chain them.",
    "coding": "The coded data: loading and validating it against the data package (:mod:`.data`), the\n"
              "codebook (:mod:`.codebook`), how much of the papers it covers (:mod:`.coverage`) and\n"
              "the check that a rationale does not deny its own code (:mod:`.rationales`).",
    "analysis": "What the coded data says: the actor network (:mod:`.network`), the policy outputs\n"
                "(:mod:`.outputs`) and the ledger of the papers' claims checked against the data\n"
                "(:mod:`.claims`).",
    "render": "How results are shown and written: the papers' tables and figures (:mod:`.tables`,\n"
              ":mod:`.figures`, :mod:`.network_figures`), safe deterministic writing (:mod:`.artefacts`),\n"
              "the artefact registry (:mod:`.registry`), Markdown (:mod:`.markdown`), the notebooks'\n"
              "display set-up (:mod:`.notebook`), the README's generated blocks (:mod:`.results`,\n"
              ":mod:`.readme`) and the website (:mod:`.site`).",
    "build": "The build: runs the notebooks in order with papermill (:mod:`.pipeline`), reruns only\n"
             "what changed (:mod:`.dependencies`), on kernels forked from a warm server\n"
             "(:mod:`.kernels`, :mod:`.warm_kernels`, :mod:`._kernel_launcher`).",
}
TEXT_SUFFIXES = {".py", ".ipynb", ".md", ".toml", ".yml", ".yaml", ".cfg", ".txt", ".rst", ".json", ".in"}
TEXT_NAMES = {"Makefile", "run"}
SKIP_TOP = {".git", ".venv", "build", "node_modules"}  # at the top of a given folder
SKIP_ANY = {"__pycache__", ".ipynb_checkpoints", "raw"}  # anywhere (raw data is never rewritten)

ALL = {**MOVES, **BECAME_PACKAGES}
# dotted names: compendium.network(.x) -> compendium.analysis.network(.x); not compendium.network_figures
_DOTTED = re.compile(r"\bcompendium\.(" + "|".join(sorted(MOVES, key=len, reverse=True)) + r")\b(?![\w/])")
# file paths: compendium/network.py -> compendium/analysis/network.py
_PATH = re.compile(r"\bcompendium/(" + "|".join(sorted(ALL, key=len, reverse=True)) + r")\.py\b")
# folders: compendium/claims/ -> compendium/analysis/claims/
_FOLDER = re.compile(r"\bcompendium/(claims)/")
# from compendium import a, b as c   (one line, or parenthesised over several)
_FROM = re.compile(r"^(?P<indent>[ \t]*)from compendium import (?P<names>\([^)]*\)|[^\n#]*?)(?P<tail>[ \t]*(#[^\n]*)?)$",
                   re.MULTILINE)


def _regroup(match: re.Match) -> str:
    indent, raw = match.group("indent"), match.group("names").strip("() \n")
    names = [n.strip() for n in raw.replace("\n", " ").split(",") if n.strip()]
    groups: dict[str, list[str]] = {}
    for name in names:
        base = name.split(" as ")[0].strip()
        target = MOVES.get(base)
        package, _, module = target.rpartition(".") if target else ("", "", base)
        alias = name[len(base):]
        groups.setdefault(package, []).append(module + alias)
    if list(groups) == [""]:
        return match.group(0)
    lines = []
    for package in sorted(groups):
        where = f"compendium.{package}" if package else "compendium"
        lines.append(f"{indent}from {where} import {', '.join(sorted(groups[package]))}")
    lines[-1] += match.group("tail")
    return "\n".join(lines)


def rewrite(text: str) -> str:
    """``text`` with every reference to a moved module rewritten; unchanged on a second run."""
    text = _FROM.sub(_regroup, text)
    text = _DOTTED.sub(lambda m: "compendium." + MOVES[m.group(1)], text)
    text = _FOLDER.sub(lambda m: "compendium/" + MOVES[m.group(1)].replace(".", "/") + "/", text)
    return _PATH.sub(lambda m: "compendium/" + ALL[m.group(1)].replace(".", "/") + ".py", text)


def rewrite_notebook(path: Path, write: bool = True) -> bool:
    """Rewrite the cells of a notebook; whether any changed (``write=False``: only tell)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    changed = False
    for cell in nb.get("cells", []):
        source = "".join(cell.get("source", []))
        new = rewrite(source)
        if new != source:
            cell["source"] = new.splitlines(keepends=True)
            changed = True
    if changed and write:
        import nbformat

        nbformat.write(nbformat.from_dict(nb), str(path))
    return changed


def rewrite_file(path: Path, check: bool) -> bool:
    if path.suffix == ".ipynb":
        return rewrite_notebook(path, write=not check)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return False
    new = rewrite(text)
    if new != text and not check:
        path.write_text(new, encoding="utf-8")
    return new != text


KEEP_MARK = "relayout: keep old names"


def _keeps_old_names(path: Path) -> bool:
    """A file whose first lines carry :data:`KEEP_MARK` (a test of this tool) is left alone."""
    try:
        with path.open(encoding="utf-8") as f:
            return any(KEEP_MARK in f.readline() for _ in range(5))
    except (OSError, UnicodeDecodeError):
        return False


def _listed(top: Path) -> list[Path]:
    """The files under ``top`` that git does not ignore (all files where ``top`` is not in a checkout)."""
    try:
        out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=top,
                             capture_output=True, check=True).stdout.decode()
        return [top / name for name in sorted(out.split("\0")) if name]
    except (OSError, subprocess.CalledProcessError):
        return sorted(top.rglob("*"))


def files_under(paths: list[Path]):
    for top in paths:
        if top.is_file():
            yield top
            continue
        for path in _listed(top):
            parts = path.relative_to(top).parts
            if parts[0] in SKIP_TOP or SKIP_ANY.intersection(parts) or not path.is_file():
                continue
            if path.resolve() == Path(__file__).resolve() or _keeps_old_names(path):
                continue  # this file, and tests of it, name the old modules on purpose
            if path.suffix in TEXT_SUFFIXES or path.name in TEXT_NAMES:
                yield path


def _public_names(module: Path) -> list[str]:
    """The public top-level names a module defines (what its package re-exports)."""
    import ast

    names = []
    for node in ast.parse(module.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [t.id for t in targets if isinstance(t, ast.Name)]
    return [n for n in names if not n.startswith("_")]


def move_modules() -> None:
    """Move the flat modules of this checkout into the subpackages (git mv), once."""
    def git_mv(old: Path, new: Path):
        new.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "mv", str(old), str(new)], cwd=ROOT, check=True)

    for package, doc in PACKAGES.items():
        init = SRC / package / "__init__.py"
        old_module = SRC / f"{package}.py"
        if old_module.exists():  # a module becomes a package of the same name
            git_mv(old_module, SRC / (BECAME_PACKAGES[package].replace(".", "/") + ".py"))
        init.parent.mkdir(exist_ok=True)
        if not init.exists():
            body = f'"""{doc}\n"""\n'
            if package in BECAME_PACKAGES:
                impl = BECAME_PACKAGES[package]
                names = _public_names(SRC / (impl.replace(".", "/") + ".py"))
                body += (f"\n# The package keeps the public names of the module it grew from.\n"
                         f"from compendium.{impl} import (  # noqa: F401\n")
                body += "".join(f"    {n},\n" for n in names) + ")\n"
            init.write_text(body, encoding="utf-8")
            subprocess.run(["git", "add", str(init)], cwd=ROOT, check=True)
    for old, new in MOVES.items():
        for src in (SRC / f"{old}.py", SRC / old):
            if src.exists() and not (SRC / new.replace(".", "/")).exists():
                target = SRC / (new.replace(".", "/") + (".py" if src.suffix else ""))
                git_mv(src, target)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the whole checkout)")
    parser.add_argument("--check", action="store_true", help="list what would change; change nothing")
    parser.add_argument("--move", action="store_true", help="also move the modules of this checkout (git mv)")
    args = parser.parse_args(argv)
    if args.move:
        move_modules()
    changed = [p for p in files_under(args.paths or [ROOT]) if rewrite_file(p, args.check)]
    for path in changed:
        print(("would rewrite " if args.check else "rewrote ") + str(path))
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
