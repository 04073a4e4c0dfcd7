"""The papers' tables, rebuilt from the coded data (pandas) and written as CSV, Markdown, LaTeX and HTML.

Every builder takes the coded DataFrames (``compendium.coding.load()``) and returns a :class:`Table`: the
frame -- the paper's Indonesian wording as printed first, English columns beside it -- and a ``note`` that
says what was reconstructed and why (built from the data, so it changes when the coding changes).

==================  =======================================================================================
artefact            builder
==================  =======================================================================================
B-Tabel-1           :func:`b_tabel_1` -- paper B's Tabel 1 (conditions.csv), 4 rows
B-Tabel-2           :func:`b_tabel_2` -- paper B's Tabel 2 (policy_outputs.csv, ``tabel2_no``), 15 items
B-ksp-steps         :func:`ksp_steps` -- paper B's numbered KSP steps with venues (stages.csv)
A-/B-principles     :func:`principles` -- the seven sister-city principles (principles.csv; paper A's
                    own wording of the descriptions from its segments)
A-cooperation-map   :func:`a_cooperation_map` -- paper A's lost cooperation map, a reconstruction
A-actor-roles       :func:`a_actor_roles` -- actors by Mattioli--Rodrigues type and paper A's ranking
==================  =======================================================================================

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
# Paper A names the four columns of its cooperation map in this order (abstract, p. 569).
A_MAP_DIMENSIONS = ("smart-branding", "smart-living", "smart-environment", "smart-government")
# The one column paper A names, and the sentence that lists its content follows it (p. 574).
A_MAP_COLUMN_PHRASE = "kolom Smart Living"
A_MAP_COLUMN_DIMENSION = "smart-living"

# Paper A's Mattioli--Rodrigues actor types as the paper spells them (p. 575: "internal, eksternal dan
# go-between"), and English.
ROLE_LABELS = {
    "internal": ("internal", "internal"),
    "external": ("eksternal", "external"),
    "go-between": ("go-between", "go-between"),
}
BASIS_LABELS = {"stated": ("dinyatakan", "stated"), "inferred": ("disimpulkan", "inferred")}
# Paper A's ranking of actor *categories* (p. 573) rests on this segment; which actors stand for each
# category is the one mapping of the compendium, compendium.analysis.network.PAPER_A_GROUPS.
RANKING_SEGMENT = "a-claim-actor-ranking"
A_RANKING_WORDS = {"mayor": "walikota", "business": "pebisnis", "consultant": "konsultan"}



@dataclass
class Table:
    """A regenerated table: its artefact id, the frame and a note on what was reconstructed."""

    artefact_id: str
    frame: pd.DataFrame
    note: str = ""

    def _repr_html_(self):  # a Table shows as its frame in a notebook
        return self.frame.to_html(index=False)


_text = markdown.text  # a cell as text: '' for missing values


# ------------------------------------------------------------------------------------ paper B tables
def b_tabel_1(conditions: pd.DataFrame) -> Table:
    """Paper B, Tabel 1 (LAPI ITB's master plan: Bandung's condition → Bandung Smart City), 4 rows."""
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
    return Table("B-Tabel-1", frame, note)


def tabel2_items(policy_outputs: pd.DataFrame) -> pd.DataFrame:
    """The policy outputs that are items of paper B's Tabel 2, in printed order."""
    items = policy_outputs[policy_outputs["tabel2_no"].notna()].copy()
    unknown = sorted(set(items["dimension"]) - set(TABEL2_DIMENSIONS))
    if unknown:
        raise ValueError(f"Tabel 2 items with a dimension outside Tabel 2's four: {unknown}")
    items["_dim_order"] = items["dimension"].map(list(TABEL2_DIMENSIONS).index)
    return items.sort_values(["_dim_order", "tabel2_no", "output_id"], kind="stable").drop(columns="_dim_order")


def b_tabel_2(policy_outputs: pd.DataFrame) -> Table:
    """Paper B, Tabel 2 "Hasil Advokasi": 4 dimensions, 15 items, in printed order."""
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
    return Table("B-Tabel-2", frame, note)


