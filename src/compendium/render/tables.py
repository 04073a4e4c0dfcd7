"""The papers' tables, rebuilt from the coded data (pandas) and written as CSV, Markdown, LaTeX and HTML.

Every builder takes the coded DataFrames (``compendium.coding.load()``) and returns a :class:`Table`: the
frame -- the paper's Indonesian wording as printed first, English columns beside it -- and a ``note`` that
says what was reconstructed and why (built from the data, so it changes when the coding changes).

A builder is a *recipe* for a kind of table; which artefact it makes, and of which paper, is the
artefact registry's ``recipe`` field (``outputs.yml``), so no builder names a paper. The shipped recipes:

=================  ========================================================================================
recipe             builder (artefact in outputs.yml)
=================  ========================================================================================
conditions         :func:`conditions_table` -- the master plan's conditions and targets (conditions.csv; B's Tabel 1)
dimension-items    :func:`dimension_items` -- the results by Smart dimension (policy_outputs.csv,
                   ``tabel2_no``; B's Tabel 2)
ksp-steps          :func:`ksp_steps` -- the numbered KSP steps with venues (stages.csv)
principles         :func:`principles` -- the seven sister-city principles as one paper prints them
                   (principles.csv, or the paper's own wording from its segments)
cooperation-map    :func:`cooperation_map` -- a lost map of the cooperation by dimension, a reconstruction
actor-roles        :func:`actor_roles` -- actors by Mattioli--Rodrigues type and a paper's ranking of groups
=================  ========================================================================================

:func:`write_table` writes a table through :mod:`compendium.render.artefacts` (staged during a build); the
caption and source line come from the registry (``outputs.yml``), not from this module.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from compendium.render import artefacts, markdown

# Paper B's Tabel 2 prints its four dimensions in this order; the row label as printed, and English.
TABEL2_DIMENSIONS = {
    "smart-government": ("Smart Government", "Smart government"),
    "smart-branding": ("Smart Branding", "Smart branding"),
    "smart-living": ("Smart Living", "Smart living"),
    "smart-environment": ("Smart Environment", "Smart environment"),
}
# The cooperation map names its four columns in this order (paper A's abstract, p. 569).
MAP_DIMENSIONS = ("smart-branding", "smart-living", "smart-environment", "smart-government")
# The one column the text names, and the sentence that lists its content follows it (paper A, p. 574).
MAP_COLUMN_PHRASE = "kolom Smart Living"
MAP_COLUMN_DIMENSION = "smart-living"

# The Mattioli--Rodrigues actor types as the papers spell them (paper A, p. 575: "internal, eksternal dan
# go-between"), and English.
ROLE_LABELS = {
    "internal": ("internal", "internal"),
    "external": ("eksternal", "external"),
    "go-between": ("go-between", "go-between"),
}
BASIS_LABELS = {"stated": ("dinyatakan", "stated"), "inferred": ("disimpulkan", "inferred")}


@dataclass
class Table:
    """A regenerated table: its artefact id, the frame, a note on what was reconstructed, its recipe."""

    artefact_id: str
    frame: pd.DataFrame
    note: str = ""
    recipe: str = ""

    def _repr_html_(self):  # a Table shows as its frame in a notebook
        return self.frame.to_html(index=False)


_text = markdown.text  # a cell as text: '' for missing values


def artefact(recipe: str, paper: str | None = None) -> tuple[str, str]:
    """``(artefact id, paper)`` of the registered artefact (``outputs.yml``) made by ``recipe`` (of
    ``paper``, when the recipe makes one artefact per paper). Raises ``LookupError`` unless exactly one
    artefact matches."""
    from compendium.render import registry

    found = [(aid, e["paper"]) for aid, e in registry.load().items()
             if e.get("recipe") == recipe and paper in (None, e["paper"])]
    if len(found) != 1:
        which = f" of paper {paper}" if paper else ""
        raise LookupError(f"{registry.REGISTRY_FILE}: {len(found)} artefacts{which} with recipe {recipe!r}; "
                          "expected exactly one")
    return found[0]


# ------------------------------------------------------------------------------------ paper B tables
def conditions_table(conditions: pd.DataFrame) -> Table:
    """The conditions of Bandung and their smart-city targets (LAPI ITB's master plan; paper B's Tabel 1),
    one row per number."""
    rows = conditions.sort_values(["number", "condition_id"], kind="stable")
    frame = pd.DataFrame({
        "No.": rows["number"].astype(int).to_list(),
        "Kondisi Kota Bandung Saat ini": rows["condition"].to_list(),
        "Bandung Smart City": rows["target"].to_list(),
        "Current condition of Bandung (EN)": rows["condition_en"].to_list(),
        "Bandung Smart City (EN)": rows["target_en"].to_list(),
    })
    note = ("Printed as two numbered lists side by side; the shared number is moved to the column 'No.'. "
            "English columns are the compendium's translation.")
    return Table(artefact("conditions")[0], frame, note, "conditions")


def tabel2_items(policy_outputs: pd.DataFrame) -> pd.DataFrame:
    """The policy outputs that are items of Tabel 2 (``tabel2_no``), in printed order."""
    items = policy_outputs[policy_outputs["tabel2_no"].notna()].copy()
    unknown = sorted(set(items["dimension"]) - set(TABEL2_DIMENSIONS))
    if unknown:
        raise ValueError(f"Tabel 2 items with a dimension outside Tabel 2's four: {unknown}")
    items["_dim_order"] = items["dimension"].map(list(TABEL2_DIMENSIONS).index)
    return items.sort_values(["_dim_order", "tabel2_no", "output_id"], kind="stable").drop(columns="_dim_order")


def dimension_items(policy_outputs: pd.DataFrame) -> Table:
    """The results of the advocacy by Smart dimension (paper B's Tabel 2 "Hasil Advokasi"), in printed
    order: one row per item."""
    items = tabel2_items(policy_outputs)
    frame = pd.DataFrame({
        "Dimensi Kerjasama": [TABEL2_DIMENSIONS[d][0] for d in items["dimension"]],
        "No.": items["tabel2_no"].astype(int).to_list(),
        "Implementasi Kerjasama": items["label"].to_list(),
        "Dimension (EN)": [TABEL2_DIMENSIONS[d][1] for d in items["dimension"]],
        "Implementation (EN)": items["label_en"].to_list(),
    })
    note = ("Printed as one row per dimension with a numbered list of items (numbering restarts in each "
            "dimension); here one row per item, the dimension repeated. Wording, Title Case and typos "
            "('Dessemination', 'Single Sign In.') as printed.")
    return Table(artefact("dimension-items")[0], frame, note, "dimension-items")


def ksp_steps(stages: pd.DataFrame) -> Table:
    """The numbered list of the KSP policy-advocacy steps with their venues (stages.csv ``ksp-six-steps``)."""
    rows = stages[stages["sequence"] == "ksp-six-steps"].sort_values(["number", "stage_id"], kind="stable")
    frame = pd.DataFrame({
        "No.": rows["number"].astype(int).to_list(),
        "Tahapan": rows["label"].to_list(),
        "Venue": rows["venue"].to_list(),
        "Step (EN)": rows["label_en"].to_list(),
        "Venue (EN)": rows["venue_en"].to_list(),
    })
    note = ("Printed as a numbered list 'STEP dengan venue di VENUE'; the step and the venue are split into "
            "two columns. Italics of the source (e.g. *Preliminary Meeting*) are dropped.")
    return Table(artefact("ksp-steps")[0], frame, note, "ksp-steps")


def _own_description(segments: pd.DataFrame, paper: str, number: int, label: str) -> str:
    """A paper's own wording of a sister-city principle's parenthesis, from its segment."""
    head = f"({number}) {label} ("
    hits = segments[(segments["paper"] == paper) & segments["quote"].str.startswith(head, na=False)]
    if len(hits) != 1:
        raise LookupError(f"expected one paper-{paper} segment quoting {head!r}…, found {len(hits)}")
    quote = hits["quote"].iloc[0]
    if not quote.endswith(")"):
        raise LookupError(f"segment {hits['segment_id'].iloc[0]} does not end with the closing parenthesis")
    return quote[len(head):-1]


def principles(principles_df: pd.DataFrame, segments: pd.DataFrame | None = None, paper: str | None = None) -> Table:
    """The seven sister-city principles (Nuralam, 2018) as printed by ``paper`` (a registered id).

    principles.csv holds the wording of the paper its rows quote (their segments'); that is the default
    ``paper``. For another paper the descriptions are taken from that paper's own segments (they may
    differ, see the note).
    """
    from compendium.papers.sources import paper_of_segment

    rows = principles_df[principles_df["framework"] == "sister-city"].sort_values(
        ["number", "principle_id"], kind="stable")
    descriptions = rows["description"].to_list()
    quoted = sorted({paper_of_segment(s) for s in rows["segment_id"]} - {None})
    if len(quoted) != 1:
        raise ValueError(f"the sister-city rows of principles.csv quote papers {quoted}; expected one paper")
    paper = paper or quoted[0]
    own = quoted[0]
    note = ("Printed inline as '(n) Prinsip (keterangan)'; the name and the parenthesis are split into two "
            "columns. The English columns are the coder's translation (principles.csv, label_en and "
            "description_en).")
    if paper != own:
        if segments is None:
            raise ValueError(f"paper {paper}'s wording needs the segments")
        theirs = [_own_description(segments, paper, int(n), lab) for n, lab in zip(rows["number"], rows["label"])]
        differs = [int(n) for n, a, b in zip(rows["number"], theirs, descriptions) if a != b]
        descriptions = theirs
        if differs:
            note += (f" Paper {paper}'s text differs from paper {own}'s in principle(s) {differs} (a line-break "
                     f"hyphenation artefact of the PDF extraction); kept as paper {paper} prints it.")
    frame = pd.DataFrame({
        "No.": rows["number"].astype(int).to_list(),
        "Prinsip": rows["label"].to_list(),
        "Keterangan": descriptions,
        "Principle (EN)": rows["label_en"].to_list(),
        "Description (EN)": rows["description_en"].to_list(),
    })
    return Table(artefact("principles", paper)[0], frame, note, "principles")


# ----------------------------------------------------------------------- reconstructions and rankings
def _column_segments(segments: pd.DataFrame, text, paper: str) -> list[str]:
    """The paper's segments that start with the sentence right after 'kolom Smart Living.' (its content)."""
    hits = text.find(MAP_COLUMN_PHRASE)
    if len(hits) != 1:
        raise LookupError(f"expected {MAP_COLUMN_PHRASE!r} once in paper {paper}, found {len(hits)}")
    end = text.text.index(".", hits[0].end) + 1
    found = []
    for seg_id, quote in segments.loc[segments["paper"] == paper, ["segment_id", "quote"]].itertuples(index=False):
        starts = [m.start for m in text.find(quote)]
        if any(end <= s <= end + 2 for s in starts):
            found.append(seg_id)
    if not found:
        raise LookupError(f"no paper-{paper} segment quotes the sentence after {MAP_COLUMN_PHRASE!r}")
    return sorted(found)


def _actor_names(actors: pd.DataFrame, ids: list[str]) -> list[str]:
    names = []
    for _, a in actors[actors["actor_id"].isin(ids)].iterrows():
        if a["kind"] in ("city-government", "national-government"):
            continue  # 'Kota Bandung', 'Korea Selatan' … name the parties of every item, not one item
        names.append(a["name"])
        names.extend(a["aliases"] or [])
    return [n for n in names if n]


def cooperation_map(policy_outputs: pd.DataFrame, segments: pd.DataFrame, actors: pd.DataFrame,
                    text=None) -> Table:
    """A paper's lost map of cooperation by Smart Branding / Living / Environment / Government (paper
    A's, the artefact of recipe ``cooperation-map``).

    A RECONSTRUCTION. Paper A announces a "peta kerjasama" (abstract) whose table is not in the text;
    it names only its "kolom Smart Living" and lists that column's content (p. 574). The cells are the
    coded policy outputs with one of the four dimensions; for each cell the table says whether the
    paper's own text supports it (``P`` is the paper, ``T`` the paper whose Tabel 2 lists the items):

    * ``P: item + column`` -- a Smart Living item named in the sentence that lists the column's content
      (matched through the item's actors' printed names);
    * ``P: item`` -- the paper names the item (one of its segments is the row's ``segment_id`` or among
      its ``evidence``) but not its column: the column comes from Tabel 2 (or, for items outside
      Tabel 2, from the coder);
    * ``T only`` -- the cell is borrowed from Tabel 2.

    ``text``: the paper's :class:`compendium.papers.sources.Paper`, if already loaded.
    """
    from compendium.papers import sources

    artefact_id, p = artefact("cooperation-map")
    t = artefact("dimension-items")[1]  # the paper whose Tabel 2 lists the items
    text = text or sources.paper(p)
    seg = segments.set_index("segment_id")
    own_ids = set(segments.loc[segments["paper"] == p, "segment_id"])
    column_segs = _column_segments(segments, text, p)
    column_text = " ".join(seg.loc[s, "quote"] for s in column_segs)

    rows = policy_outputs[policy_outputs["dimension"].isin(MAP_DIMENSIONS)].copy()
    rows["_dim"] = rows["dimension"].map(MAP_DIMENSIONS.index)
    rows["_no"] = rows["tabel2_no"].fillna(999).astype(int)
    rows = rows.sort_values(["_dim", "_no", "output_id"], kind="stable")

    records = []
    for _, r in rows.iterrows():
        evidence = []
        if r["segment_id"] in own_ids:
            evidence.append(r["segment_id"])
        evidence += [ref for ref in r["evidence"] if ref in own_ids]
        in_column = r["dimension"] == MAP_COLUMN_DIMENSION and any(
            name in column_text for name in _actor_names(actors, r["actors"]))
        if in_column:
            evidence += column_segs
        evidence = sorted(dict.fromkeys(evidence))
        pages = sorted({int(seg.loc[s, "page"]) for s in evidence})
        in_tabel2 = pd.notna(r["tabel2_no"])
        page = ""
        if in_column:
            page = f" (p. {int(seg.loc[column_segs[0], 'page'])})" if pd.notna(seg.loc[column_segs[0], "page"]) else ""
            support = (f"{p}: isi + kolom", f"{p}: item + column{page}")
        elif evidence and in_tabel2:
            support = (f"{p}: isi; kolom dari Tabel 2 {t}", f"{p}: item; column from paper {t}'s Tabel 2")
        elif evidence:
            support = (f"{p}: isi; kolom disimpulkan pengkode", f"{p}: item; column inferred by the coder")
        else:
            support = (f"dipinjam dari Tabel 2 {t}", f"borrowed from paper {t}'s Tabel 2")
        records.append({
            "Kolom": TABEL2_DIMENSIONS[r["dimension"]][0],
            f"No. Tabel 2 ({t})": int(r["tabel2_no"]) if in_tabel2 else "",
            "Isi": r["label"],
            f"Dukungan teks {p}": support[0],
            f"Hal. {p}": ", ".join(str(n) for n in pages),
            f"Segmen {p}": "; ".join(evidence),
            "Column (EN)": TABEL2_DIMENSIONS[r["dimension"]][1],
            "Item (EN)": r["label_en"],
            f"Support in paper {p} (EN)": support[1],
        })
    frame = pd.DataFrame.from_records(records)
    n = len(frame)
    col = int(frame[f"Dukungan teks {p}"].eq(f"{p}: isi + kolom").sum())
    item = int(frame[f"Dukungan teks {p}"].str.startswith(f"{p}: isi;").sum())
    borrowed = int(frame[f"Dukungan teks {p}"].eq(f"dipinjam dari Tabel 2 {t}").sum())
    note = (
        f"RECONSTRUCTION. Paper {p} announces a cooperation map ('peta kerjasama', abstract p. 569) by Smart "
        "Branding, Smart Living, Smart Environment and Smart Government, but its table is not in the text; "
        f"it names only its '{MAP_COLUMN_PHRASE}' and lists that column's content on p. 574 "
        f"({', '.join(column_segs)}). Rebuilt from the coded policy outputs with one of the four dimensions "
        f"({n} cells): {col} are placed in their column by paper {p} itself, {item} are items paper {p} names "
        f"without a column (column from paper {t}'s Tabel 2 or the coder), {borrowed} are borrowed from paper "
        f"{t}'s Tabel 2 with no support in paper {p}'s text. Cell wording is paper {t}'s Tabel 2 (Title Case as "
        "printed) or, for items outside Tabel 2, the coded label."
    )
    return Table(artefact_id, frame, note, "cooperation-map")


def actor_roles(actors: pd.DataFrame, segments: pd.DataFrame, ranking_groups) -> Table:
    """Actors of the cooperation by the Mattioli--Rodrigues actor types (paper A, p. 575), stated vs
    inferred, with the paper's ranking of groups (walikota > pebisnis > konsultan, p. 573): which
    actors stand for each group is the default reading of ``ranking_groups`` (the loaded
    ``data/ranking_groups.csv``, or a :class:`compendium.analysis.network.Ranking`)."""
    from compendium.analysis import network

    artefact_id, p = artefact("actor-roles")
    rk = ranking_groups if isinstance(ranking_groups, network.Ranking) else network.ranking(ranking_groups)
    seg = segments.set_index("segment_id")
    ranking_page = int(seg.loc[rk.segments[("default", rk.order[0])], "page"])
    rows = actors[(actors["scope"] == "case") & actors["role"].isin(list(ROLE_LABELS))].copy()
    rows["_role"] = rows["role"].map(list(ROLE_LABELS).index)
    # the ranking: (rank, the paper's word, English) of the actor's group, by the default reading
    ranking = {actor: (rk.order.index(group) + 1, rk.words[group], group)
               for actor, group in network.group_members(actors, rk.mapping).items()}
    rows["_rank"] = [ranking.get(a, (9,))[0] for a in rows["actor_id"]]
    rows["_basis"] = rows["role_basis"].map(list(BASIS_LABELS).index)
    rows = rows.sort_values(["_role", "_rank", "_basis", "actor_id"], kind="stable")
    records = []
    for _, a in rows.iterrows():
        cat = ranking.get(a["actor_id"])
        s = seg.loc[a["segment_id"]]
        where = f"{s['paper']} hal. {int(s['page'])}" if not pd.isna(s["page"]) else s["paper"]
        records.append({
            "Tipe aktor": ROLE_LABELS[a["role"]][0],
            "Aktor": a["name"],
            f"Peringkat {p} (hal. {ranking_page})": f"{cat[0]} {cat[1]}" if cat else "",
            "Dasar": BASIS_LABELS[a["role_basis"]][0],
            "Bukti": f"{a['segment_id']} ({where})",
            "Actor type (EN)": ROLE_LABELS[a["role"]][1],
            "Actor (EN)": a["name_en"],
            f"Rank in paper {p} (EN)": f"{cat[0]} {cat[2]}" if cat else "",
            "Basis (EN)": BASIS_LABELS[a["role_basis"]][1],
            "Kind": a["kind"],
        })
    frame = pd.DataFrame.from_records(records)
    stated = int(rows["role_basis"].eq("stated").sum())
    excluded = actors[(actors["scope"] == "case") & ~actors["role"].isin(list(ROLE_LABELS))]
    names = actors.set_index("actor_id")["name"]
    groups = "; ".join(
        f"{g} = " + "; ".join([", ".join(names[a] for a in rule["actors"])] * bool(rule["actors"])
                              + [f"kind {' or '.join(rule['kinds'])}"] * bool(rule["kinds"]))
        for g, rule in rk.mapping.items())
    words = " > ".join(f"'{rk.words[g]}'" for g in rk.order)
    note = (
        f"Paper {p} (p. 575) assigns the types in so many words to {stated} of these {len(rows)} actors "
        "('dinyatakan' / stated); the others are the coder's inference ('disimpulkan', reason in "
        f"actors.csv, column reconstruction). Paper {p}'s ranking (p. {ranking_page}) is of categories, not "
        f"of named actors: {words}; the category is matched by the default reading of data/ranking_groups.csv "
        f"({groups}); its other readings ({'; '.join(rk.readings)}) are robustness checks in notebook 02. "
        f"{len(excluded)} actors of the case with role none or unclear are not listed."
    )
    return Table(artefact_id, frame, note, "actor-roles")


RECIPES = {"conditions": conditions_table, "dimension-items": dimension_items, "ksp-steps": ksp_steps,
           "principles": principles, "cooperation-map": cooperation_map, "actor-roles": actor_roles}
"""The builders by recipe name (the ``recipe`` of a table in ``outputs.yml``)."""


# ------------------------------------------------------------------------ against the transcriptions
# Column of the regenerated table for each column of the transcription in data/reference/, by recipe.
REFERENCE_COLUMNS = {
    "conditions": {"no": "No.", "kondisi_kota_bandung_saat_ini": "Kondisi Kota Bandung Saat ini",
                  "bandung_smart_city": "Bandung Smart City"},
    "dimension-items": {"dimensi_kerjasama": "Dimensi Kerjasama", "no": "No.",
                  "implementasi_kerjasama": "Implementasi Kerjasama"},
    "ksp-steps": {"no": "No.", "tahapan": "Tahapan", "venue": "Venue"},
    "principles": {"no": "No.", "prinsip": "Prinsip", "keterangan": "Keterangan"},
}


def reference_differences(table: Table, reference: pd.DataFrame) -> list[str]:
    """Cell-by-cell differences between a regenerated table and its transcription (empty: identical)."""
    columns = REFERENCE_COLUMNS[table.recipe]
    got = table.frame
    out = []
    if len(got) != len(reference):
        out.append(f"{len(got)} rows regenerated, {len(reference)} transcribed")
    for i in range(min(len(got), len(reference))):
        for ref_col, col in columns.items():
            expected, value = _text(reference.iloc[i][ref_col]), _text(got.iloc[i][col])
            if expected != value:
                out.append(f"row {i + 1}, column {col!r}: printed {expected!r}, regenerated {value!r}")
    return out


# ------------------------------------------------------------------------------------------ writing
def to_markdown(table: Table, caption: str = "", caption_en: str = "", source: str = "") -> str:
    lines = []
    if caption:
        lines.append(f"**{caption}**" + (f" — *{caption_en}*" if caption_en else ""))
        lines.append("")
    lines += markdown.table(table.frame.columns, table.frame.itertuples(index=False))
    lines.append("")
    if source:
        lines.append(source)
        lines.append("")
    if table.note:
        lines.append(f"*Note.* {table.note}")
    return "\n".join(lines) + "\n"


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}


