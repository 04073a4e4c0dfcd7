"""How the ledger is presented: the verdicts-by-paper chart and the evidence behind each contested
claim, for notebook 06 and anyone who wants them elsewhere."""

from __future__ import annotations

import pandas as pd

from compendium.analysis.claims.evidence import _quote, _where
from compendium.analysis.claims.model import SUPPORTED, VERDICTS

#: One colour per verdict (diverging, colour-blind safe; grey for "not testable").
VERDICT_COLOURS = {"supported": "#1b7837", "partly supported": "#a6dba0",
                   "contradicted": "#c51b7d", "not testable from the text": "#bababa"}
DARK = {"supported", "contradicted"}  # counts on these bars are written in white


def paper_rows() -> dict[str, str]:
    """Every registered paper and set of papers with its label: A 'paper A', B 'paper B', AB 'both (AB)'."""
    from compendium.papers.sources import paper_ids, paper_sets, set_label

    ids = paper_ids()
    return {v: set_label(v, ids) for v in paper_sets(ids)}


def verdict_counts(ledger: pd.DataFrame) -> pd.DataFrame:
    """Claims per paper (rows ``A``, ``B``, ``AB``...) and verdict (columns, in :data:`VERDICTS` order)."""
    return (pd.crosstab(ledger["paper"], ledger["verdict"])
            .reindex(index=list(paper_rows()), columns=list(VERDICTS), fill_value=0))


def verdicts_by_paper_figure(ledger: pd.DataFrame, title: str):
    """A stacked bar per paper: how many of its claims get each verdict, the count on each segment."""
    import matplotlib.pyplot as plt

    from compendium.render.artefacts import configure_matplotlib

    configure_matplotlib()
    counts = verdict_counts(ledger)
    fig, ax = plt.subplots(figsize=(7, 2.8))
    left = pd.Series(0, index=counts.index)
    for verdict in VERDICTS:
        ax.barh(range(len(counts)), counts[verdict], left=left, color=VERDICT_COLOURS[verdict],
                label=verdict, edgecolor="white")
        for i, (n, start) in enumerate(zip(counts[verdict], left)):
            if n:
                ax.text(start + n / 2, i, str(n), ha="center", va="center", fontsize=9,
                        color="white" if verdict in DARK else "black")
        left = left + counts[verdict]
    ax.invert_yaxis()
    ax.set_xlabel("claims")
    ax.set_yticks(range(len(counts)), [paper_rows()[p] for p in counts.index])
    ax.xaxis.get_major_locator().set_params(integer=True)  # claims are counted: no ticks at 2.5
    ax.set_title(title, fontsize=10)
    ax.legend(ncol=2, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.28), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _md(text) -> str:
    """Plain text made safe inside Markdown prose (no accidental emphasis, links or HTML)."""
    text = str(text)
    for ch in "\\`*_[]<>#|":
        text = text.replace(ch, "\\" + ch)
    return text


def contested_evidence_markdown(ledger: pd.DataFrame, tables: dict, passages: int = 6) -> str:
    """Every claim not plainly supported, as Markdown: the claim, the paper's own words, the figures,
    why, and up to ``passages`` of the verbatim passages the figures rest on (the claim's own quote
    is not repeated among them)."""
    own_quote = tables["claims"].set_index("claim_id")["segment_id"]
    blocks = []
    for r in ledger[ledger["verdict"] != SUPPORTED].itertuples(index=False):
        own = own_quote[r.claim_id]
        lines = [f"#### `{r.claim_id}` — {r.verdict}",
                 "",
                 f"*{_md(r.claim_en)}* (paper {r.paper}, {r.page})",
                 "",
                 f"> {_md(_quote(tables, own))} — {_where(tables, own)}",
                 "",
                 f"- **Figures:** {_md(r.evidence)}",
                 f"- **Why:** {_md(r.explanation)}"]
        cited = [s for s in str(r.evidence_segments).split(";") if s and s != own][:passages]
        if cited:
            lines.append("- **Passages:**")
            lines += [f"    - {_where(tables, s)} (`{s}`): “{_md(_quote(tables, s))}”" for s in cited]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"