def ksp_steps(stages: pd.DataFrame) -> Table:
    """Paper B's numbered list of the KSP policy-advocacy steps with their venues (6 rows)."""
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
    return Table("B-ksp-steps", frame, note)


def _paper_a_description(segments: pd.DataFrame, number: int, label: str) -> str:
    """Paper A's own wording of a sister-city principle's parenthesis, from its segment."""
    head = f"({number}) {label} ("
    hits = segments[(segments["paper"] == "A") & segments["quote"].str.startswith(head, na=False)]
    if len(hits) != 1:
        raise LookupError(f"expected one paper-A segment quoting {head!r}…, found {len(hits)}")
    quote = hits["quote"].iloc[0]
    if not quote.endswith(")"):
        raise LookupError(f"segment {hits['segment_id'].iloc[0]} does not end with the closing parenthesis")
    return quote[len(head):-1]


def principles(principles_df: pd.DataFrame, segments: pd.DataFrame | None = None, paper: str = "B") -> Table:
    """The seven sister-city principles (Nuralam, 2018) as printed by ``paper`` ("A" or "B").

    principles.csv holds paper B's wording; for paper A the descriptions are taken from paper A's own
    segments (they differ in one place, see the note).
    """
    rows = principles_df[principles_df["framework"] == "sister-city"].sort_values(
        ["number", "principle_id"], kind="stable")
    descriptions = rows["description"].to_list()
    note = ("Printed inline as '(n) Prinsip (keterangan)'; the name and the parenthesis are split into two "
            "columns. The English columns are the coder's translation (principles.csv, label_en and "
            "description_en).")
    if paper == "A":
        if segments is None:
            raise ValueError("paper A's wording needs the segments")
        a_desc = [_paper_a_description(segments, int(n), lab) for n, lab in zip(rows["number"], rows["label"])]
        differs = [int(n) for n, a, b in zip(rows["number"], a_desc, descriptions) if a != b]
        descriptions = a_desc
        if differs:
            note += (f" Paper A's text differs from paper B's in principle(s) {differs} (a line-break "
                     "hyphenation artefact of the PDF extraction); kept as paper A prints it.")
    elif paper != "B":
        raise ValueError(f"paper must be 'A' or 'B', not {paper!r}")
    frame = pd.DataFrame({
        "No.": rows["number"].astype(int).to_list(),
        "Prinsip": rows["label"].to_list(),
        "Keterangan": descriptions,
        "Principle (EN)": rows["label_en"].to_list(),
        "Description (EN)": rows["description_en"].to_list(),
    })
    return Table(f"{paper}-principles", frame, note)


# ------------------------------------------------------------------------------------ paper A tables
def _column_segments(segments: pd.DataFrame, paper_a) -> list[str]:
    """Paper-A segments that start with the sentence right after 'kolom Smart Living.' (its content)."""
    hits = paper_a.find(A_MAP_COLUMN_PHRASE)
    if len(hits) != 1:
        raise LookupError(f"expected {A_MAP_COLUMN_PHRASE!r} once in paper A, found {len(hits)}")
    end = paper_a.text.index(".", hits[0].end) + 1
    found = []
    for seg_id, quote in segments.loc[segments["paper"] == "A", ["segment_id", "quote"]].itertuples(index=False):
        starts = [m.start for m in paper_a.find(quote)]
        if any(end <= s <= end + 2 for s in starts):
            found.append(seg_id)
    if not found:
        raise LookupError(f"no paper-A segment quotes the sentence after {A_MAP_COLUMN_PHRASE!r}")
    return sorted(found)


def _actor_names(actors: pd.DataFrame, ids: list[str]) -> list[str]:
    names = []
    for _, a in actors[actors["actor_id"].isin(ids)].iterrows():
        if a["kind"] in ("city-government", "national-government"):
            continue  # 'Kota Bandung', 'Korea Selatan' … name the parties of every item, not one item
        names.append(a["name"])
        names.extend(a["aliases"] or [])
    return [n for n in names if n]