def latex_escape(text) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in _text(text))


def to_latex(table: Table, caption: str = "", caption_en: str = "", source: str = "") -> str:
    """A ``longtable`` (needs ``\\usepackage{longtable,booktabs}``) with paragraph columns whose widths
    follow the length of their content."""
    frame = table.frame
    lengths = [max([len(_text(c))] + [len(_text(v)) for v in frame[c]]) for c in frame.columns]
    weights = [min(max(n, 4), 60) for n in lengths]
    usable = 0.98 - 0.02 * len(weights)
    widths = [usable * w / sum(weights) for w in weights]
    spec = "".join(f"p{{{w:.3f}\\linewidth}}" for w in widths)
    cap = latex_escape(caption) + (f" --- \\emph{{{latex_escape(caption_en)}}}" if caption_en else "")
    out = [r"\begingroup\footnotesize", f"\\begin{{longtable}}{{{spec}}}"]
    if caption:
        out.append(f"\\caption{{{cap}}}\\label{{tab:{table.artefact_id}}}\\\\")
    header = " & ".join(f"\\textbf{{{latex_escape(c)}}}" for c in frame.columns) + r" \\"
    out += [r"\toprule", header, r"\midrule", r"\endhead"]
    for row in frame.itertuples(index=False):
        out.append(" & ".join(latex_escape(v) for v in row) + r" \\")
    out.append(r"\bottomrule")
    out.append(r"\end{longtable}")
    if source:
        out.append(latex_escape(source) + r"\par")
    if table.note:
        out.append(r"\emph{Note.} " + latex_escape(table.note) + r"\par")
    out.append(r"\endgroup")
    return "\n".join(out) + "\n"


