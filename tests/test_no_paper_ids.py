"""No module outside the paper registry names a paper (issue 15: papers are data).

The registry of papers is ``data/papers.csv``, read and written by the subpackage :mod:`compendium.papers`. Every other module gets paper ids, segment-id prefixes and artefact ids from
the registry or from the coded data; a literal ``"A"``, ``"AB"``, ``"a-claim-..."``, ``"B-Tabel-1"``, a
pattern ``^[ab]-`` or a name such as ``PAPER_A_GROUPS`` would make a third paper a code change.

The scan reads the code, not the prose: docstrings and comments may speak of paper A as an example.
String constants (f-string parts included) and names (variables, attributes, functions, arguments) are
checked against the *registered* ids, so the rule follows the registry.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from compendium.paths import project_root
from compendium.papers.sources import paper_ids, paper_sets, segment_id_class

#: the paper registry: the only subpackage that may name a paper
REGISTRY_PACKAGE = "papers/"


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                out.add(id(first.value))
    # a string right after an assignment documents it (the attribute-docstring convention of Sphinx)
    for node in ast.walk(tree):
        for body in (getattr(node, "body", None), getattr(node, "orelse", None)):
            if isinstance(body, list):
                for prev, stmt in zip(body, body[1:]):
                    if (isinstance(prev, (ast.Assign, ast.AnnAssign)) and isinstance(stmt, ast.Expr)
                            and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)):
                        out.add(id(stmt.value))
    return out


def paper_names(source: str, ids: list[str]) -> list[tuple[int, str]]:
    """``(line, what)`` for every place ``source`` names a registered paper in code."""
    sets = set(paper_sets(ids))
    lower = "|".join(re.escape(i.lower()) for i in ids)
    upper = "|".join(re.escape(i) for i in ids)
    segment_id = re.compile(rf"({lower})-[a-z0-9]+(-[a-z0-9]+)*")
    artefact_id = re.compile(rf"({upper})-[A-Za-z0-9][A-Za-z0-9-]*")
    pattern = segment_id_class(ids) + "-"
    name = re.compile(rf"(^|_)paper_?({lower})($|_)", re.IGNORECASE)
    builder = re.compile(rf"^({lower})_[a-z]")  # a function or class named for its paper: b_tabel_1
    tree = ast.parse(source)
    skip = _docstrings(tree)
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            v = node.value
            what = ("a paper id" if v in sets else "a segment id" if segment_id.fullmatch(v)
                    else "an artefact id" if artefact_id.fullmatch(v)
                    else "a segment-id pattern" if pattern in v else None)
            if what:
                hits.append((node.lineno, f"{what} {v!r}"))
        ident = (node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute)
                 else node.name if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                 else node.arg if isinstance(node, ast.arg) else None)
        if ident and (name.search(ident) or (builder.match(ident) and isinstance(
                node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))):
            hits.append((node.lineno, f"the name {ident!r}"))
    return sorted(set(hits))


def scan(root: Path, ids: list[str]) -> list[str]:
    """Every paper named in the modules under ``root`` (``src/compendium``), as 'file:line: what'."""
    out = []
    for path in sorted(root.rglob("*.py")):
        if path.relative_to(root).as_posix().startswith(REGISTRY_PACKAGE):
            continue
        for line, what in paper_names(path.read_text(encoding="utf-8"), ids):
            out.append(f"{path.relative_to(root.parent.parent).as_posix()}:{line}: {what}")
    return out


def test_no_module_outside_the_paper_registry_names_a_paper():
    found = scan(project_root() / "src" / "compendium", paper_ids())
    assert not found, ("modules name papers; take the id from the registry (compendium.papers.sources) or the data:\n"
                       + "\n".join(found))


def test_the_scan_finds_each_way_of_naming_a_paper():
    """The scan itself can fail: each form the old code used is found, with its line."""
    old = '''"""Docstrings may say paper A."""
PAPER_A_RANKING = ("mayor", "business")
x = segments[segments["paper"] == "A"]
segs = ["a-output-cikapundung-mayor"]
t = Table("B-Tabel-1", frame)
hint = {r"^[ab]-[a-z0-9]+$": "a segment id"}
n = f"A {per.get('A', 0)}"
def _paper_a_description(x): pass
def b_tabel_1(conditions): pass
claim = "AB"
'''
    hits = paper_names(old, ["A", "B"])
    assert [line for line, _ in hits] == [2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert "a segment id 'a-output-cikapundung-mayor'" in dict(hits)[4]
    # ...and the rule follows the registry: with a third paper C, 'C' and 'c-...' are names too
    assert [line for line, _ in paper_names('k = "C"\ns = "c-river"\nt = "AC"\n', ["A", "B", "C"])] == [1, 2, 3]
    assert paper_names('"""Paper A and "A"."""\nlabel = "A: isi"  # paper A\nq = "a-"\n', ["A", "B"]) == []
