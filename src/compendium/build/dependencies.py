"""Which library files a notebook depends on: the ``compendium`` modules it imports, transitively.

The build skips a notebook whose inputs are unchanged. Counting the whole library as every notebook's
input would rerun all notebooks after any library edit; instead a notebook's library inputs are the
modules its cells import, the modules those import (function-level imports included), and the
``__init__.py`` of every package on the way. The analysis reads the code (``ast``), runs nothing, and
falls back to the whole library when a cell cannot be parsed.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = "compendium"
_MAGIC = re.compile(r"^\s*[%!].*$", re.MULTILINE)


def _statements(nodes):
    """Every statement, nested ones included (an import is a statement, so expressions -- most of a
    module's nodes -- need not be visited)."""
    for node in nodes:
        yield node
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            inner = getattr(node, name, None)
            if isinstance(inner, list):
                yield from _statements(inner)


def imported_modules(code: str, module: str = "", is_package: bool = False) -> set[str] | None:
    """Dotted names of the ``compendium`` modules (or candidates) that ``code`` imports; None when the
    code cannot be parsed even without IPython magics."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        try:
            tree = ast.parse(_MAGIC.sub("", code))
        except SyntaxError:
            return None
    found = set()
    for node in _statements(tree.body):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import, resolved against the importing module
                parts = module.split(".") if is_package else module.split(".")[:-1]
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name == PACKAGE or name.startswith(PACKAGE + ".")}


def _resolve(name: str, src: Path) -> list[Path]:
    """Files executed by importing ``name``: its own file and the ``__init__.py`` of its packages."""
    parts = name.split(".")
    files = [src.joinpath(*parts[:i], "__init__.py") for i in range(1, len(parts))]
    own = [src.joinpath(*parts).with_suffix(".py"), src.joinpath(*parts, "__init__.py")]
    hit = [p for p in own if p.is_file()]
    if not hit:
        return []  # an attribute (``from compendium.grading import grade``), not a module
    return [p for p in files if p.is_file()] + hit


def _module_name(path: Path, src: Path) -> tuple[str, bool]:
    rel = path.relative_to(src).with_suffix("")
    is_package = rel.name == "__init__"
    parts = rel.parts[:-1] if is_package else rel.parts
    return ".".join(parts), is_package


def library_files(code_cells: list[str], src: Path, cache: dict | None = None) -> list[Path] | None:
    """The library files (under ``src``, the folder holding the ``compendium`` package) that the given
    notebook cells depend on, sorted; None when the analysis cannot decide (then use them all).
    ``cache`` (a dict kept by the caller) saves parsing a file again for the next notebook."""
    cache = {} if cache is None else cache
    seeds = set()
    for code in code_cells:
        names = imported_modules(code)
        if names is None:
            return None
        seeds |= names
    seen: set[Path] = set()
    queue = [path for name in sorted(seeds) for path in _resolve(name, src)]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        if path not in cache:
            module, is_package = _module_name(path, src)
            cache[path] = imported_modules(path.read_text(encoding="utf-8"), module, is_package)
        names = cache[path]
        if names is None:
            return None
        queue.extend(p for name in names for p in _resolve(name, src) if p not in seen)
    return sorted(seen)

