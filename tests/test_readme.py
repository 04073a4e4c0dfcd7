"""The README's generated sections say what the data say today."""

from __future__ import annotations

import re

import pytest

from compendium.render import readme, results


def test_the_readme_is_current(root):
    assert readme.stale_blocks(root / "README.md") == [], "README.md is stale: run `compendium readme`"


def test_replace_block_touches_only_its_block(tmp_path):
    path = tmp_path / "README.md"
    start, end = readme.RESULTS
    path.write_text(f"# T\n\nbefore\n\n{start}\nold\n{end}\n\nafter\n", encoding="utf-8")
    assert readme.replace_block(path, readme.RESULTS, "new") is True
    assert path.read_text(encoding="utf-8") == f"# T\n\nbefore\n\n{start}\nnew\n{end}\n\nafter\n"
    assert readme.replace_block(path, readme.RESULTS, "new") is False
    with pytest.raises(ValueError, match="no '<!-- artefacts:start -->'"):
        readme.block(path, readme.ARTEFACTS)


def test_a_new_row_changes_the_results(root, data_copy):
    """The counts come from the data: a policy output added to a copy changes the Coding bullet."""
    outputs = data_copy / "raw" / "coded" / "policy_outputs.csv"
    lines = outputs.read_text(encoding="utf-8").splitlines(keepends=True)
    extra = lines[-1].replace(lines[-1].split(",", 1)[0], "extra-output", 1)
    outputs.write_text("".join(lines) + extra, encoding="utf-8")
    from compendium import coding

    before = results.coding_bullet(coding.load(root / "data"))
    after = results.coding_bullet(coding.load(data_copy))
    n = int(re.search(r"(\d+) policy outputs", before).group(1))
    assert f"{n + 1} policy outputs" in after
