"""Cells and tables as GitHub-flavoured Markdown: the one writer behind the codebook, the README's list
of tables and figures, the regenerated paper tables and the notebooks' cross-tabulations.

Deterministic and without dependencies beyond pandas (imported only for values that are not text).
"""

from __future__ import annotations

import math


def text(value) -> str:
    """A value as text: '' for None and missing values (NaN, NA, NaT), ``str`` otherwise (lists too)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    import pandas as pd

    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):  # a list or array: not one missing value
        pass
    return str(value)


def cell(value, strip: bool = False, floatfmt: str | None = None) -> str:
    """A value made safe inside a Markdown table cell: ``|`` escaped, line breaks as spaces; floats
    written with ``floatfmt`` when given; ``strip`` removes surrounding spaces."""
    if floatfmt is not None and isinstance(value, float):
        return "" if math.isnan(value) else floatfmt.format(value)
    out = text(value).replace("\r", " ").replace("\n", " ").replace("|", "\\|")
    return out.strip() if strip else out


def table(header, rows, **cell_options) -> list[str]:
    """The lines of a Markdown table: header, ``|---|`` rule, one line per row (cells through :func:`cell`)."""
    header = [cell(c, **cell_options) for c in header]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(v, **cell_options) for v in row) + " |" for row in rows]
    return lines


def dataframe(frame, index: bool = False, floatfmt: str = "{:.3f}") -> str:
    """A DataFrame as a GitHub-flavoured Markdown table (``|`` in cells escaped, newlines as spaces,
    floats with ``floatfmt``, missing as empty), with the index as first columns when ``index``."""
    frame = frame.reset_index() if index else frame
    return "\n".join(table(frame.columns, frame.itertuples(index=False), floatfmt=floatfmt)) + "\n"
