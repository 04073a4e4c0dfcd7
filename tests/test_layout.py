"""The library's layout: subpackages that follow the data, notebooks on public names only, a README table
that lists every module, and the tool that moves code written for the old flat layout.
(relayout: keep old names -- the examples below are the old layout on purpose.)"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "compendium"
SUBPACKAGES = ("papers", "coding", "analysis", "render", "grading", "build")


def _relayout():
    spec = importlib.util.spec_from_file_location("relayout", ROOT / "tools" / "relayout.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _notebook_imports():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            for node in ast.walk(ast.parse(re.sub(r"^\s*[%!].*$", "", "".join(cell["source"]), flags=re.M))):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("compendium"):
                    yield path.name, node.module, [a.name for a in node.names]
                elif isinstance(node, ast.Import):
                    yield from ((path.name, a.name, []) for a in node.names if a.name.startswith("compendium"))


def test_top_level_holds_only_the_subpackages_and_the_entry_points():
    flat = sorted(p.name for p in SRC.glob("*.py"))
    assert flat == ["__init__.py", "cli.py", "paths.py"], f"modules outside a subpackage: {flat}"
    packages = sorted(p.parent.name for p in SRC.glob("*/__init__.py"))
    assert packages == sorted(SUBPACKAGES)


def test_notebooks_import_public_names_only():
    found = list(_notebook_imports())
    assert found, "no compendium import found in the notebooks: the test reads them wrongly"
    private = [(nb, module, names) for nb, module, names in found
               if any(part.startswith("_") for part in module.split("."))
               or any(name.startswith("_") for name in names)]
    assert not private, f"notebooks importing private names: {private}"
    flat = [(nb, module, names) for nb, module, names in found if module == "compendium"
            and set(names) - {"coding", "papers", "grading", "paths"}]
    assert not flat, f"notebooks importing modules from the old flat layout: {flat}"


def test_readme_library_table_names_every_module():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### The library"):text.index("## Results at a glance")]
    missing = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if path.name.startswith("_") or rel.parts[0] in ("grading",) or len(rel.parts) > 2:
            continue  # private modules, grading (one row) and the claims package's own modules
        if f"`{path.stem}`" not in section:
            missing.append(str(rel))
    assert not missing, f"modules the README's library table does not name: {missing}"


@pytest.mark.parametrize("old, new", [
    ("from compendium import network as nw\n", "from compendium.analysis import network as nw\n"),
    ("from compendium import artefacts, coding, notebook\n",
     "from compendium import coding\nfrom compendium.render import artefacts, notebook\n"),
    ("from compendium.pipeline import build\n", "from compendium.build.pipeline import build\n"),
    ("    from compendium.claims.checks import FUNCTIONS  # why\n",
     "    from compendium.analysis.claims.checks import FUNCTIONS  # why\n"),
    ("python -m compendium.site build/site", "python -m compendium.render.site build/site"),
    ("see src/compendium/coding.py and src/compendium/claims/ledger.py",
     "see src/compendium/coding/data.py and src/compendium/analysis/claims/ledger.py"),
    ("compendium.network_figures.draw", "compendium.render.network_figures.draw"),
])
def test_relayout_moves_old_imports_and_is_idempotent(old, new):
    relayout = _relayout()
    assert relayout.rewrite(old) == new
    assert relayout.rewrite(new) == new


def test_relayout_rewrites_to_modules_that_exist():
    relayout = _relayout()
    for old, new in relayout.MOVES.items():
        assert importlib.util.find_spec(f"compendium.{new}") is not None, f"{old} -> {new}: no such module"
    assert relayout.rewrite("".join(f"import compendium.{old}\n" for old in relayout.MOVES)).count("compendium.") \
        == len(relayout.MOVES)


def test_old_public_names_of_papers_and_coding_still_import():
    from compendium import coding, papers

    for name in ("load", "validate_dir", "as_list", "CodingError", "date_bounds"):
        assert hasattr(coding, name), f"compendium.coding lost {name}"
    for name in ("add", "sync", "PaperError"):
        assert hasattr(papers, name), f"compendium.papers lost {name}"


def test_no_file_of_the_checkout_uses_the_old_layout():
    assert _relayout().main(["--check"]) == 0, "files still use the flat layout: run python tools/relayout.py"
