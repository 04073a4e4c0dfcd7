"""The committed notebooks read well wherever they are rendered (JupyterLab, nbconvert HTML, a
repository host): tables as Markdown, figures with alt text, no stray reprs, no clipped figures."""

from __future__ import annotations

import io
import re

import nbformat
import pandas as pd
import pytest

from compendium.render import notebook
from compendium.render.artefacts import figure_alt_text, figure_bytes

NOTEBOOKS = sorted(p.name for p in (__import__("compendium.paths").paths.project_root() / "notebooks").glob("0*.ipynb"))


def _outputs(root, name):
    nb = nbformat.read(root / "notebooks" / name, as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            yield cell, out


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_no_list_of_paths_or_pandas_html_in_the_outputs(root, name):
    for cell, out in _outputs(root, name):
        plain = "".join(out.get("data", {}).get("text/plain", "")) + "".join(out.get("text", ""))
        assert "PosixPath(" not in plain, f"{name} cell {cell.id}: a list of paths is shown"
        html = "".join(out.get("data", {}).get("text/html", ""))
        assert "<table" not in html, f"{name} cell {cell.id}: a pandas HTML table (cut off when wide)"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_image_has_alt_text(root, name):
    for cell, out in _outputs(root, name):
        data = out.get("data", {})
        assert "image/png" not in data, f"{name} cell {cell.id}: a PNG without alt text"
        for img in re.findall(r"<img [^>]*>", "".join(data.get("text/html", ""))):
            alt = re.search(r'alt="([^"]*)"', img)
            assert alt and len(alt.group(1)) > 15 and alt.group(1) != "figure", (name, cell.id, alt)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_prose_speaks_to_readers_not_to_the_tracker(root, name):
    nb = nbformat.read(root / "notebooks" / name, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            assert not re.search(r"issue #?\d|#\d+\b", cell.source), f"{name} cell {cell.id}"


def test_markdown_tables_align_text_left_numbers_right_and_escape_pipes():
    frame = pd.DataFrame({"label": ["a | b", "line\nbreak"], "n": [1, 22], "x": [0.5, None]})
    text = notebook.markdown_table(frame)
    header, rule, *rows = text.splitlines()
    cells = [c.strip() for c in rule.strip("|").split("|")]
    assert cells[0].startswith(":") and not cells[0].endswith(":")  # text: left
    assert cells[1].endswith(":") and not cells[1].startswith(":")  # number: right
    assert "a \\| b" in rows[0] and "line break" in rows[1]
    assert rows[1].rstrip("| ").endswith("22")  # the missing value is an empty cell
    assert "index" not in header  # the default 0, 1, … index is not shown


def test_markdown_tables_show_a_named_index_and_join_levels():
    frame = pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("degree", "mean"), ("degree", "max")]),
                         index=pd.Index(["ksp"], name="actor"))
    header = notebook.markdown_table(frame).splitlines()[0]
    assert [c.strip() for c in header.strip("|").split("|")] == ["actor", "degree · mean", "degree · max"]


def test_alt_text_comes_from_the_titles_wherever_they_stand():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2)
    a.set_title("Left panel", loc="left")
    b.set_title("Right panel")
    fig.suptitle("Both")
    assert figure_alt_text(fig) == "Both / Left panel / Right panel"
    plt.close(fig)


def test_a_constrained_layout_is_not_cropped_at_the_saving_resolution():
    """The crop is measured once; a layout engine that ran again at 150 dpi moved the tick labels
    out of it ("Smart Government" lost its first letter)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from PIL import Image

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), layout="constrained")
    for ax in axes:  # the shape of figures/outputs-crosstab
        ax.imshow(np.arange(20).reshape(5, 4), cmap="Oranges")
        ax.set_xticks(range(4), ["copying", "emulation", "combination", "unclear"], rotation=20, ha="right")
        ax.set_yticks(range(5), ["Smart Government", "Smart Branding", "Smart Living",
                                 "Smart Environment", "(di luar Tabel 2)"])
        ax.set_title("Outputs by dimension and diffusion type", loc="left", fontsize=11)
    png = figure_bytes(fig, ("png",))["png"]
    plt.close(fig)
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    margin = pixels[:, :5]  # pad_inches leaves a white band around everything drawn
    assert margin.min() == 255, "something drawn touches the left edge: the figure was cropped"
