"""The policy outputs of the cooperation: cross-tabulations, the evidence behind the diffusion verdict,
Seoul models, and a timeline of outputs and events.

Pure functions of the coded tables (``policy_outputs``, ``events``, ``segments``, ``actors`` as returned
by :func:`compendium.coding.load`; list columns may be Python lists or ``;``-joined strings). Categories
always appear in the coding scheme's order (docs/coding-scheme.md), zero rows and columns included, so
the tables have the same shape whatever the data.

The papers' verdict on diffusion -- paper B: "adalah tipe diffusion, combination dan emulation lebih
daripada copying"; paper A: "Dengan tipe diffusion, combination dan emulation lebih cenderung terjadi
daripada copying" -- is traced item by item by :func:`diffusion_evidence` (which output carries which
code, with the coder's rationale and the quotes of its evidence) and :func:`diffusion_statements` (the papers'
general sentences about copying, emulation and combination).
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Iterable, Mapping

import pandas as pd

from compendium.render import markdown
from compendium.coding import PARTIAL_DATE, as_list

# --------------------------------------------------------------------------------------------------
# Categories and their labels

DIMENSIONS = ("smart-government", "smart-branding", "smart-living", "smart-environment", "unclear")
"""Smart LBEG dimensions in the order of paper B's Tabel 2 (then ``unclear``)."""
DIMENSION_LABELS = {
    "smart-government": ("Smart Government", "Smart Government"),
    "smart-branding": ("Smart Branding", "Smart Branding"),
    "smart-living": ("Smart Living", "Smart Living"),
    "smart-environment": ("Smart Environment", "Smart Environment"),
    "unclear": ("(di luar Tabel 2)", "(outside Tabel 2 / not given)"),
}
"""``code -> (label as printed in paper B's Tabel 2, English)``. Items without a dimension are not in
Tabel 2; their Indonesian label is the compendium's, not the paper's (in brackets)."""

DIFFUSION = ("copying", "emulation", "combination", "unclear")
"""Dolowitz & Marsh's diffusion types as paper B defines them (the papers print the English terms)."""
TRANSFER = ("learning", "competition", "coercion", "unclear")
"""Marsh & Sharman's transfer mechanisms as paper B defines them (printed in English)."""
STATUS = ("implemented", "agreed", "planned", "proposed", "unclear")

CODE_EN = {
    "copying": "copying (adopted whole, unchanged)",
    "emulation": "emulation (the idea, with small changes)",
    "combination": "combination (copied, different output)",
    "learning": "learning (voluntary, mutual will)",
    "competition": "competition (Bandung seeks advice to catch up)",
    "coercion": "coercion (required by an international organisation)",
    "unclear": "unclear (no code can be given)",
}
"""Short English glosses of the codes (paper B's definitions, HASIL DAN PEMBAHASAN)."""

DIFFUSION_PATTERN = re.compile(r"copying|emulati|combination|kombinasi|luaran berbeda|output berbeda",
                               re.IGNORECASE)
"""Words by which the papers speak of a diffusion type (English terms, 'kombinasi', 'emulative', and
the definition of combination, 'luaran/output berbeda dari rumusan masukan di awal')."""


_text = markdown.text  # a cell as text: '' for missing values


# --------------------------------------------------------------------------------------------------
# Cross-tabulations

_ORDERS = {"dimension": DIMENSIONS, "diffusion": DIFFUSION, "transfer": TRANSFER, "status": STATUS}


