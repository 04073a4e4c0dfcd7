"""The registry (outputs.yml): its captions are the papers' words, its files exist, every A-/B- artefact on
disk is registered, its notebook cells exist, and the README's list of tables and figures is current."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from compendium.papers import sources
from compendium.render import registry

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def reg():
    return registry.load(ROOT / "outputs.yml")


def test_registry_covers_both_papers(reg):
    ids = set(reg)
    for aid in ("A-Bagan-1", "A-cooperation-map", "A-actor-roles", "B-Gambar-1", "B-Tabel-1", "B-Tabel-2",
                "B-Bagan-1", "B-ksp-steps", "B-principles"):
        assert aid in ids, f"{aid} is not registered"
    assert all(e["paper"] == aid[0] for aid, e in reg.items())


def test_captions_and_source_lines_are_verbatim_in_the_paper(reg):
    problems = []
    for aid, e in reg.items():
        paper = sources.paper(e["paper"])
        hits = paper.find(e["caption_id"])
        if not hits:
            problems.append(f"{aid}: caption_id not found verbatim in paper {e['paper']}: {e['caption_id']!r}")
            continue
        if e["paper"] == "A" and e["page"] not in {h.page for h in hits}:
            problems.append(f"{aid}: page {e['page']} but the caption starts on {sorted({h.page for h in hits})}")
        section = dict(sources.registry()[e["paper"]].sections).get(e.get("section", "").split(" / ")[0])
        if e["paper"] == "B" and section not in {h.section for h in hits}:
            problems.append(f"{aid}: section {e['section']!r} but the caption stands in {sorted({h.section for h in hits})}")
        if e["source_line"] and not paper.find(e["source_line"]):
            problems.append(f"{aid}: source_line not found verbatim in paper {e['paper']}: {e['source_line']!r}")
    assert not problems, "\n".join(problems)


def test_reconstructed_artefacts_say_so(reg):
    for aid in ("A-Bagan-1", "A-cooperation-map", "B-Gambar-1", "B-Bagan-1"):
        assert reg[aid]["reconstruction"].strip(), f"{aid} is a reconstruction but has no note"
    for aid in ("B-Tabel-1", "B-Tabel-2", "B-ksp-steps", "B-principles"):
        assert not reg[aid]["reconstruction"].strip(), f"{aid} is printed; no reconstruction expected"


def test_every_registered_file_exists(reg):
    missing = [f for f in registry.files(reg) if not (ROOT / f).is_file()]
    assert not missing, f"registered but missing on disk (run `compendium build --only 04 --only 05`): {missing}"


def test_files_start_with_their_artefact_id(reg):
    for aid, e in reg.items():
        for f in e["files"]:
            assert Path(f).name.startswith(aid + "."), f"{aid}: file {f} does not start with the id"
            assert Path(f).parts[0] == ("figures" if e["kind"] == "figure" else "tables"), f


def test_every_paper_artefact_on_disk_is_registered(reg):
    registered = set(registry.files(reg))
    on_disk = sorted(p.relative_to(ROOT).as_posix() for folder in ("figures", "tables")
                     for p in (ROOT / folder).glob("*") if p.name.startswith(("A-", "B-")))
    unregistered = [f for f in on_disk if f not in registered]
    assert not unregistered, f"files in figures/ or tables/ not in outputs.yml: {unregistered}"


def test_the_writing_cell_exists_and_names_its_artefact(reg):
    for aid, e in reg.items():
        nb = json.loads((ROOT / e["notebook"]).read_text(encoding="utf-8"))
        cells = {c.get("id"): c for c in nb["cells"]}
        assert e["cell"] in cells, f"{aid}: no cell {e['cell']} in {e['notebook']}"
        assert cells[e["cell"]]["cell_type"] == "code", f"{aid}: cell {e['cell']} is not a code cell"
        # the section's heading (the markdown cell before) opens with the artefact id and the caption
        index = list(cells).index(e["cell"])
        heading = "".join(nb["cells"][index - 1]["source"])
        assert heading.startswith(f"## {aid} "), f"{aid}: the cell before {e['cell']} is not its heading"


def test_papermill_outputs_list_the_files(reg):
    """The executed notebook reports, in the writing cell's output, the files the registry lists."""
    for aid, e in reg.items():
        nb = json.loads((ROOT / e["notebook"]).read_text(encoding="utf-8"))
        cell = next(c for c in nb["cells"] if c.get("id") == e["cell"])
        text = "".join("".join(o.get("text", "")) for o in cell.get("outputs", []) if o.get("name") == "stdout")
        for f in e["files"]:
            assert Path(f).name in text, f"{aid}: {Path(f).name} not reported by cell {e['cell']}"


def test_readme_list_of_tables_and_figures_is_current(reg):
    block = registry.readme_block(ROOT / "README.md")
    assert block == registry.render_markdown(reg), (
        "README.md's list of tables and figures is stale: run `compendium artefacts --update-readme`")


def test_update_readme_replaces_only_the_block(tmp_path, reg):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\nbefore\n\n{registry.START}\nold list\n{registry.END}\n\nafter\n", encoding="utf-8")
    assert registry.update_readme(readme, reg) is True
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Title\n\nbefore\n\n") and text.endswith("\n\nafter\n")
    assert registry.readme_block(readme) == registry.render_markdown(reg)
    assert registry.update_readme(readme, reg) is False  # idempotent


def test_update_readme_refuses_a_readme_without_markers(tmp_path, reg):
    readme = tmp_path / "README.md"
    readme.write_text("# no markers\n", encoding="utf-8")
    with pytest.raises(registry.RegistryError):
        registry.update_readme(readme, reg)


def test_malformed_registry_is_reported(tmp_path):
    bad = tmp_path / "outputs.yml"
    shutil.copy(ROOT / "outputs.yml", bad)
    bad.write_text(bad.read_text(encoding="utf-8").replace("    page: 572\n", "", 1), encoding="utf-8")
    with pytest.raises(registry.RegistryError, match="A-Bagan-1: paper A artefacts need an integer 'page'"):
        registry.load(bad)
