"""The papers' figures, redrawn from the coded data as clean flow and timeline diagrams.

Every function TAKES the coded DataFrames (``compendium.coding.load()``) and the caption strings (from
the registry, ``outputs.yml``) and RETURNS a :class:`matplotlib.figure.Figure` -- no file I/O here; the
notebooks save with :func:`compendium.render.artefacts.save_figure`. Figures are 16 cm wide (page width).

A function is a *recipe* for a kind of figure; which artefact (and paper) it draws is the ``recipe`` field
of ``outputs.yml``, so no function names a paper:

=====================  ==================================================================================
recipe                 function (artefact in outputs.yml)
=====================  ==================================================================================
sister-city-stages     :func:`sister_city_stages` -- the sister-city stages (stages.csv ``sci-stages``),
                       reconstructed (A's Bagan 1)
ksp-policy-transfer    :func:`ksp_policy_transfer` -- policy transfer in KSP: the three KSP phases, the
                       2017/18 bus-system consultation on a timeline (with the May 2019 final session), the
                       six KSP steps with venues (B's Gambar 1)
implementation-stages  :func:`implementation_stages` -- the six implementation stages of the Bandung–Seoul
                       cooperation, reconstructed (stages.csv ``bandung-seoul-implementation``; B's Bagan 1)
=====================  ==================================================================================

Checkability. Every text drawn carries a ``gid``:

* ``label:<table>:<row id>:<field>`` -- a data item: its text is the cell's value, wrapped at spaces only
  (dates are drawn as ``date_start – date_end``);
* ``caption`` (title, source line, reconstruction notes), ``heading`` (panel titles), ``axis`` (years on
  the timeline), ``legend``.

:func:`drawn_texts` lists them (line breaks undone) so a test can check that every label drawn comes from
the data and every data item is drawn; :func:`layout_problems` reports texts that overlap each other, leave
their box or leave the figure.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from dataclasses import dataclass, field

import pandas as pd

WIDTH_IN = 16 / 2.54  # page width
MARGIN = 0.12
CHAR_W = {"normal": 0.57, "bold": 0.64}  # average glyph width (em) of DejaVu Sans, on the safe side
LINE = 1.22  # line height (em) incl. spacing

COLOURS = {
    "stage": ("#e8f0fa", "#2c5d8f"),  # face, edge
    "event": ("#fdebd9", "#b35806"),
    "undated": ("#ffffff", "#6b6b6b"),
    "partner": ("#e8f0fa", "#2c5d8f"),
    "korea": ("#e9f5e4", "#2f7a2f"),
    "band": "#ececec",
}
VENUE_STYLE = {"negara mitra": "partner", "Korea Selatan": "korea"}


# ------------------------------------------------------------------------------------- text helpers
def wrap(text: str, width_in: float, fontsize: float, weight: str = "normal") -> list[str]:
    """Wrap at spaces only (never inside a word or at a hyphen), for a column ``width_in`` inches wide."""
    chars = max(int(width_in * 72 / (fontsize * CHAR_W[weight])), 8)
    return textwrap.wrap(text, chars, break_long_words=False, break_on_hyphens=False) or [""]


def _lh(fontsize: float) -> float:
    return fontsize * LINE / 72


def date_label(start: str, end: str) -> str:
    """How a date range is drawn (ISO, as coded)."""
    if start and end and end != start:
        return f"{start} – {end}"
    return start or ""


def _parse(date: str, end: bool = False) -> dt.date:
    """The first (or with ``end`` the last) day a partial ISO date stands for."""
    from compendium.coding import date_bounds

    return dt.date(*date_bounds(date)[end])


def shared_note(notes: list[str]) -> str:
    """The sentences every note of a sequence shares (the figure-level reconstruction note)."""
    split = [re.split(r"(?<=\.)\s+(?=[A-Z])", n.strip()) for n in notes if n and n.strip()]
    if not split or len(split) < len(notes):
        return ""
    return " ".join(s for s in split[0] if all(s in other for other in split[1:]))


# --------------------------------------------------------------------------------------- the sheet
@dataclass
class _Part:
    text: str
    gid: str
    size: float = 8.0
    weight: str = "normal"
    style: str = "normal"
    colour: str = "#111111"

    def lines(self, width_in: float) -> list[str]:
        return wrap(self.text, width_in, self.size, self.weight)


@dataclass
class _Sheet:
    """Drawing operations in inches, y measured downwards from the top; rendered once the height is known."""

    width: float = WIDTH_IN
    ops: list = field(default_factory=list)

    def text(self, x, y, lines, part: _Part, ha="center", va="top"):
        self.ops.append(("text", x, y, "\n".join(lines), part, ha, va))

    def stack(self, x, y, w, parts: list[_Part], gap=0.04, ha="center") -> float:
        """Stacked wrapped parts from y down, centred on x (or left-aligned at x); returns the height."""
        h = 0.0
        for i, p in enumerate(parts):
            lines = p.lines(w)
            self.text(x, y + h, lines, p, ha=ha)
            h += len(lines) * _lh(p.size) + (gap if i < len(parts) - 1 else 0)
        return h

    @staticmethod
    def measure(w, parts: list[_Part], gap=0.04) -> float:
        return sum(len(p.lines(w)) * _lh(p.size) for p in parts) + gap * (len(parts) - 1)

    def box(self, x, y, w, h, gid, face, edge, dashed=False):
        self.ops.append(("box", x, y, w, h, gid, face, edge, dashed))

    def rect(self, x, y, w, h, colour):
        self.ops.append(("rect", x, y, w, h, colour))

    def line(self, xs, ys, colour="#444444", dashed=False, lw=0.9):
        self.ops.append(("line", xs, ys, colour, dashed, lw))

    def arrow(self, x0, y0, x1, y1, colour="#444444"):
        self.ops.append(("arrow", x0, y0, x1, y1, colour))

    def dot(self, x, y, colour):
        self.ops.append(("dot", x, y, colour))

    def render(self, height):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

        from compendium.render.artefacts import configure_matplotlib

        configure_matplotlib()
        fig = Figure(figsize=(self.width, height))
        FigureCanvasAgg(fig)  # a real canvas: measurable text, printable without pyplot
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, self.width)
        ax.set_ylim(0, height)
        ax.set_axis_off()
        Y = lambda y: height - y  # noqa: E731
        for op in self.ops:
            kind = op[0]
            if kind == "text":
                _, x, y, text, p, ha, va = op
                ax.text(x, Y(y), text, ha=ha, va=va, fontsize=p.size, fontweight=p.weight,
                        fontstyle=p.style, color=p.colour, linespacing=1.1, gid=p.gid,
                        zorder=5)
            elif kind == "box":
                _, x, y, w, h, gid, face, edge, dashed = op
                ax.add_patch(FancyBboxPatch((x, Y(y + h)), w, h, boxstyle="round,pad=0,rounding_size=0.05",
                                            facecolor=face, edgecolor=edge, linewidth=1.0,
                                            linestyle="--" if dashed else "-", gid=gid, zorder=2))
            elif kind == "rect":
                _, x, y, w, h, colour = op
                ax.add_patch(Rectangle((x, Y(y + h)), w, h, facecolor=colour, edgecolor="none", zorder=1))
            elif kind == "line":
                _, xs, ys, colour, dashed, lw = op
                ax.plot(xs, [Y(v) for v in ys], color=colour, linestyle="--" if dashed else "-",
                        linewidth=lw, zorder=3, solid_capstyle="butt")
            elif kind == "arrow":
                _, x0, y0, x1, y1, colour = op
                ax.add_patch(FancyArrowPatch((x0, Y(y0)), (x1, Y(y1)), arrowstyle="-|>", mutation_scale=9,
                                             color=colour, linewidth=1.0, shrinkA=0, shrinkB=0, zorder=3))
            elif kind == "dot":
                _, x, y, colour = op
                ax.plot([x], [Y(y)], marker="o", markersize=5, color=colour, zorder=4)
        return fig


def _caption_block(sheet: _Sheet, y: float, lines: list[str], size=7.5) -> float:
    """Caption paragraphs (source, notes) at the bottom, left-aligned; returns the height used."""
    w = sheet.width - 2 * MARGIN
    h = 0.0
    for text in lines:
        if not text:
            continue
        part = _Part(text, "caption", size=size, colour="#222222")
        wrapped = part.lines(w)
        sheet.text(MARGIN, y + h, wrapped, part, ha="left")
        h += len(wrapped) * _lh(size) + 0.05
    return h


def _title(sheet: _Sheet, y: float, caption: str, caption_en: str) -> float:
    parts = [_Part(caption, "caption", size=9.5, weight="bold")]
    if caption_en:
        parts.append(_Part(caption_en, "caption", size=8, style="italic", colour="#333333"))
    w = sheet.width - 2 * MARGIN
    return sheet.stack(MARGIN, y, w, parts, gap=0.03, ha="left")


def _heading(sheet: _Sheet, y: float, text: str) -> float:
    part = _Part(text, "heading", size=8.5, weight="bold", colour="#333333")
    lines = part.lines(sheet.width - 2 * MARGIN)
    sheet.text(MARGIN, y, lines, part, ha="left")
    return len(lines) * _lh(part.size)


def _gid(table: str, row: str, fld: str) -> str:
    return f"label:{table}:{row}:{fld}"


# ------------------------------------------------------------------------------------ vertical flow
def _vertical_flow(rows: pd.DataFrame, *, caption: str, caption_en: str, source: str, notes: list[str]):
    sheet = _Sheet()
    y = MARGIN
    y += _title(sheet, y, caption, caption_en) + 0.16
    box_x, box_w = 0.95, sheet.width - 0.95 - 0.55
    inner = box_w - 0.24
    gap = 0.26
    for i, r in enumerate(rows.itertuples(index=False)):
        parts = [_Part(r.label, _gid("stages", r.stage_id, "label"), size=9, weight="bold"),
                 _Part(r.label_en, _gid("stages", r.stage_id, "label_en"), size=8, style="italic",
                       colour="#333333")]
        marker = LABEL_MARKERS.get(getattr(r, "label_basis", "printed"))
        if marker:  # a label the paper does not print says so on the figure itself, above the label
            parts.insert(0, _Part(marker, f"marker:stages:{r.stage_id}", size=7, weight="bold",
                                  colour="#b2182b"))
        h = sheet.measure(inner, parts) + 0.2
        face, edge = COLOURS["stage"]
        sheet.box(box_x, y, box_w, h, f"box:stages:{r.stage_id}", face, edge, dashed=bool(r.reconstruction))
        sheet.stack(box_x + box_w / 2, y + 0.1, inner, parts)
        num = _Part(str(int(r.number)), _gid("stages", r.stage_id, "number"), size=11, weight="bold",
                    colour=edge)
        sheet.box(0.45, y + h / 2 - 0.17, 0.34, 0.34, f"box:stages:{r.stage_id}:number", "#ffffff", edge)
        sheet.text(0.62, y + h / 2 - _lh(11) / 2, [num.text], num)
        if i < len(rows) - 1:
            sheet.arrow(box_x + box_w / 2, y + h, box_x + box_w / 2, y + h + gap)
        y += h + gap
    y += 0.04 - gap + 0.12
    y += _caption_block(sheet, y, [source, *notes])
    return sheet.render(y + MARGIN)


def _sequence(stages: pd.DataFrame, name: str) -> pd.DataFrame:
    rows = stages[stages["sequence"] == name].sort_values(["number", "stage_id"], kind="stable")
    if rows.empty:
        raise ValueError(f"stages.csv has no rows of the sequence {name!r}")
    return rows


def sister_city_stages(stages: pd.DataFrame, *, caption: str, caption_en: str = "", source: str = "",
                       note: str = ""):
    """Paper A's Bagan 1: the stages of formulating sister-city cooperation (after Sister Cities
    International), a reconstruction -- the image is lost, and paper A says five stages before it and six
    in its method."""
    return _stage_chart(stages, "sci-stages", caption, caption_en, source, note)


def implementation_stages(stages: pd.DataFrame, *, caption: str, caption_en: str = "", source: str = "",
                          note: str = ""):
    """Paper B's Bagan 1: the six implementation stages of the Bandung–Seoul sister-city cooperation,
    a reconstruction from the paragraphs printed after the (lost) chart."""
    return _stage_chart(stages, "bandung-seoul-implementation", caption, caption_en, source, note)


LABEL_MARKERS = {
    "coder": "LABEL PENGODE, tidak tercetak · CODER'S LABEL, NOT PRINTED",
    "other-paper": "NAMA DARI MAKALAH LAIN · NAME FROM THE OTHER PAPER",
}
"""What a stage box says above a label its paper does not print (stages.csv ``label_basis``)."""

SOURCE_DISCLAIMER = ("[sumber bagan asli yang tidak ada dalam teks; label bertanda bukan dari sumber ini / "
                     "source of the original chart, missing from the text; marked labels are not from it]")


def _stage_chart(stages, sequence, caption, caption_en, source, note):
    """A sequence of stages as a top-to-bottom flow, noting what its reconstruction rests on. When a
    label is not printed the printed source line is qualified, so that it does not vouch for guesses."""
    rows = _sequence(stages, sequence)
    common = shared_note(rows["reconstruction"].to_list())
    notes = [f"Rekonstruksi / reconstruction: {note}".strip() if note else "", common]
    if source and "label_basis" in rows and (rows["label_basis"] != "printed").any():
        source = f"{source} {SOURCE_DISCLAIMER}"
    return _vertical_flow(rows, caption=caption, caption_en=caption_en, source=source, notes=notes)


# ----------------------------------------------------------------------------------- B, Gambar 1
def _row_of_boxes(sheet, y, items, n_cols, box_h=None, gap=0.3):
    """Boxes in rows of ``n_cols`` (left to right, then the next row), arrows in reading order.

    ``items``: list of (row id, parts, style key). Returns the height used."""
    left, right = MARGIN + 0.05, sheet.width - MARGIN - 0.05
    w = (right - left - (n_cols - 1) * gap) / n_cols
    inner = w - 0.16
    rows = [items[i:i + n_cols] for i in range(0, len(items), n_cols)]
    top = y
    positions = []
    for r_i, row in enumerate(rows):
        h = max(sheet.measure(inner, parts) for _, parts, _ in row) + 0.16
        for c_i, (row_id, parts, style) in enumerate(row):
            x = left + c_i * (w + gap)
            face, edge = COLOURS[style]
            sheet.box(x, y, w, h, f"box:stages:{row_id}", face, edge)
            sheet.stack(x + w / 2, y + 0.08, inner, parts)
            positions.append((x, y, w, h))
        y += h + (0.32 if r_i < len(rows) - 1 else 0)
    for (x0, y0, w0, h0), (x1, y1, w1, h1) in zip(positions, positions[1:]):
        if abs(y0 - y1) < 1e-9:
            sheet.arrow(x0 + w0 + 0.03, y0 + h0 / 2, x1 - 0.03, y1 + h1 / 2)
        else:  # to the start of the next row: down, left, down
            mid = y0 + h0 + 0.16
            sheet.line([x0 + w0 / 2, x0 + w0 / 2, x1 + w1 / 2], [y0 + h0, mid, mid])
            sheet.arrow(x1 + w1 / 2, mid, x1 + w1 / 2, y1)
    return y - top


def ksp_policy_transfer(stages: pd.DataFrame, events: pd.DataFrame, *, caption: str, caption_en: str = "",
                        source: str = "", note: str = "", period_event: str = "ksp-bus-consultation-2017-2018",
                        final_session_event: str = "ksp-final-session-2019"):
    """Paper B's Gambar 1 "Proses Policy Transfer dalam Knowledge Sharing Program", redrawn (the image is
    lost): (a) the three KSP phases; (b) the 2017/18 bus-system consultation's four phases on a timeline,
    with the paper's "about a year, 2017-2018" and the final session of 6-9 May 2019; (c) the six KSP
    steps with their venues."""
    ev = events.set_index("event_id")
    period, final = ev.loc[period_event], ev.loc[final_session_event]
    phases = _sequence(stages, "ksp-phases")
    bus = _sequence(stages, "bus-consultation")
    steps = _sequence(stages, "ksp-six-steps")

    sheet = _Sheet()
    y = MARGIN
    y += _title(sheet, y, caption, caption_en) + 0.14

    # (a) the three KSP phases
    y += _heading(sheet, y, "(a) Fase advokasi kebijakan dalam KSP — the three KSP phases") + 0.08
    items = [(r.stage_id, [
        _Part(str(int(r.number)), _gid("stages", r.stage_id, "number"), size=8.5, weight="bold"),
        _Part(r.label, _gid("stages", r.stage_id, "label"), size=8.5, weight="bold"),
        _Part(r.label_en, _gid("stages", r.stage_id, "label_en"), size=7.5, style="italic", colour="#333333"),
    ], "stage") for r in phases.itertuples(index=False)]
    y += _row_of_boxes(sheet, y, items, n_cols=len(items), gap=0.3) + 0.22

    # (b) the bus-system consultation on a timeline
    head = _Part(period["name"], _gid("events", period_event, "name"), size=8.5, weight="bold",
                 colour="#333333")
    prefix = _Part("(b)", "heading", size=8.5, weight="bold", colour="#333333")
    sheet.text(MARGIN, y, [prefix.text], prefix, ha="left")
    hl = head.lines(sheet.width - 2 * MARGIN - 0.3)
    sheet.text(MARGIN + 0.3, y, hl, head, ha="left")
    y += len(hl) * _lh(8.5) + 0.1

    t0 = _parse(period["date_start"]) if period["date_start"] else dt.date(2017, 1, 1)
    last = _parse(final["date_end"] or final["date_start"], end=True)
    t1 = dt.date(last.year + (last.month > 9), (last.month + 2) % 12 + 1, 1)  # about two months after
    left, right = MARGIN + 0.25, sheet.width - MARGIN - 0.25
    X = lambda d: left + (d - t0).days / (t1 - t0).days * (right - left)  # noqa: E731

    dated = [("stages", r.stage_id, r) for r in bus.itertuples(index=False) if r.date_start]
    dated.append(("events", final_session_event, final))
    undated = [r for r in bus.itertuples(index=False) if not r.date_start]
    slot_gap = 0.2
    slot_w = (right - left - (len(dated) - 1) * slot_gap) / len(dated)
    inner = slot_w - 0.14

    def dated_parts(table, row_id, r):
        if table == "stages":
            return [_Part(f"{int(r.number)}", _gid(table, row_id, "number"), size=8, weight="bold"),
                    _Part(r.label, _gid(table, row_id, "label"), size=7.5, weight="bold"),
                    _Part(date_label(r.date_start, r.date_end), _gid(table, row_id, "dates"), size=7.5),
                    *([_Part(r.venue, _gid(table, row_id, "venue"), size=7.5, style="italic")] if r.venue else [])]
        return [_Part(r["name"], _gid(table, row_id, "name"), size=7.5, weight="bold"),
                _Part(date_label(r["date_start"], r["date_end"]), _gid(table, row_id, "dates"), size=7.5),
                *([_Part(r["venue"], _gid(table, row_id, "venue"), size=7.5, style="italic")] if r["venue"] else [])]

    box_h = max(sheet.measure(inner, dated_parts(*d)) for d in dated) + 0.14
    axis_y = y + box_h + 0.42
    # the paper's period, as a band on the axis, with its words
    band_top = axis_y - 0.13
    p_start, p_end = _parse(period["date_start"]), _parse(period["date_end"] or period["date_start"], end=True)
    sheet.rect(X(p_start), band_top, X(p_end) - X(p_start), 0.26, COLOURS["band"])
    # boxes above the axis, one slot each in time order, leader lines to the dates
    for i, (table, row_id, r) in enumerate(dated):
        x = left + i * (slot_w + slot_gap)
        style = "stage" if table == "stages" else "event"
        face, edge = COLOURS[style]
        sheet.box(x, y, slot_w, box_h, f"box:{table}:{row_id}", face, edge)
        sheet.stack(x + slot_w / 2, y + 0.07, inner, dated_parts(table, row_id, r))
        ds = r.date_start if table == "stages" else r["date_start"]
        de = (r.date_end if table == "stages" else r["date_end"]) or ds
        mid = _parse(ds) + (_parse(de, end=True) - _parse(ds)) / 2
        sheet.line([x + slot_w / 2, x + slot_w / 2, X(mid)], [y + box_h, y + box_h + 0.14, axis_y - 0.16],
                   colour=edge, lw=0.8)
        sheet.dot(X(mid), axis_y, edge)
    # the axis and its years
    sheet.line([left, right], [axis_y, axis_y], colour="#222222", lw=1.2)
    for year in range(t0.year, t1.year + 2):
        d = dt.date(year, 1, 1)
        if t0 <= d <= t1 + dt.timedelta(days=1):
            xx = X(min(d, t1))
            sheet.line([xx, xx], [axis_y - 0.05, axis_y + 0.05], colour="#222222", lw=1.0)
            if d <= t1:
                part = _Part(str(year), "axis", size=7.5, colour="#222222")
                sheet.text(xx + 0.03, axis_y + 0.06, [part.text], part, ha="left")
    # the paper's words on the period, under the band
    note_part = _Part(period["date_note"], _gid("events", period_event, "date_note"), size=7.5,
                      style="italic", colour="#444444")
    band_w = X(p_end) - X(p_start)
    nl = note_part.lines(band_w - 0.5)
    yb = axis_y + 0.2
    sheet.text(X(p_start) + 0.45, yb, nl, note_part, ha="left")
    yb += len(nl) * _lh(7.5) + 0.12
    # undated phases: dashed brackets over the interval their order allows, boxes below
    und_gap = 0.3
    und_w = min(slot_w * 1.15, (right - left - (len(undated) - 1) * und_gap) / max(len(undated), 1))
    und_inner = und_w - 0.14
    und_parts = [[_Part(f"{int(r.number)}", _gid("stages", r.stage_id, "number"), size=8, weight="bold"),
                  _Part(r.label, _gid("stages", r.stage_id, "label"), size=7.5, weight="bold")]
                 for r in undated]
    und_h = max([sheet.measure(und_inner, p) for p in und_parts] or [0]) + 0.14
    bracket_y = yb + 0.02
    box_y = bracket_y + 0.3
    spans, desired = [], []
    for r in undated:
        before = [b for b in bus.itertuples(index=False) if b.number < r.number and b.date_start]
        after = [b for b in bus.itertuples(index=False) if b.number > r.number and b.date_start]
        lo = max((_parse(b.date_end or b.date_start, end=True) for b in before), default=t0)
        hi = min((_parse(b.date_start) for b in after), default=t1)
        spans.append((X(lo) + 0.03, X(hi) - 0.03))
        desired.append((X(lo) + X(hi)) / 2 - und_w / 2)
    xs = []  # boxes as near their interval as possible, never touching one another
    for d in desired:
        xs.append(max(d, left, (xs[-1] + und_w + und_gap) if xs else left))
    shift = max(0.0, (xs[-1] + und_w - right) if xs else 0.0)
    xs = [x - shift for x in xs]
    for r, parts, (x_lo, x_hi), x in zip(undated, und_parts, spans, xs):
        face, edge = COLOURS["undated"]
        sheet.line([x_lo, x_hi], [bracket_y, bracket_y], colour=edge, dashed=True, lw=1.0)
        for xe in (x_lo, x_hi):
            sheet.line([xe, xe], [bracket_y - 0.06, bracket_y + 0.06], colour=edge, lw=1.0)
        sheet.line([(x_lo + x_hi) / 2, x + und_w / 2], [bracket_y, box_y], colour=edge, dashed=True, lw=0.8)
        sheet.box(x, box_y, und_w, und_h, f"box:stages:{r.stage_id}", face, edge, dashed=True)
        sheet.stack(x + und_w / 2, box_y + 0.07, und_inner, parts)
    legend = _Part("- - -  tanpa tanggal dalam makalah; letak menurut urutan fase — undated in the paper; "
                   "placed by the order of the phases", "legend", size=7, style="italic", colour="#555555")
    ll = legend.lines(sheet.width - 2 * MARGIN)
    ly = box_y + und_h + 0.08
    sheet.text(MARGIN, ly, ll, legend, ha="left")
    y = ly + len(ll) * _lh(7) + 0.22

    # (c) the six KSP steps with their venues
    y += _heading(sheet, y, "(c) Tahapan advokasi kebijakan lewat KSP, dengan venue — the six KSP steps, "
                            "with venue") + 0.08
    items = [(r.stage_id, [
        _Part(str(int(r.number)), _gid("stages", r.stage_id, "number"), size=8.5, weight="bold"),
        _Part(r.label, _gid("stages", r.stage_id, "label"), size=8, weight="bold"),
        _Part(r.label_en, _gid("stages", r.stage_id, "label_en"), size=7.5, style="italic", colour="#333333"),
        _Part(r.venue, _gid("stages", r.stage_id, "venue"), size=7.5, colour=COLOURS[VENUE_STYLE.get(r.venue, "partner")][1],
              weight="bold"),
    ], VENUE_STYLE.get(r.venue, "partner")) for r in steps.itertuples(index=False)]
    y += _row_of_boxes(sheet, y, items, n_cols=3, gap=0.3) + 0.18

    y += _caption_block(sheet, y, [source, f"Rekonstruksi / reconstruction: {note}" if note else ""])
    return sheet.render(y + MARGIN)


# ------------------------------------------------------------------------------------------ checks
def _unwrap(text: str) -> str:
    return " ".join(text.split())


def drawn_texts(fig) -> list[tuple[str, str]]:
    """(gid, text with line breaks undone) of every non-empty text in the figure, in drawing order."""
    from matplotlib.text import Text

    out = []
    for t in fig.findobj(Text):
        if t.get_visible() and t.get_text().strip():
            out.append((t.get_gid() or "", _unwrap(t.get_text())))
    return out


def data_labels(fig) -> list[tuple[str, str, str, str]]:
    """(table, row id, field, text) of every data label drawn."""
    out = []
    for gid, text in drawn_texts(fig):
        if gid.startswith("label:"):
            _, table, row, fld = gid.split(":", 3)
            out.append((table, row, fld, text))
    return out


def layout_problems(fig, tolerance_px: float = 0.5) -> list[str]:
    """Texts that overlap one another, stick out of their box or out of the figure (empty: all clear)."""
    from matplotlib.patches import Patch
    from matplotlib.text import Text

    fig.draw_without_rendering()  # lays the figure out; measuring needs no pixels
    renderer = fig.canvas.get_renderer()
    fig_box = fig.bbox
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    boxes = {p.get_gid(): p.get_window_extent(renderer) for p in fig.findobj(Patch)
             if (p.get_gid() or "").startswith("box:")}
    problems = []
    extents = []
    for t in texts:
        e = t.get_window_extent(renderer)
        name = f"{t.get_gid()} {_unwrap(t.get_text())[:40]!r}"
        if (e.x0 < fig_box.x0 - tolerance_px or e.y0 < fig_box.y0 - tolerance_px
                or e.x1 > fig_box.x1 + tolerance_px or e.y1 > fig_box.y1 + tolerance_px):
            problems.append(f"{name} is clipped by the figure edge")
        gid = t.get_gid() or ""
        if gid.startswith("label:"):
            _, table, row, fld = gid.split(":", 3)
            key = f"box:{table}:{row}:number" if fld == "number" else f"box:{table}:{row}"
            box = boxes.get(key) or boxes.get(f"box:{table}:{row}")
            if box is not None and not (box.x0 - tolerance_px <= e.x0 and e.x1 <= box.x1 + tolerance_px
                                        and box.y0 - tolerance_px <= e.y0 and e.y1 <= box.y1 + tolerance_px):
                problems.append(f"{name} sticks out of its box {key}")
        extents.append((name, e))
    named_boxes = sorted((k, v) for k, v in boxes.items() if k.count(":") == 2)  # not the number discs
    for i, (k1, b1) in enumerate(named_boxes):
        for k2, b2 in named_boxes[i + 1:]:
            if (min(b1.x1, b2.x1) - max(b1.x0, b2.x0) > -2 and min(b1.y1, b2.y1) - max(b1.y0, b2.y0) > -2):
                problems.append(f"boxes {k1} and {k2} touch or overlap")
    for i, (n1, e1) in enumerate(extents):
        for n2, e2 in extents[i + 1:]:
            if (min(e1.x1, e2.x1) - max(e1.x0, e2.x0) > tolerance_px
                    and min(e1.y1, e2.y1) - max(e1.y0, e2.y0) > tolerance_px):
                problems.append(f"{n1} overlaps {n2}")
    return problems


RECIPES = {"sister-city-stages": sister_city_stages, "ksp-policy-transfer": ksp_policy_transfer,
           "implementation-stages": implementation_stages}
"""The figure functions by recipe name (the ``recipe`` of a figure in ``outputs.yml``)."""