def crosstab(outputs: pd.DataFrame, rows: str = "dimension", columns: str = "diffusion",
             margins: bool = True) -> pd.DataFrame:
    """Counts of outputs by ``rows`` × ``columns`` (any two of dimension, diffusion, transfer, status),
    every category of the scheme present in scheme order; ``Total`` row and column with ``margins``."""
    r_order, c_order = _ORDERS[rows], _ORDERS[columns]
    unknown = (set(outputs[rows]) - set(r_order)) | (set(outputs[columns]) - set(c_order))
    if unknown:
        raise ValueError(f"values outside the coding scheme: {sorted(unknown)}")
    table = pd.crosstab(pd.Categorical(outputs[rows], categories=r_order),
                        pd.Categorical(outputs[columns], categories=c_order), dropna=False)
    table = table.reindex(index=list(r_order), columns=list(c_order), fill_value=0).astype(int)
    table.index.name, table.columns.name = rows, columns
    if margins:
        table["Total"] = table.sum(axis=1)
        table.loc["Total"] = table.sum(axis=0)
    return table


def category_counts(outputs: pd.DataFrame, column: str) -> dict[str, int]:
    """Outputs per category of ``column`` (dimension, diffusion, transfer or status), every category of
    the scheme in scheme order, zeros included: the ``Total`` margin of :func:`crosstab`, counted
    without building the table (the claims ledger asks for it once per coding variant and tie reading)."""
    order = _ORDERS[column]
    unknown = set(outputs[column]) - set(order)
    if unknown:
        raise ValueError(f"values outside the coding scheme: {sorted(unknown)}")
    counts = dict.fromkeys(order, 0)
    for value in outputs[column]:
        counts[value] += 1
    return counts


def crosstab3(outputs: pd.DataFrame, margins: bool = True) -> pd.DataFrame:
    """Dimension × (diffusion, transfer): one row per dimension, one column per diffusion/transfer
    pair that occurs (``"combination / unclear"``), in scheme order; ``Total`` row and column."""
    pairs = [(d, t) for d in DIFFUSION for t in TRANSFER
             if ((outputs["diffusion"] == d) & (outputs["transfer"] == t)).any()]
    table = pd.DataFrame(0, index=pd.Index(list(DIMENSIONS), name="dimension"),
                         columns=[f"{d} / {t}" for d, t in pairs], dtype=int)
    for row in outputs.itertuples(index=False):
        table.loc[row.dimension, f"{row.diffusion} / {row.transfer}"] += 1
    table.columns.name = "diffusion / transfer"
    if margins:
        table["Total"] = table.sum(axis=1)
        table.loc["Total"] = table.sum(axis=0)
    return table


def with_dimension_labels(table: pd.DataFrame) -> pd.DataFrame:
    """A table indexed by dimension code with the printed and English labels in front."""
    out = table.copy()
    codes = list(out.index)
    out.insert(0, "dimensi_kerjasama", [DIMENSION_LABELS.get(c, (c, c))[0] for c in codes])
    out.insert(1, "dimension_en", [DIMENSION_LABELS.get(c, (c, c))[1] for c in codes])
    return out


# --------------------------------------------------------------------------------------------------
# Where the verdict comes from

def _quotes(segments: pd.DataFrame) -> dict[str, dict]:
    return {r["segment_id"]: r for r in segments.to_dict("records")}


def _where(seg: Mapping) -> str:
    page = seg.get("page")
    page = "" if page is None or (isinstance(page, float) and math.isnan(page)) or page is pd.NA else page
    return f"{seg['paper']}" + (f" p. {int(page)}" if page != "" else "") + f", {seg['section']}"


