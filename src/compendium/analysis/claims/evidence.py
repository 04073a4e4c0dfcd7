"""What the claim checks read: the coded tables (with a variant's coding applied) and the helpers
they share -- the no-self-evidence rule, quotes and their places, counts, Indonesian number words."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from compendium.analysis.claims.model import SECOND_CODER_TABLES, Variant
from compendium.paths import data_dir as _default_data_dir


# --------------------------------------------------------------------------------------------------
# Loading

def load_tables(data_dir: Path | str | None = None, frames: dict | None = None) -> dict:
    """The validated coded tables (:func:`compendium.coding.load`, which includes ``claims``) plus
    ``second_coder``: the second coder's tables keyed by the table they recode.

    ``frames``: what :func:`compendium.coding.load` already returned, to reuse instead of reading and
    validating ``data_dir`` again (a notebook or a benchmark that has loaded the coding); not changed."""
    from compendium import coding

    tables = dict(frames if frames is not None else coding.load(Path(data_dir or _default_data_dir())))
    tables["second_coder"] = {table: tables[name] for name, (table, _) in SECOND_CODER_TABLES.items()
                              if name in tables}
    return tables


def apply_variant(tables: dict, variant: Variant, reading: tuple[str, str] | None = None) -> dict:
    """A shallow copy of ``tables`` with the variant's coder applied: under ``coder-2`` every column
    the second coder recoded (policy outputs: dimension, diffusion, transfer; actors: role, kind)
    replaces the reference value of the same item. The input is not changed.

    ``reading`` is a tie reading ``(classes, basis)`` of :data:`compendium.analysis.network.TIE_READINGS`
    (default: interaction ties, stated and inferred): its basis filters ``ties`` (``stated`` drops the
    inferred ties), its classes are what measures of involvement count (:func:`involvement_ties`).

    The view carries a fresh cache (:func:`_memo`) for what its claims compute from it."""
    from compendium.analysis import network

    out = dict(tables)
    out["_memo"] = {}
    out["_reading"] = tuple(reading or network.DEFAULT_TIE_READING)
    if out["_reading"][1] != "stated+inferred":
        out["ties"] = network.select_ties(tables["ties"], "all", out["_reading"][1])
    if variant.coder == "reference":
        return out
    second = tables.get("second_coder") or {}
    if not second:
        raise ValueError("coder='coder-2' but data/raw/coded/second_coder/ has no files")
    for table, key in SECOND_CODER_TABLES.values():
        if table not in second:
            continue
        codes = second[table].set_index("item_id")
        frame = tables[table].copy()
        for col in codes.columns:
            if col == "rationale" or col not in frame.columns:
                continue
            mapped = frame[key].map(codes[col])
            frame[col] = mapped.where(mapped.notna(), frame[col])
        out[table] = frame
    return out


def without_shaped(view: dict, claim_id: str) -> dict:
    """``view`` without the rows whose ``shaped_by`` names ``claim_id``: rows the coder reconstructed to fit
    the claim, or that the paper arranged by the claim's own categories, are never its evidence.
    Returns ``view`` itself when no row is shaped by the claim (so its cache is shared); the filtered
    view is made once per view and claim."""
    return _memo(view, ("without_shaped", claim_id), lambda: _without_shaped(view, claim_id))


def _without_shaped(view: dict, claim_id: str) -> dict:
    out = None
    for name, frame in view.items():
        if not isinstance(frame, pd.DataFrame) or "shaped_by" not in frame.columns:
            continue
        # most claims shape no row: one pass per view and table collects the claims any row names
        named = _memo(view, ("shaped_by", name), lambda: {c for ids in frame["shaped_by"] for c in ids})
        if claim_id not in named:
            continue
        shaped = frame["shaped_by"].map(lambda ids: claim_id in ids).astype(bool)
        if shaped.any():
            if out is None:
                out = dict(view)
                out["_memo"] = {}
            out[name] = frame[~shaped]
    return view if out is None else out


def shaped_rows(tables: dict, claim_id: str) -> dict[str, pd.DataFrame]:
    """The rows of each table whose ``shaped_by`` names ``claim_id`` (tables without such rows left out)."""
    out = {}
    for name, frame in tables.items():
        if isinstance(frame, pd.DataFrame) and "shaped_by" in frame.columns:
            rows = frame[frame["shaped_by"].map(lambda ids: claim_id in ids)]
            if len(rows):
                out[name] = rows
    return out


def involvement_ties(tables: dict) -> pd.DataFrame:
    """The ties that measures of involvement count under the view's tie reading (relation classes)."""
    from compendium.analysis import network

    classes = tables.get("_reading", network.DEFAULT_TIE_READING)[0]
    return _memo(tables, ("involvement_ties", classes),
                 lambda: network.select_ties(tables["ties"], classes, "stated+inferred"))