def to_html(table: Table, caption: str = "", caption_en: str = "", source: str = "") -> str:
    esc = lambda v: html.escape(_text(v), quote=True)  # noqa: E731
    out = ["<!DOCTYPE html>", '<html lang="id">', "<head>", '<meta charset="utf-8">',
           f"<title>{esc(table.artefact_id)}</title>",
           "<style>table{border-collapse:collapse;font-family:sans-serif;font-size:90%}"
           "th,td{border:1px solid #999;padding:3px 6px;vertical-align:top;text-align:left}"
           "caption{text-align:left;font-weight:bold;margin-bottom:4px}</style>",
           "</head>", "<body>", f'<table id="{esc(table.artefact_id)}">']
    if caption:
        en = f" — <em>{esc(caption_en)}</em>" if caption_en else ""
        out.append(f"<caption>{esc(caption)}{en}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{esc(c)}</th>" for c in table.frame.columns) + "</tr></thead>")
    out.append("<tbody>")
    for row in table.frame.itertuples(index=False):
        out.append("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>")
    out += ["</tbody>", "</table>"]
    if source:
        out.append(f"<p>{esc(source)}</p>")
    if table.note:
        out.append(f"<p><em>Note.</em> {esc(table.note)}</p>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


def write_table(table: Table, folder: Path | str, caption: str = "", caption_en: str = "",
                source: str = "", formats: tuple[str, ...] = ("csv", "md", "tex", "html")) -> list[Path]:
    """Write ``folder/<artefact id>.csv|.md|.tex|.html`` through compendium.render.artefacts; returns the paths
    relative to nothing (as given), in the order of ``formats``."""
    folder = Path(folder)
    stem = folder / table.artefact_id
    paths = []
    for fmt in formats:
        path = Path(f"{stem}.{fmt}")
        if fmt == "csv":
            artefacts.write_csv(table.frame, path)
        elif fmt == "md":
            artefacts.write_text(path, to_markdown(table, caption, caption_en, source))
        elif fmt == "tex":
            artefacts.write_text(path, to_latex(table, caption, caption_en, source))
        elif fmt == "html":
            artefacts.write_text(path, to_html(table, caption, caption_en, source))
        else:
            raise ValueError(f"unknown table format {fmt!r}")
        paths.append(path)
    return paths