def a_cooperation_map(policy_outputs: pd.DataFrame, segments: pd.DataFrame, actors: pd.DataFrame,
                      paper_a=None) -> Table:
    """Paper A's lost map of cooperation by Smart Branding / Living / Environment / Government.

    A RECONSTRUCTION. Paper A announces a "peta kerjasama" (abstract) whose table is not in the text;
    it names only its "kolom Smart Living" and lists that column's content (p. 574). The cells are the
    coded policy outputs with one of the four dimensions; for each cell the table says whether paper A's
    own text supports it:

    * ``A: item + column`` -- a Smart Living item named in the sentence that lists the column's content
      (matched through the item's actors' printed names);
    * ``A: item`` -- paper A names the item (a paper-A segment is the row's ``segment_id`` or among its
      ``evidence``) but not its column: the column comes from paper B's Tabel 2
      (or, for items outside Tabel 2, from the coder);
    * ``B only`` -- the cell is borrowed from paper B's Tabel 2.
    """
    from compendium.papers import sources

    paper_a = paper_a or sources.paper("A")
    seg = segments.set_index("segment_id")
    a_ids = set(segments.loc[segments["paper"] == "A", "segment_id"])
    column_segs = _column_segments(segments, paper_a)
    column_text = " ".join(seg.loc[s, "quote"] for s in column_segs)

    rows = policy_outputs[policy_outputs["dimension"].isin(A_MAP_DIMENSIONS)].copy()
    rows["_dim"] = rows["dimension"].map(A_MAP_DIMENSIONS.index)
    rows["_no"] = rows["tabel2_no"].fillna(999).astype(int)
    rows = rows.sort_values(["_dim", "_no", "output_id"], kind="stable")

    records = []
    for _, r in rows.iterrows():
        evidence = []
        if r["segment_id"] in a_ids:
            evidence.append(r["segment_id"])
        evidence += [ref for ref in r["evidence"] if ref in a_ids]
        in_column = r["dimension"] == A_MAP_COLUMN_DIMENSION and any(
            name in column_text for name in _actor_names(actors, r["actors"]))
        if in_column:
            evidence += column_segs
        evidence = sorted(dict.fromkeys(evidence))
        pages = sorted({int(seg.loc[s, "page"]) for s in evidence})
        in_tabel2 = pd.notna(r["tabel2_no"])
        if in_column:
            support = ("A: isi + kolom", "A: item + column (p. 574)")
        elif evidence and in_tabel2:
            support = ("A: isi; kolom dari Tabel 2 B", "A: item; column from paper B's Tabel 2")
        elif evidence:
            support = ("A: isi; kolom disimpulkan pengkode", "A: item; column inferred by the coder")
        else:
            support = ("dipinjam dari Tabel 2 B", "borrowed from paper B's Tabel 2")
        records.append({
            "Kolom": TABEL2_DIMENSIONS[r["dimension"]][0],
            "No. Tabel 2 (B)": int(r["tabel2_no"]) if in_tabel2 else "",
            "Isi": r["label"],
            "Dukungan teks A": support[0],
            "Hal. A": ", ".join(str(p) for p in pages),
            "Segmen A": "; ".join(evidence),
            "Column (EN)": TABEL2_DIMENSIONS[r["dimension"]][1],
            "Item (EN)": r["label_en"],
            "Support in paper A (EN)": support[1],
        })
    frame = pd.DataFrame.from_records(records)
    n = len(frame)
    col = int(frame["Dukungan teks A"].eq("A: isi + kolom").sum())
    item = int(frame["Dukungan teks A"].str.startswith("A: isi;").sum())
    borrowed = int(frame["Dukungan teks A"].eq("dipinjam dari Tabel 2 B").sum())
    note = (
        "RECONSTRUCTION. Paper A announces a cooperation map ('peta kerjasama', abstract p. 569) by Smart "
        "Branding, Smart Living, Smart Environment and Smart Government, but its table is not in the text; "
        f"it names only its '{A_MAP_COLUMN_PHRASE}' and lists that column's content on p. 574 "
        f"({', '.join(column_segs)}). Rebuilt from the coded policy outputs with one of the four dimensions "
        f"({n} cells): {col} are placed in their column by paper A itself, {item} are items paper A names "
        f"without a column (column from paper B's Tabel 2 or the coder), {borrowed} are borrowed from paper "
        "B's Tabel 2 with no support in paper A's text. Cell wording is paper B's Tabel 2 (Title Case as "
        "printed) or, for items outside Tabel 2, the coded label."
    )
    return Table("A-cooperation-map", frame, note)