# --------------------------------------------------------------------------------------------------
# Helpers shared by the claim functions

def _own(claim: dict) -> set[str]:
    return {claim["segment_id"], *claim.get("restated_in", [])}


def _independent(frame: pd.DataFrame, claim: dict) -> pd.DataFrame:
    """Rows not coded from the claim's own quotes."""
    return frame[~frame["segment_id"].isin(_own(claim))]


def _quote(tables: dict, segment_id: str) -> str:
    return _segments_by_id(tables)["quote"].get(segment_id, "")


def _where(tables: dict, segment_id: str) -> str:
    seg = _segments_by_id(tables)
    if segment_id not in seg.index:
        return segment_id
    row = seg.loc[segment_id]
    if not pd.isna(row["page"]):
        return f"{row['paper']} p.{int(row['page'])}"
    return f"{row['paper']} {row['section']}"


def _case_actors(tables: dict) -> pd.DataFrame:
    a = tables["actors"]
    return a[a["scope"] == "case"]


_ONES = {"satu": 1, "se": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
         "delapan": 8, "sembilan": 9}


def indonesian_number(words: str) -> int | None:
    """``'dua puluh lima'`` -> 25, ``'empat belas'`` -> 14, ``'enam'`` -> 6 (1-99); None if not a number."""
    w = words.lower().split()
    if not w:
        return None
    if w == ["sepuluh"]:
        return 10
    if w == ["sebelas"]:
        return 11
    if len(w) == 2 and w[1] == "belas" and w[0] in _ONES:
        return 10 + _ONES[w[0]]
    if len(w) >= 2 and w[1] == "puluh" and w[0] in _ONES:
        rest = indonesian_number(" ".join(w[2:])) if len(w) > 2 else 0
        return None if rest is None else 10 * _ONES[w[0]] + rest
    if len(w) == 1 and w[0] in _ONES and w[0] != "se":
        return _ONES[w[0]]
    return None


_NUMBER_WORDS = r"(?:(?:satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan)(?: puluh| belas)?(?: (?:satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan))?|sepuluh|sebelas)"


def _memo(view: dict, key, compute):
    """``compute()``, once per view (:func:`apply_variant`): the variants of a robustness run that
    share a coder share their view, so a count or a network is not rebuilt for each of them."""
    cache = view.setdefault("_memo", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def _shared(view: dict, key, compute):
    """``compute()``, once per set of views made together (:func:`~compendium.analysis.claims.ledger.coder_views`:
    every coder and tie reading), else once per view. Only for what ``key`` determines by itself, whatever
    the coder: e.g. a centrality keyed by the network's nodes, ties and weights."""
    if "_shared" not in view:
        return _memo(view, key, compute)
    cache = view["_shared"]
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def _segments_by_id(tables: dict) -> pd.DataFrame:
    return _memo(tables, "segments_by_id", lambda: tables["segments"].set_index("segment_id"))


def _output_counts(tables: dict, column: str) -> dict[str, int]:
    """Policy outputs per category of ``column`` (dimension, diffusion or transfer), every category of
    the scheme present (:func:`compendium.analysis.outputs.category_counts`: the margins of its crosstab)."""
    from compendium.analysis import outputs

    # a copy: claim functions edit their counts
    return dict(_memo(tables, ("output_counts", column),
                      lambda: outputs.category_counts(tables["policy_outputs"], column)))


def _distinct(tables: dict, ids) -> list[str]:
    """Segment ids with duplicates of the same printed passage removed (two segments of one paper whose
    quotes contain one another count once); order kept."""
    seg = _segments_by_id(tables)
    kept: list[str] = []
    for s in ids:
        if s not in seg.index:
            continue
        p, q = seg.loc[s, "paper"], seg.loc[s, "quote"]
        if any(seg.loc[k, "paper"] == p and (q in seg.loc[k, "quote"] or seg.loc[k, "quote"] in q) for k in kept):
            continue
        kept.append(s)
    return kept


def _fmt_counts(counts: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items())
