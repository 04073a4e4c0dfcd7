"""The registry of regenerated tables and figures (``outputs.yml`` at the repository root).

Each artefact id (the paper's id, ``-`` and a name) maps to its paper, caption (Indonesian as printed
and English), page (papers with pages) or section (papers without), the notebook and cell that write it,
its files and the recipe of :mod:`compendium.render.tables` or :mod:`compendium.render.figures` that builds it.
:func:`render_markdown` turns the registry into the README's "List of tables and figures";
:func:`update_readme` replaces the block between ``<!-- artefacts:start -->`` and ``<!-- artefacts:end -->``
(``compendium artefacts --update-readme`` does the same).
"""

from __future__ import annotations

from pathlib import Path

from compendium.render import markdown
from compendium.paths import project_root

REGISTRY_FILE = "outputs.yml"
START, END = "<!-- artefacts:start -->", "<!-- artefacts:end -->"
REQUIRED = ("paper", "kind", "caption_id", "caption_en", "printed_caption", "source_line", "reconstruction",
            "notebook", "cell", "files")


class RegistryError(ValueError):
    """outputs.yml is malformed; the message says which entry and field."""


def load(path: Path | str | None = None) -> dict[str, dict]:
    """The artefacts of ``outputs.yml`` by id, in the file's order, checked for required fields."""
    import yaml

    path = Path(path) if path else project_root() / REGISTRY_FILE
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    artefacts = doc.get("artefacts") or {}
    from compendium.papers.sources import registry as paper_registry

    papers = paper_registry(path.parent / "data" if (path.parent / "data" / "papers.csv").is_file() else None)
    prefixes = tuple(f"{key}-" for key in papers)
    from compendium.render import figures, tables

    recipes = {"table": tables.RECIPES, "figure": figures.RECIPES}

    problems = []
    for aid, entry in artefacts.items():
        if not str(aid).startswith(prefixes):
            problems.append(f"{aid}: an artefact id starts with the paper's id and '-' ({', '.join(prefixes)})")
        for key in REQUIRED:
            if key not in (entry or {}):
                problems.append(f"{aid}: missing field {key!r}")
        paper = papers.get((entry or {}).get("paper"))
        if entry and paper is None:
            problems.append(f"{aid}: paper {entry.get('paper')!r} is not registered (data/papers.csv)")
        elif entry and paper.paged and not isinstance(entry.get("page"), int):
            problems.append(f"{aid}: paper {paper.paper_id} artefacts need an integer 'page'")
        elif entry and not paper.paged and not entry.get("section"):
            problems.append(f"{aid}: paper {paper.paper_id} artefacts need a 'section'")
        if entry and entry.get("kind") not in ("table", "figure"):
            problems.append(f"{aid}: kind must be 'table' or 'figure'")
        kind = (entry or {}).get("kind")
        if kind in recipes and entry.get("recipe") not in recipes[kind]:
            problems.append(f"{aid}: recipe {entry.get('recipe')!r}; expected one of the {kind} recipes of "
                            f"compendium.{kind}s: {', '.join(recipes[kind])}")
    if problems:
        raise RegistryError(f"{path.name}: " + "; ".join(problems))
    return {aid: dict(entry, id=aid) for aid, entry in artefacts.items()}


def files(registry: dict[str, dict]) -> list[str]:
    """Every registered file (relative to the repository root), sorted."""
    return sorted(f for entry in registry.values() for f in entry["files"])


def where(entry: dict) -> str:
    return f"p. {entry['page']}" if isinstance(entry.get("page"), int) else entry.get("section", "")


def render_markdown(registry: dict[str, dict] | None = None) -> str:
    """The README's "List of tables and figures": one row per artefact, in registry order."""
    registry = registry if registry is not None else load()
    rows = []
    for aid, e in registry.items():
        caption = e["caption_id"] if e["printed_caption"] else f"(no caption; introduced by) “{e['caption_id']}”"
        if e["source_line"]:
            caption += f" — {e['source_line']}"
        how = "reconstruction" if (e.get("reconstruction") or "").strip() else "as printed"
        nb = Path(e["notebook"]).name
        links = ", ".join(f"[{Path(f).suffix[1:]}]({f})" for f in e["files"])
        rows.append([aid, e["paper"], caption, e["caption_en"], where(e), f"{how}; `{nb}` cell `{e['cell']}`", links])
    lines = markdown.table(["id", "paper", "caption as printed (Indonesian)", "English", "where", "regenerated", "files"],
                           rows, strip=True)
    lines.append("")
    lines.append("Generated from `outputs.yml` by `compendium.render.registry.update_readme` "
                 "(`compendium artefacts --update-readme`); do not edit by hand.")
    return "\n".join(lines)


def readme_block(path: Path | str) -> str:
    """The README's list of tables and figures (raises if the markers are missing)."""
    from compendium.render import readme

    try:
        return readme.block(path, (START, END))
    except ValueError as err:
        raise RegistryError(str(err)) from None


def update_readme(path: Path | str | None = None, registry: dict[str, dict] | None = None) -> bool:
    """Replace the README's artefact block with :func:`render_markdown`; True if the file changed."""
    from compendium.render import readme

    path = Path(path) if path else project_root() / "README.md"
    readme_block(path)  # checks the markers
    return readme.replace_block(path, (START, END), render_markdown(registry))
