"""The ledger: every claim evaluated under a variant, the robustness over all variants, and the ways
to print and re-run them."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pandas as pd

from compendium.claims.checks import FUNCTIONS
from compendium.claims.evidence import _segments_by_id, apply_variant, load_tables
from compendium.claims.model import LEDGER_COLUMNS, REFERENCE, VERDICTS, Variant, variants


# --------------------------------------------------------------------------------------------------
# The ledger

def claim_page(tables: dict, claim: dict) -> str:
    """Where the claim is printed: ``'A p.573'``, ``'A p.575-576; B'``, ``'B'``."""
    seg = _segments_by_id(tables)
    ids = [s for s in [claim["segment_id"], *claim.get("restated_in", [])] if s in seg.index]
    pages = sorted({int(seg.loc[s, "page"]) for s in ids
                    if seg.loc[s, "paper"] == "A" and not pd.isna(seg.loc[s, "page"])})
    parts = []
    if pages:
        parts.append("A p." + (f"{pages[0]}" if len(pages) == 1 else f"{pages[0]}–{pages[-1]}"
                               if pages == list(range(pages[0], pages[-1] + 1)) else ", ".join(map(str, pages))))
    if any(seg.loc[s, "paper"] == "B" for s in ids):
        parts.append("B")
    return "; ".join(parts)


def evaluate(variant=None, tables: dict | None = None, data_dir: Path | str | None = None,
             view: dict | None = None) -> pd.DataFrame:
    """The whole ledger under ``variant`` (a :class:`Variant`, a dict of its fields, or None for the
    reference): one row per claim of ``claims.csv`` with ``claim_id``, ``paper``, ``page``,
    ``verdict``, ``evidence``, ``explanation``, ``claim_en`` and ``evidence_segments``.
    ``view``: the variant's :func:`apply_variant` of ``tables``, if already made."""
    variant = Variant.of(variant)
    tables = tables if tables is not None else load_tables(data_dir)
    view = view if view is not None else apply_variant(tables, variant)
    rows = []
    for claim in tables["claims"].to_dict("records"):
        fn = FUNCTIONS.get(claim["function"])
        if fn is None:
            raise KeyError(f"claim {claim['claim_id']}: no function {claim['function']!r} in compendium.claims")
        res = fn(view, variant, claim)
        rows.append({"claim_id": claim["claim_id"], "paper": claim["paper"], "page": claim_page(view, claim),
                     "verdict": res.verdict, "evidence": res.evidence, "explanation": res.explanation,
                     "claim_en": claim["claim_en"], "evidence_segments": ";".join(res.segments)})
    return pd.DataFrame(rows, columns=LEDGER_COLUMNS)


def robustness(tables: dict | None = None, data_dir: Path | str | None = None,
               variant_list: list[Variant] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every claim under every variant, in process.

    Returns ``(verdicts, summary)``: ``verdicts`` has one row per claim and one column per variant
    label (``coder/unclear/measure``); ``summary`` one row per claim with the reference verdict, the
    verdicts seen (with counts), ``robust`` (same verdict under every variant) and ``hinges_on`` -- the
    decisions (``coder``, ``unclear``, ``measure``) that change the verdict when only that decision
    changes."""
    tables = tables if tables is not None else load_tables(data_dir)
    vs = variant_list or variants()
    views = {coder: apply_variant(tables, Variant(coder=coder)) for coder in {v.coder for v in vs}}
    results = {v: evaluate(v, tables, view=views[v.coder]).set_index("claim_id")["verdict"] for v in vs}
    verdicts = pd.DataFrame({v.label: results[v] for v in vs})
    verdicts.index.name = "claim_id"
    rows = []
    for cid in verdicts.index:
        seen = verdicts.loc[cid].value_counts()
        hinges = []
        for dim in ("coder", "unclear", "measure"):
            for v in vs:
                for w in vs:
                    same_else = all(getattr(v, d) == getattr(w, d) for d in ("coder", "unclear", "measure") if d != dim)
                    if same_else and getattr(v, dim) != getattr(w, dim) and results[v][cid] != results[w][cid]:
                        hinges.append(dim)
                        break
                if dim in hinges:
                    break
        ref = results[vs[0]][cid] if vs[0] == REFERENCE else results.get(REFERENCE, results[vs[0]])[cid]
        rows.append({"claim_id": cid, "reference": ref,
                     "verdicts": "; ".join(f"{k} {seen[k]}" for k in VERDICTS if k in seen),
                     "robust": len(seen) == 1, "hinges_on": ", ".join(hinges) or "-"})
    return verdicts, pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------
# Output helpers

def markdown(frame: pd.DataFrame) -> str:
    """A GitHub pipe table (:func:`compendium.outputs.to_markdown`)."""
    from compendium.outputs import to_markdown

    return to_markdown(frame)


def format_ledger(ledger: pd.DataFrame, width: int = 100) -> str:
    """The ledger as readable plain text for the terminal."""
    import textwrap

    out = []
    for r in ledger.itertuples(index=False):
        out.append(f"{r.claim_id}  [{r.paper}, {r.page}]  -> {r.verdict.upper()}")
        out += textwrap.wrap(r.claim_en, width, initial_indent="  claim:    ", subsequent_indent="            ")
        out += textwrap.wrap(r.explanation, width, initial_indent="  why:      ", subsequent_indent="            ")
        out += textwrap.wrap(r.evidence, width, initial_indent="  evidence: ", subsequent_indent="            ")
        out.append("")
    counts = ledger["verdict"].value_counts()
    out.append("verdicts: " + ", ".join(f"{k} {counts[k]}" for k in VERDICTS if k in counts))
    return "\n".join(out)


def run_variants(outdir: Path | str = "build/variants", notebook: Path | str | None = None,
                 variant_list: list[Variant] | None = None, echo=print) -> list[Path]:
    """Execute notebook 06 with papermill once per variant into ``outdir`` (one ``.ipynb`` each).
    Artefacts go to ``outdir/<variant>/figures|tables`` so the committed ones are not touched."""
    import papermill as pm

    from compendium.paths import project_root

    root = project_root()
    notebook = Path(notebook or root / "notebooks" / "06_claims.ipynb")
    outdir = Path(outdir)
    if not outdir.is_absolute():
        outdir = root / outdir
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for v in variant_list or variants():
        name = f"06_claims__{v.coder}__{v.unclear}__{v.measure}"
        target = outdir / f"{name}.ipynb"
        params = {"data_dir": str(root / "data"), "figures_dir": str(outdir / name / "figures"),
                  "tables_dir": str(outdir / name / "tables"), **asdict(v)}
        echo(f"{v.label} -> {target}")
        pm.execute_notebook(str(notebook), str(target), parameters=params, cwd=str(notebook.parent),
                            kernel_name="python3", progress_bar=False, log_output=False)
        written.append(target)
    return written
