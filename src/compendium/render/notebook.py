"""How the notebooks show their results, so that they read well wherever they are rendered.

A notebook is read in JupyterLab, as nbconvert HTML and on a repository host, and each renders rich
outputs differently. Two choices make the committed notebooks read the same everywhere:

* **Tables as Markdown.** pandas' HTML tables keep every cell on one line and right-align text, so a
  wide table is cut off at the right and long Indonesian wording is hard to read. After
  :func:`setup`, a DataFrame shown in a notebook is a Markdown table: text left-aligned and wrapped,
  numbers right-aligned, the plain-text table beside it for text-only readers.
* **Figures as images with alt text.** :func:`image` shows a saved PNG as an ``<img>`` with an ``alt``
  attribute (nbconvert's default template drops the ``alt`` of a plain PNG output), at the size the
  figure has on screen, and the alt text as the plain-text form.
"""

from __future__ import annotations

import base64
import html

from compendium.render import markdown

#: The pandas display settings every notebook uses (wide frames are wrapped by Markdown, not pandas).
PANDAS_OPTIONS = {
    "display.max_colwidth": None,
    "display.width": 200,
    "display.max_rows": 200,
    "display.notebook_repr_html": False,  # the Markdown table replaces pandas' HTML
}


def setup() -> None:
    """Call once at the top of a notebook: reproducible matplotlib settings, pandas display options,
    and DataFrames shown as Markdown tables (see the module doc)."""
    import pandas as pd

    from compendium.render.artefacts import configure_matplotlib

    configure_matplotlib()
    for option, value in PANDAS_OPTIONS.items():
        pd.set_option(option, value)
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        as_markdown = shell.display_formatter.formatters["text/markdown"]
        as_markdown.for_type(pd.DataFrame, markdown_table)
        as_markdown.for_type(pd.Series, lambda s: markdown_table(s.to_frame()))


def _flat(label) -> str:
    if isinstance(label, tuple):
        return " · ".join(str(part) for part in label if str(part) != "")
    return "" if label is None else str(label)


def _cell(value):
    # Text through the project's cell escaping (one line, `|` escaped); numbers stay numbers, so that
    # tabulate can align them right.
    return markdown.cell(value) if isinstance(value, str) else value


def markdown_table(frame) -> str:
    """``frame`` as a GitHub-flavoured Markdown table (pandas' ``to_markdown``, i.e. tabulate): text
    columns left-aligned, numbers right-aligned, missing values empty, multi-level labels joined
    with `` · ``. The index is shown unless it is the default 0, 1, 2, …"""
    import pandas as pd

    frame = frame.copy()
    frame.columns = [_flat(c) for c in frame.columns]
    default_index = isinstance(frame.index, pd.RangeIndex) and frame.index.name is None
    if not default_index:
        names = [_flat(n) for n in frame.index.names]
        frame.index = pd.Index([_flat(i) for i in frame.index], name=" · ".join(n for n in names if n))
        frame = frame.reset_index()
        if frame.columns[0] == "index":
            frame = frame.rename(columns={"index": ""})
    frame = frame.map(_cell)
    frame = frame.astype(object).where(frame.notna(), None)  # tabulate leaves NaN as "nan"
    frame.columns = [_cell(c) for c in frame.columns]
    return frame.to_markdown(index=False, tablefmt="pipe", numalign="right", stralign="left",
                             missingval="", floatfmt="g")


class _Image:
    """A PNG shown as ``<img alt=…>`` (HTML) with its alt text as the plain-text form."""

    def __init__(self, png: bytes, width: int, alt: str):
        self.png, self.width, self.alt = png, width, alt

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        return (f'<img src="data:image/png;base64,{data}" width="{self.width}" '
                f'alt="{html.escape(self.alt, quote=True)}"/>')

    def __repr__(self) -> str:
        return f"[figure: {self.alt}]"


def image(png: bytes, width: int, alt: str):
    """An object that shows ``png`` at ``width`` pixels with ``alt`` text (pass it to ``display``)."""
    return _Image(png, width, alt)


class SavedFiles(list):
    """The paths an artefact was saved to (a list), shown in a notebook as one short line instead of
    ``[PosixPath('…'), …]``."""

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text("saved " + ", ".join(str(p) for p in self))
