"""The policy outputs drawn: the timeline of outputs and events, and the cross-tabulations as heat maps.

Each function takes a table computed by :mod:`compendium.analysis.outputs` (or the coded outputs) and
returns a :class:`matplotlib.figure.Figure`; the notebooks save it with
:func:`compendium.render.artefacts.save_figure`.
"""

from __future__ import annotations

import pandas as pd

from compendium.analysis.outputs import DIMENSION_LABELS, crosstab
from compendium.render import markdown

LANE_COLOURS = {"ksp": "#0072B2", "sister-city": "#009E73", "smart-city-planning": "#D55E00",
                "investment": "#CC79A7", "other": "#999999", "policy output": "#E69F00"}


def draw_timeline(table: pd.DataFrame, window: tuple[int, int] = (2013, 2019), figsize=(18, 11)):
    """Left: dated events and outputs as bars (start to end; year-only dates light and hatched,
    month/day dates dark), coloured by lane, labelled on the left with their coded dates; items
    before the window marked with their year at the left edge. Right:
    the undated items, listed by lane. Returns the figure."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from compendium.render.artefacts import configure_matplotlib

    configure_matplotlib()
    lo, hi = window
    dated = table[table["dated"]].reset_index(drop=True)
    undated = table[~table["dated"]].sort_values(["lane", "kind", "label_en", "id"], kind="mergesort")
    fig, (ax, bx) = plt.subplots(1, 2, figsize=figsize, gridspec_kw={"width_ratios": [1.6, 1]},
                                 layout="constrained")
    n = len(dated)
    labels = []
    for i, r in dated.iterrows():
        y = n - 1 - i
        colour = LANE_COLOURS.get(r["lane"], "#999999")
        s, e = max(r["start"], lo - 0.35), min(r["end"], hi + 1)
        precise = r["precision"] in ("day", "month")
        if r["start"] < lo:
            ax.text(lo - 0.35, y, f"◀ {r['date_start']}", va="center", ha="left", fontsize=8.5,
                    color=colour, fontweight="bold")
        else:
            ax.barh(y, max(e - s, 0.04), left=s, height=0.6, color=colour,
                    alpha=0.95 if precise else 0.35, edgecolor=colour, lw=0.8,
                    hatch=None if precise else "///")
        when = r["date_start"] + (f" – {r['date_end']}" if r["date_end"] else "")
        marker = "◆ " if r["kind"] == "output" else ""
        labels.append((y, f"{marker}{_short(r['label_en'], 58)}  ({when})"))
    ax.set_yticks([y for y, _ in labels], [t for _, t in labels], fontsize=8.5)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(-0.8, n - 0.2)
    ax.set_xlim(lo - 0.4, hi + 1.05)
    ax.set_xticks(range(lo, hi + 2))
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"Dated events and outputs ({lo}–{hi}); ◆ = policy output", loc="left", fontsize=12)
    lanes = [l for l in LANE_COLOURS if l in set(table["lane"])]
    handles = [Patch(color=LANE_COLOURS[l], label=l) for l in lanes]
    handles += [Patch(fc="#777777", alpha=0.35, hatch="///", label="year only (imprecise)"),
                Patch(fc="#777777", label="month or day given")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.04), ncol=3, frameon=False,
              fontsize=8.5)
    # undated list
    bx.axis("off")
    bx.set_title(f"Undated in the text ({len(undated)} items)", loc="left", fontsize=12)
    lines, colours = [], []
    for lane, part in undated.groupby("lane", sort=False):
        lines.append(lane.upper())
        colours.append(LANE_COLOURS.get(lane, "#999999"))
        for r in part.itertuples():
            lines.append(("◆ " if r.kind == "output" else "• ") + _short(r.label_en, 66))
            colours.append("#222222")
    step = 1.0 / max(len(lines), 40)
    for k, (line, colour) in enumerate(zip(lines, colours)):
        bold = colour != "#222222"
        bx.text(0.0, 1.0 - k * step, line, transform=bx.transAxes, va="top", fontsize=8.3,
                color=colour, fontweight="bold" if bold else "normal")
    return fig


def draw_crosstabs(outputs: pd.DataFrame, columns: tuple[str, ...] = ("diffusion", "transfer")):
    """One heat map per coded variable: policy outputs by Smart LBEG dimension (rows) and the
    variable's codes (columns), the count in every cell."""
    import matplotlib.pyplot as plt

    titles = {"diffusion": "diffusion type", "transfer": "transfer mechanism"}
    fig, axes = plt.subplots(1, len(columns), figsize=(6 * len(columns), 4.6), layout="constrained")
    for ax, column in zip(list(axes), columns):
        table = crosstab(outputs, "dimension", column, margins=False)
        ax.imshow(table.values, cmap="Oranges", vmin=0, vmax=max(6, table.values.max()))
        ax.set_xticks(range(table.shape[1]), table.columns, rotation=20, ha="right")
        ax.set_yticks(range(table.shape[0]), [DIMENSION_LABELS[d][0] for d in table.index])
        for (i, j), v in pd.DataFrame(table.values).stack().items():
            ax.text(j, i, str(v), ha="center", va="center", fontsize=11, color="black" if v < 4 else "white")
        ax.set_title(f"Outputs by dimension and {titles.get(column, column)}", loc="left", fontsize=11)
    return fig


def _short(text: str, n: int) -> str:
    text = markdown.text(text)
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"
