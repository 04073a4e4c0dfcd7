"""Tests of the codebook (docs/codebook.md, generated) and of the bilingual metadata it is generated from."""

from __future__ import annotations

import json

from compendium import cli
from compendium.coding import codebook
from compendium.paths import data_dir, project_root
from compendium.papers.sources import paper, registry

PACKAGE = json.loads((data_dir() / "datapackage.json").read_text(encoding="utf-8"))
TABULAR = [r for r in PACKAGE["resources"] if "schema" in r]


def test_committed_codebook_is_current():
    committed = (project_root() / "docs" / "codebook.md").read_text(encoding="utf-8")
    assert committed == codebook.render(), "docs/codebook.md is stale: run `compendium codebook`"


def test_cli_check_and_write(tmp_path, capsys):
    assert cli.main(["codebook", "--check"]) == 0
    stale = tmp_path / "codebook.md"
    stale.write_text("# old\n", encoding="utf-8")
    assert not codebook.is_current(stale)
    codebook.write(stale)
    assert codebook.is_current(stale)


def test_codebook_shows_every_field_and_category():
    text = codebook.render()
    for res in TABULAR:
        assert f"`{res['path']}`" in text
        for f in res["schema"]["fields"]:
            assert f"| `{f['name']}` |" in text
            assert f["description_id"] in text
            for c in f.get("x-categories", []):
                assert f"| `{c['value']}` |" in text and c["definition_id"].replace("|", "\\|") in text


def test_every_field_is_described_in_english_and_indonesian():
    missing = [f"{r['name']}.{f['name']}" for r in TABULAR for f in r["schema"]["fields"]
               if not f.get("description") or not f.get("description_id")]
    assert not missing, missing


def test_every_enum_value_has_a_bilingual_definition_and_source():
    problems = []
    for r in TABULAR:
        for f in r["schema"]["fields"]:
            enum = f.get("constraints", {}).get("enum")
            if not enum:
                continue
            cats = {c["value"]: c for c in f.get("x-categories", [])}
            if list(cats) != enum:
                problems.append(f"{r['name']}.{f['name']}: categories {list(cats)} != enum {enum}")
            for c in cats.values():
                for key in ("label_en", "label_id", "definition_en", "definition_id", "source"):
                    if not c.get(key):
                        problems.append(f"{r['name']}.{f['name']}={c['value']}: no {key}")
    assert not problems, problems


def test_quoted_definitions_are_verbatim_in_the_paper():
    """Categories marked ``quote_paper`` quote their definition_id from that paper (on ``quote_page``)."""
    checked, problems = 0, []
    for r in TABULAR:
        for f in r["schema"]["fields"]:
            for c in f.get("x-categories", []):
                if "quote_paper" not in c:
                    continue
                checked += 1
                matches = paper(c["quote_paper"]).find(c["definition_id"])
                if not matches:
                    problems.append(f"{f['name']}={c['value']}: not verbatim in paper {c['quote_paper']}")
                elif c.get("quote_page") and c["quote_page"] not in {m.page for m in matches}:
                    problems.append(f"{f['name']}={c['value']}: not on page {c['quote_page']}")
    assert checked >= 15 and not problems, problems


def test_theory_categories_cite_the_papers():
    fields = {f["name"]: f for r in TABULAR for f in r["schema"]["fields"]}
    sources = {f: {c["value"]: c["source"] for c in fields[f]["x-categories"]}
               for f in ("diffusion", "transfer", "role", "dimension")}
    assert all("Dolowitz & Marsh" in sources["diffusion"][v] and "METODE PENELITIAN" in sources["diffusion"][v]
               for v in ("copying", "emulation", "combination"))
    assert all("Marsh & Sharman" in sources["transfer"][v] and "Policy Transfer" in sources["transfer"][v]
               for v in ("learning", "competition", "coercion"))
    assert all("Mattioli & Rodrigues" in sources["role"][v] and "575" in sources["role"][v]
               for v in ("internal", "external", "go-between"))
    assert all("Tabel 2" in sources["dimension"][v] for v in ("smart-living", "smart-branding",
                                                              "smart-environment", "smart-government"))


def test_package_metadata():
    assert PACKAGE["licenses"][0]["name"] == "CC-BY-4.0"
    # the sources are the registered papers' citations
    assert [s["title"] for s in PACKAGE["sources"]] == [e.citation for e in registry().values()]
    assert PACKAGE["contributors"]
    assert all(r["path"].startswith(("raw/", "reference/"))
               or r["path"] in ("papers.csv", "claims.csv", "ranking_groups.csv", "inconsistencies.csv", "claim_sentences.csv")
               for r in PACKAGE["resources"])