def a_actor_roles(actors: pd.DataFrame, segments: pd.DataFrame) -> Table:
    """Actors of the cooperation by paper A's three actor types, stated vs inferred, with paper A's
    ranking of categories (walikota > pebisnis > konsultan, p. 573)."""
    seg = segments.set_index("segment_id")
    ranking_page = int(seg.loc[RANKING_SEGMENT, "page"])
    rows = actors[(actors["scope"] == "case") & actors["role"].isin(list(ROLE_LABELS))].copy()
    rows["_role"] = rows["role"].map(list(ROLE_LABELS).index)
    # paper A's p. 573 ranking: (rank, word in paper A, English) of the actor's group, by the one
    # mapping of actors to groups, compendium.analysis.network.group_members
    from compendium.analysis import network

    ranking = {actor: (network.PAPER_A_RANKING.index(group) + 1, A_RANKING_WORDS[group], group)
               for actor, group in network.group_members(actors).items()}
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
            "Peringkat A (hal. %d)" % ranking_page: f"{cat[0]} {cat[1]}" if cat else "",
            "Dasar": BASIS_LABELS[a["role_basis"]][0],
            "Bukti": f"{a['segment_id']} ({where})",
            "Actor type (EN)": ROLE_LABELS[a["role"]][1],
            "Actor (EN)": a["name_en"],
            "Rank in paper A (EN)": f"{cat[0]} {cat[2]}" if cat else "",
            "Basis (EN)": BASIS_LABELS[a["role_basis"]][1],
            "Kind": a["kind"],
        })
    frame = pd.DataFrame.from_records(records)
    stated = int(rows["role_basis"].eq("stated").sum())
    excluded = actors[(actors["scope"] == "case") & ~actors["role"].isin(list(ROLE_LABELS))]
    note = (
        f"Paper A (p. 575) assigns the types in so many words to {stated} of these {len(rows)} actors "
        "('dinyatakan' / stated); the others are the coder's inference ('disimpulkan', reason in "
        "actors.csv, column reconstruction). Paper A's ranking (p. %d) is of categories, not of named "
        "actors: 'politisi terpilih yakni walikota' > 'pebisnis' > 'konsultan'; the category is matched by "
        "the mapping of compendium.analysis.network.PAPER_A_GROUPS (mayor = Ridwan Kamil, the sitting mayor of "
        "Bandung; business = kind business or bank; consultant = kind consultant or research-institute). KSP, which paper A also calls the consultant on Seoul's side (p. 575), is of kind "
        "programme and is left unranked. %d actors of the case with role none or unclear are not listed."
        % (ranking_page, len(excluded))
    )
    return Table("A-actor-roles", frame, note)


# ------------------------------------------------------------------------ against the transcriptions
# Column of the regenerated table for each column of the transcription in data/reference/.
REFERENCE_COLUMNS = {
    "B-Tabel-1": {"no": "No.", "kondisi_kota_bandung_saat_ini": "Kondisi Kota Bandung Saat ini",
                  "bandung_smart_city": "Bandung Smart City"},
    "B-Tabel-2": {"dimensi_kerjasama": "Dimensi Kerjasama", "no": "No.",
                  "implementasi_kerjasama": "Implementasi Kerjasama"},
    "B-ksp-steps": {"no": "No.", "tahapan": "Tahapan", "venue": "Venue"},
    "B-principles": {"no": "No.", "prinsip": "Prinsip", "keterangan": "Keterangan"},
    "A-principles": {"no": "No.", "prinsip": "Prinsip", "keterangan": "Keterangan"},
}


def reference_differences(table: Table, reference: pd.DataFrame) -> list[str]:
    """Cell-by-cell differences between a regenerated table and its transcription (empty: identical)."""
    columns = REFERENCE_COLUMNS[table.artefact_id]
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
