"""How much of each paper the coded quotes cover, and where.

A reader of the coding wants to see at a glance what was coded and from where: which sections the
evidence comes from, and which stretches of the results and conclusions no row cites.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from compendium.papers import sources

SECTION_ORDER = ["abstract", "introduction", "method", "results", "conclusion"]


def covered_mask(paper: sources.Paper, quotes) -> np.ndarray:
    """Boolean array over the paper's cleaned text: True where some quote stands."""
    mask = np.zeros(len(paper.text), dtype=bool)
    for quote in quotes:
        for m in paper.find(quote):
            mask[m.start : m.end] = True
    return mask


def _section_bounds(paper: sources.Paper) -> list[tuple[str, int, int]]:
    starts = [(0, "abstract"), *paper.section_starts]
    bounds = []
    for (start, name), nxt in zip(starts, [*starts[1:], (len(paper.text), None)]):
        if name in SECTION_ORDER:
            bounds.append((name, start, nxt[0]))
    return bounds


def _keys(papers_dir) -> list[str]:
    """The registered papers (of the data folder holding ``papers_dir``), in registry order."""
    from pathlib import Path

    return sources.paper_ids(Path(papers_dir).parent.parent if papers_dir else None)


def coverage_table(segments: pd.DataFrame, papers_dir=None) -> pd.DataFrame:
    """Per registered paper and section: characters, characters inside a coded quote, share, segments."""
    rows = []
    for key in _keys(papers_dir):
        paper = sources.paper(key, papers_dir)
        quotes = segments.loc[segments["paper"] == key, "quote"]
        mask = covered_mask(paper, quotes)
        counts = segments.loc[segments["paper"] == key, "section"].value_counts()
        for name, start, end in _section_bounds(paper):
            covered = int(mask[start:end].sum())
            rows.append({
                "paper": key,
                "section": name,
                "characters": end - start,
                "covered": covered,
                "share": round(covered / (end - start), 3) if end > start else 0.0,
                "segments": int(counts.get(name, 0)),
            })
    return pd.DataFrame(rows)


def coverage_figure(segments: pd.DataFrame, papers_dir=None):
    """One strip per registered paper along its text: sections as bands, coded quotes as dark marks."""
    import matplotlib.pyplot as plt

    from compendium.render.artefacts import configure_matplotlib

    configure_matplotlib()
    colours = dict(zip(SECTION_ORDER, ["#d9d9d9", "#c6dbef", "#fdd0a2", "#c7e9c0", "#dadaeb"]))
    keys = _keys(papers_dir)
    # 2.8 inches for the two shipped papers, 1.4 more per further paper
    fig, axes = plt.subplots(len(keys), 1, figsize=(9, 1.4 * len(keys)), squeeze=False)
    axes = axes[:, 0]
    for ax, key in zip(axes, keys):
        paper = sources.paper(key, papers_dir)
        bounds = _section_bounds(paper)
        n = bounds[-1][2]  # the strip ends with the conclusion: the reference list is not evidence
        for name, start, end in bounds:
            ax.axvspan(start / n, end / n, ymin=0, ymax=1, color=colours[name], lw=0)
            ax.text((start + end) / 2 / n, 1.08, name, ha="center", va="bottom", fontsize=8,
                    transform=ax.transAxes)
        mask = covered_mask(paper, segments.loc[segments["paper"] == key, "quote"])[:n]
        edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(int), [0]])))
        for start, end in zip(edges[::2], edges[1::2]):
            ax.axvspan(start / n, end / n, ymin=0.2, ymax=0.8, color="#08306b", lw=0)
        ax.set_xlim(0, 1)
        ax.set_yticks([])
        ax.set_ylabel(f"Paper {key}", rotation=0, ha="right", va="center")
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1])
        ax.set_xticklabels(["start", "", "middle", "", "end"], fontsize=8)
    axes[-1].set_xlabel("position in the cleaned text (dark marks: quoted by a coded row)")
    fig.suptitle("Where the coded evidence comes from", y=1.04)
    fig.tight_layout()
    return fig