def diffusion_evidence(outputs: pd.DataFrame, segments: pd.DataFrame,
                       codes: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per output (Tabel 2 order, then the others by id): its codes, the coder's rationale,
    the quote of its own evidence segment and the quotes of its further ``evidence`` segments
    (``"[id] (paper p. n, section) quote"``, joined by `` | ``). ``codes`` keeps only outputs whose diffusion code is listed."""
    quotes = _quotes(segments)
    frame = _ordered(outputs)
    if codes is not None:
        frame = frame[frame["diffusion"].isin(list(codes))]
    rows = []
    for r in frame.to_dict("records"):
        seg = quotes.get(r["segment_id"], {})
        cited = [s for s in r.get("evidence") or [] if s in quotes]
        rows.append({
            "output_id": r["output_id"],
            "dimension": r["dimension"],
            "tabel2_no": _text(r.get("tabel2_no")),
            "label": r["label"],
            "label_en": r["label_en"],
            "diffusion": r["diffusion"],
            "transfer": r["transfer"],
            "status": r["status"],
            "rationale": _text(r.get("rationale")),
            "evidence": f"[{r['segment_id']}] ({_where(seg)}) {seg.get('quote', '')}" if seg else "",
            "cited_quotes": " | ".join(f"[{s}] ({_where(quotes[s])}) {quotes[s]['quote']}"
                                       for s in cited),
        })
    return pd.DataFrame(rows)


def _ordered(outputs: pd.DataFrame) -> pd.DataFrame:
    """Tabel 2 order (dimension as printed, then item number), other outputs after, by id."""
    frame = outputs.copy()
    frame["_dim"] = frame["dimension"].map({d: i for i, d in enumerate(DIMENSIONS)})
    frame["_no"] = pd.to_numeric(frame["tabel2_no"], errors="coerce").fillna(99)
    frame["_in_t2"] = frame["tabel2_no"].isna() if frame["tabel2_no"].dtype != object else \
        frame["tabel2_no"].map(lambda v: _text(v) == "")
    frame = frame.sort_values(["_in_t2", "_dim", "_no", "output_id"], kind="mergesort")
    return frame.drop(columns=["_dim", "_no", "_in_t2"]).reset_index(drop=True)


def diffusion_tally(outputs: pd.DataFrame) -> pd.DataFrame:
    """For each diffusion type: how many outputs carry it, how many of them are Tabel 2 items, and
    which (``output_id``s, Tabel 2 order)."""
    frame = _ordered(outputs)
    in_t2 = frame["tabel2_no"].map(lambda v: _text(v) != "")
    rows = []
    for code in DIFFUSION:
        mask = frame["diffusion"] == code
        rows.append({"diffusion": code, "gloss_en": CODE_EN[code], "outputs": int(mask.sum()),
                     "of_which_tabel2": int((mask & in_t2).sum()),
                     "output_ids": ";".join(frame.loc[mask, "output_id"])})
    rows.append({"diffusion": "Total", "gloss_en": "", "outputs": len(frame),
                 "of_which_tabel2": int(in_t2.sum()), "output_ids": ""})
    return pd.DataFrame(rows)


def diffusion_statements(segments: pd.DataFrame, pattern: re.Pattern = DIFFUSION_PATTERN) -> pd.DataFrame:
    """The coded quotes in which the papers speak of copying, emulation or combination (general
    statements as well as items), sorted by paper, page, segment id."""
    mask = segments["quote"].map(lambda q: bool(pattern.search(_text(q))))
    frame = segments.loc[mask, ["segment_id", "paper", "section", "page", "quote"]].copy()
    frame["terms"] = frame["quote"].map(
        lambda q: ";".join(sorted({m.group(0).lower() for m in pattern.finditer(q)})))
    frame["_page"] = pd.to_numeric(frame["page"], errors="coerce").fillna(0)
    frame = frame.sort_values(["paper", "_page", "segment_id"], kind="mergesort")
    frame["page"] = frame["page"].map(lambda p: "" if _text(p) == "" else str(int(p)))
    return frame.drop(columns="_page").reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# Seoul models, actors, status

def seoul_models(outputs: pd.DataFrame, actors: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per output (Tabel 2 order): the Seoul model where the text gives one (else empty), the
    actors (ids and, with ``actors``, English names), status and year."""
    names = {} if actors is None else dict(zip(actors["actor_id"], actors["name_en"]))
    frame = _ordered(outputs)
    rows = []
    for r in frame.to_dict("records"):
        ids = as_list(r.get("actors"))
        rows.append({"output_id": r["output_id"], "dimension": r["dimension"],
                     "tabel2_no": _text(r.get("tabel2_no")),
                     "label": r["label"], "label_en": r["label_en"],
                     "seoul_model": _text(r.get("seoul_model")),
                     "has_seoul_model": _text(r.get("seoul_model")) != "",
                     "actors": ";".join(ids),
                     "actors_en": "; ".join(names.get(a, a) for a in ids) if names else "",
                     "status": r["status"], "year": _text(r.get("year"))})
    out = pd.DataFrame(rows)
    if actors is None:
        out = out.drop(columns="actors_en")
    return out


# --------------------------------------------------------------------------------------------------
# Dates and the timeline

def date_precision(value) -> str:
    """``"day"``, ``"month"``, ``"year"`` or ``""`` (no date) for a partial ISO date."""
    m = PARTIAL_DATE.match(_text(value))
    if not m:
        return ""
    return "day" if m.group(3) else ("month" if m.group(2) else "year")


def decimal_year(value, end: bool = False) -> float | None:
    """A partial ISO date as a decimal year: the *start* of the period it names, or with ``end`` its
    end (``"2017"`` -> 2017.0 / 2018.0; ``"2017-10"`` -> 2017.75 / 2017.833…; ``"2017-10-16"`` -> the
    start / end of that day). ``None`` for an empty value; ``ValueError`` for anything else."""
    text = _text(value)
    if text == "":
        return None
    m = PARTIAL_DATE.match(text)
    if not m:
        raise ValueError(f"not a partial ISO date: {value!r}")
    year = int(m.group(1))
    days = 366 if calendar.isleap(year) else 365
    if m.group(3):
        doy = pd.Timestamp(text).day_of_year - 1 + (1 if end else 0)
        return year + doy / days
    if m.group(2):
        month = int(m.group(2))
        return year + (month - (0 if end else 1)) / 12
    return float(year + (1 if end else 0))


def timeline_table(outputs: pd.DataFrame, events: pd.DataFrame,
                   window: tuple[int, int] = (2013, 2019)) -> pd.DataFrame:
    """Events and outputs on one time axis, one row each: ``kind`` (event/output), id, labels, lane
    (the event's process or ``policy output``), ``date_start``/``date_end`` as coded, ``start``/``end``
    as decimal years (an output's date is its ``year``; no end = the end of the start's period),
    ``precision``, ``dated`` and ``in_window`` (overlaps ``window``, inclusive years). Sorted: dated
    first by start, then undated by lane and id."""
    rows = []
    for r in events.to_dict("records"):
        rows.append({"kind": "event", "id": r["event_id"], "label": r["name"], "label_en": r["name_en"],
                     "lane": r["process"], "date_start": _text(r.get("date_start")),
                     "date_end": _text(r.get("date_end")), "note": _text(r.get("date_note"))})
    for r in outputs.to_dict("records"):
        rows.append({"kind": "output", "id": r["output_id"], "label": r["label"],
                     "label_en": r["label_en"], "lane": "policy output",
                     "date_start": _text(r.get("year")), "date_end": "",
                     "note": _text(r.get("reconstruction")) if _text(r.get("year")) else ""})
    frame = pd.DataFrame(rows)
    frame["start"] = frame["date_start"].map(decimal_year)
    frame["end"] = [decimal_year(e or s, end=True) if s else None
                    for s, e in zip(frame["date_start"], frame["date_end"])]
    frame["precision"] = frame["date_start"].map(date_precision)
    frame["dated"] = frame["start"].notna()
    lo, hi = window
    frame["in_window"] = [bool(d) and s < hi + 1 and e > lo
                          for d, s, e in zip(frame["dated"], frame["start"], frame["end"])]
    frame["_s"] = frame["start"].fillna(9999.0)
    frame = frame.sort_values(["dated", "_s", "end", "lane", "id"], ascending=[False, True, True, True, True],
                              kind="mergesort")
    return frame.drop(columns="_s").reset_index(drop=True)
