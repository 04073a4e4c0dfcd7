"""Generate ``docs/codebook.md`` from ``data/datapackage.json``.

The data package is the single machine-readable description of the coded data; the codebook is its
human-readable rendering: one section per file with a table of its columns (type, constraints, English
and Indonesian descriptions), then one table per categorical column giving every category's labels and
definitions in both languages with the source each definition is quoted or taken from.

Never edit ``docs/codebook.md`` by hand: change ``data/datapackage.json`` and run
``compendium codebook`` (``compendium codebook --check`` exits 1 if the committed file is stale; a test
does the same).
"""

from __future__ import annotations

import json
from pathlib import Path

from compendium.render import markdown
from compendium.paths import data_dir, project_root


def default_package() -> Path:
    return data_dir() / "datapackage.json"


def default_output() -> Path:
    return project_root() / "docs" / "codebook.md"


def _table(head: list[str], rows: list[list]) -> list[str]:
    return markdown.table(head, rows, strip=True)


def _constraints(f: dict) -> str:
    c = f.get("constraints", {})
    parts = []
    if c.get("required"):
        parts.append("required")
    if "enum" in c:
        parts.append("one of: " + ", ".join(f"`{v}`" for v in c["enum"]))
    if "pattern" in c:
        parts.append(f"pattern `{c['pattern']}`")
    if "minimum" in c:
        parts.append(f"≥ {c['minimum']}")
    if "maximum" in c:
        parts.append(f"≤ {c['maximum']}")
    if "trueValues" in f:
        parts.append("true: " + "/".join(f"`{v}`" for v in f["trueValues"]) + ", false: "
                     + "/".join(f"`{v}`" for v in f.get("falseValues", [])))
    if f.get("x-papers") == "one":
        parts.append("a paper of `papers.csv` (generated)")
    if f.get("x-papers") == "set":
        parts.append("a set of papers of `papers.csv`, ids in registry order (generated)")
    if "x-list" in f:
        parts.append(f"list separated by `{f['x-list'].get('separator', ';')}`")
    if "x-references" in f:
        r = f["x-references"]
        parts.append(f"each item → `{r['resource']}.{r['field']}`")
    return "; ".join(parts)


def _type(f: dict) -> str:
    if f.get("x-format") == "partial-iso-date":
        return "date (partial ISO, as string)"
    return f.get("type", "string")


def _resource(res: dict, names: dict[str, str]) -> list[str]:
    out = [f"## `{res['path']}` — {res.get('title', res['name'])} / {res.get('title_id', '')}", ""]
    out += [res.get("description", ""), "", f"*Indonesia:* {res.get('description_id', '')}", ""]
    if "x-source" in res:
        out += [f"Source: {res['x-source']}.", ""]
    if "schema" not in res:
        out += [f"Format: {res.get('format', '')}; encoding {res.get('encoding', '')}; {res.get('bytes', '?')} bytes; "
                f"hash `{res.get('hash', '')}`.", ""]
        return out
    schema = res["schema"]
    keys = [f"Resource name `{res['name']}`.", f"Primary key: `{'+'.join(schema.get('primaryKey', []))}`."]
    for fk in schema.get("foreignKeys", []):
        target = names.get(fk["reference"]["resource"], fk["reference"]["resource"])
        keys.append(f"Foreign key: `{'+'.join(fk['fields'])}` → `{target}` (`{'+'.join(fk['reference']['fields'])}`).")
    out += [" ".join(keys), ""]
    out += _table(["column", "type", "constraints", "description (English)", "deskripsi (Indonesia)"],
                  [[f"`{f['name']}`", _type(f), _constraints(f), f.get("description", ""), f.get("description_id", "")]
                   for f in schema["fields"]])
    out.append("")
    for f in schema["fields"]:
        cats = f.get("x-categories")
        if not cats:
            continue
        classes = f.get("x-classes")
        out += [f"### Categories of `{f['name']}` ({res['path']})", ""]
        out += _table(["value", "label (EN / ID)"] + (["class"] if classes else [])
                      + ["definition (English)", "definisi (Indonesia)", "source"],
                      [[f"`{c['value']}`", f"{c['label_en']} / {c['label_id']}"]
                       + ([f"`{c.get('class', '')}`"] if classes else [])
                       + [c["definition_en"], c["definition_id"],
                          c["source"] + (f", p. {c['quote_page']}" if c.get("quote_page") and
                                         f"p. {c['quote_page']}" not in c["source"] else "")]
                       for c in cats])
        out.append("")
        if classes:
            # relation classes: what measures of involvement count (interaction) and what they do not
            out += [f"### Classes of `{f['name']}` ({res['path']})", ""]
            out += _table(["class", "label (EN / ID)", "definition (English)", "definisi (Indonesia)", "quoted segments"],
                          [[f"`{c['value']}`", f"{c['label_en']} / {c['label_id']}", c["definition_en"],
                            c["definition_id"], ", ".join(f"`{s}`" for s in c.get("segments", []))]
                           for c in classes])
            out.append("")
    return out


def render(package_path: Path | str | None = None) -> str:
    """The codebook's Markdown text for the given (default: the project's) ``datapackage.json``."""
    pkg = json.loads(Path(package_path or default_package()).read_text(encoding="utf-8"))
    names = {r["name"]: r["path"] for r in pkg.get("resources", [])}
    out = [f"# Codebook — {pkg.get('title', pkg.get('name', ''))}", "",
           "<!-- Generated from data/datapackage.json by `compendium codebook`; do not edit by hand. -->", "",
           f"*{pkg.get('title_id', '')}*", "", pkg.get("description", ""), "",
           f"*Indonesia:* {pkg.get('description_id', '')}", "",
           "Conventions: CSV, UTF-8 without BOM, comma-separated, one header row; an empty cell is no value; "
           "`;` separates list items (no spaces). Every coded row cites a `segment_id` whose quote stands verbatim "
           "in its paper (see docs/coding-scheme.md). `compendium validate` checks all of this.", ""]
    out += ["## Licence, sources and contributors", ""]
    for lic in pkg.get("licenses", []):
        out.append(f"- Licence: {lic.get('name', '')} — {lic.get('title', '')} <{lic.get('path', '')}>")
    for src in pkg.get("sources", []):
        out.append(f"- Source: {src.get('title', '')}" + (f" <{src['path']}>" if src.get("path") else ""))
    for who in pkg.get("contributors", []):
        out.append(f"- Contributor ({who.get('role', '')}): {who.get('title', '')}")
    out += ["", "## Files", ""]
    out += _table(["file", "resource", "title", "judul"],
                  [[f"`{r['path']}`", f"`{r['name']}`", r.get("title", ""), r.get("title_id", "")]
                   for r in pkg.get("resources", [])])
    out.append("")
    for res in pkg.get("resources", []):
        out += _resource(res, names)
    return "\n".join(out).rstrip() + "\n"


def write(path: Path | str | None = None, package_path: Path | str | None = None) -> Path:
    """Write the rendered codebook to ``path`` (default ``docs/codebook.md``); return the path."""
    target = Path(path or default_output())
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(package_path), encoding="utf-8")
    return target


def is_current(path: Path | str | None = None, package_path: Path | str | None = None) -> bool:
    """Whether the file at ``path`` equals what :func:`render` generates now."""
    target = Path(path or default_output())
    return target.is_file() and target.read_text(encoding="utf-8") == render(package_path)
