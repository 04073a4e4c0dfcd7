"""The ledger: every claim evaluated under a variant, the robustness over all variants, and the ways
to print and re-run them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from compendium.analysis.claims.checks import FUNCTIONS, INVOLVEMENT
from compendium.papers.sources import paper_ids
from compendium.analysis.claims.evidence import _memo, _segments_by_id, apply_variant, load_tables, without_shaped
from compendium.analysis.claims.model import (CODERS, DECISIONS, LEDGER_COLUMNS, NOT_TESTABLE, PARTLY, REFERENCE,
                                              SUPPORTED, VERDICTS, Result, Variant, variants)


# --------------------------------------------------------------------------------------------------
# The ledger

def claim_page(tables: dict, claim: dict) -> str:
    """Where the claim is printed: ``'A p.573'``, ``'A p.575-576; B'``, ``'B'``."""
    seg = _segments_by_id(tables)
    ids = [s for s in [claim["segment_id"], *claim.get("restated_in", [])] if s in seg.index]
    parts = []
    for key in paper_ids():  # in registry order
        mine = [s for s in ids if seg.loc[s, "paper"] == key]
        pages = sorted({int(seg.loc[s, "page"]) for s in mine if not pd.isna(seg.loc[s, "page"])})
        if pages:
            parts.append(f"{key} p." + (f"{pages[0]}" if len(pages) == 1 else f"{pages[0]}–{pages[-1]}"
                                        if pages == list(range(pages[0], pages[-1] + 1)) else ", ".join(map(str, pages))))
        elif mine:
            parts.append(key)
    return "; ".join(parts)


def reading_label(reading: tuple[str, str]) -> str:
    """``'interaction ties, stated+inferred'``: a tie reading in words."""
    return f"{reading[0]} ties, {reading[1]}"


def combine(results: dict) -> Result:
    """One verdict from a claim's results under every tie reading (``{reading: Result}``, the default
    reading first). The same verdict everywhere is that verdict. A verdict that flips between defensible
    readings is never the verdict of one of them: ``partly supported`` when some reading supports the
    claim (fully or in part), ``not testable from the text`` when none does."""
    readings = list(results)
    first = results[readings[0]]
    seen = {r.verdict for r in results.values()}
    if len(seen) == 1:
        return first
    split = "; ".join(f"{reading_label(k)}: {r.verdict}" for k, r in results.items())
    verdict = PARTLY if seen & {SUPPORTED, PARTLY} else NOT_TESTABLE
    segs = sorted({s for r in results.values() for s in r.segments})
    return Result(verdict, first.evidence,
                  f"the verdict flips between defensible tie readings ({split}); {first.explanation} "
                  f"under the default reading", segs)


def evaluate(variant=None, tables: dict | None = None, data_dir: Path | str | None = None,
             views: dict | None = None, claim_ids=None) -> pd.DataFrame:
    """The whole ledger under ``variant`` (a :class:`Variant`, a dict of its fields, or None for the
    reference): one row per claim of ``claims.csv`` with ``claim_id``, ``paper``, ``page``,
    ``verdict``, ``evidence``, ``explanation``, ``claim_en``, ``evidence_segments`` and
    ``by_tie_reading``.

    Each claim is checked under every tie reading (:data:`compendium.analysis.network.TIE_READINGS`: interaction
    ties or wider classes, with or without the inferred ties) and the verdicts combined by
    :func:`combine`; ``by_tie_reading`` says whether they agree. Rows whose ``shaped_by`` names the claim
    are left out of its evidence (:func:`~compendium.analysis.claims.evidence.without_shaped`).
    ``views``: ``{reading: apply_variant(tables, variant, reading)}``, if already made. ``claim_ids``: only
    these claims, in ``claims.csv`` order (``KeyError`` for an id that is not there); default every claim."""
    from compendium.analysis.network import TIE_READINGS

    variant = Variant.of(variant)
    tables = tables if tables is not None else load_tables(data_dir)
    if views is None:  # the variant's coder's views, sharing what they can (evidence._shared)
        views = coder_views(tables, [variant.coder])[variant.coder]
    rows = []
    chosen = tables["claims"]
    if claim_ids is not None:
        unknown = sorted(set(claim_ids) - set(chosen["claim_id"]))
        if unknown:
            raise KeyError(f"no claim {unknown} in claims.csv")
        chosen = chosen[chosen["claim_id"].isin(set(claim_ids))]
    for claim in chosen.to_dict("records"):
        fn = FUNCTIONS.get(claim["function"])
        if fn is None:
            raise KeyError(f"claim {claim['claim_id']}: no function {claim['function']!r} in compendium.analysis.claims")
        # only measures of involvement count relation classes; other checks differ at most by basis
        readings = [r for r in TIE_READINGS if fn in INVOLVEMENT or r[0] == TIE_READINGS[0][0]]
        per = {r: _check(without_shaped(views[r], claim["claim_id"]), fn, variant, claim) for r in readings}
        res = combine(per)
        flips = len({r.verdict for r in per.values()}) > 1
        by_reading = ("; ".join(f"{reading_label(k)}: {r.verdict}" for k, r in per.items()) if flips
                      else "same with and without inferred ties" if fn not in INVOLVEMENT
                      else f"same under all {len(per)} tie readings")
        rows.append({"claim_id": claim["claim_id"], "paper": claim["paper"],
                     "page": _memo(views[TIE_READINGS[0]], ("page", claim["claim_id"]),
                                   lambda: claim_page(views[TIE_READINGS[0]], claim)),
                     "verdict": res.verdict,
                     "evidence": res.evidence, "explanation": res.explanation, "claim_en": claim["claim_en"],
                     "evidence_segments": ";".join(res.segments), "by_tie_reading": by_reading})
    return pd.DataFrame(rows, columns=LEDGER_COLUMNS)


def _check(view: dict, fn, variant: Variant, claim: dict) -> Result:
    """``fn(view, variant, claim)``, or the result of an earlier call on the same view whose variant agreed
    on every decision that call read. Most checks read one decision or none (only the ranking reads
    ``measure``; ``unclear`` only where unclear codes are counted), so a robustness run over 20 variants
    runs each check a few times per coder instead of 20. Which decisions a call read is recorded, not
    declared (:class:`_Traced`): a check that starts reading one is re-run for it without being told."""
    seen = _memo(view, ("results", claim["claim_id"], fn.__name__), list)
    for reads, result in seen:
        if all(getattr(variant, name) == value for name, value in reads.items()):
            return result
    traced = _Traced.of_variant(variant)
    result = fn(view, traced, claim)
    seen.append((traced.reads(), result))
    return result


@dataclass(frozen=True)
class _Traced(Variant):
    """A :class:`Variant` that records which of its decisions are read (``coder``, ``unclear``,
    ``measure``): by attribute, ``label``, ``asdict``, comparison or hashing alike."""

    @classmethod
    def of_variant(cls, variant: Variant) -> "_Traced":
        traced = cls(variant.coder, variant.unclear, variant.measure)
        object.__setattr__(traced, "_read", {})  # the checks of __post_init__ read every decision
        return traced

    def reads(self) -> dict[str, str]:
        return dict(object.__getattribute__(self, "_read"))

    def __getattribute__(self, name):
        value = object.__getattribute__(self, name)
        if name in DECISIONS:
            object.__getattribute__(self, "__dict__").setdefault("_read", {})[name] = value
        return value


def coder_views(tables: dict, coders=None) -> dict[str, dict]:
    """``{coder: {reading: apply_variant(tables, Variant(coder=coder), reading)}}`` for every coder (default
    :data:`~compendium.analysis.claims.model.CODERS`) and tie reading: the views :func:`evaluate` and
    :func:`robustness` check claims on. Passing the same views to both (``views=``) lets robustness reuse
    the checks the ledger already ran instead of running them again."""
    from compendium.analysis.network import TIE_READINGS

    views = {coder: {r: apply_variant(tables, Variant(coder=coder), r) for r in TIE_READINGS}
             for coder in (coders or CODERS)}
    shared: dict = {}  # what does not depend on the coder (evidence._shared): the second coder recodes
    for by_reading in views.values():  # roles and kinds, not ties, so its networks' centralities are the same
        for view in by_reading.values():
            view["_shared"] = shared
    return views


def robustness(tables: dict | None = None, data_dir: Path | str | None = None,
               variant_list: list[Variant] | None = None,
               views: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every claim under every variant, in process.

    Returns ``(verdicts, summary)``: ``verdicts`` has one row per claim and one column per variant
    label (``coder/unclear/measure``); ``summary`` one row per claim with the reference verdict, the
    verdicts seen (with counts), ``robust`` (same verdict under every variant) and ``hinges_on`` -- the
    decisions (``coder``, ``unclear``, ``measure``) that change the verdict when only that decision
    changes. ``views``: :func:`coder_views` of ``tables``, if already made (e.g. for :func:`evaluate`)."""
    tables = tables if tables is not None else load_tables(data_dir)
    vs = variant_list or variants()
    missing = [c for c in dict.fromkeys(v.coder for v in vs) if c not in (views or {})]
    views = {**(views or {}), **coder_views(tables, missing)} if missing else views
    results = {v: evaluate(v, tables, views=views[v.coder]).set_index("claim_id")["verdict"] for v in vs}
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
# Inconsistencies and the sentences read

def inconsistencies_table(tables: dict, ledger: pd.DataFrame | None = None) -> pd.DataFrame:
    """``data/inconsistencies.csv`` for reading: where each cited passage stands (``A p.574``,
    ``B results``) beside its segment id, what differs and what the compendium does; with ``ledger``
    (:func:`evaluate`), the verdict of every claim the row names, as computed now (never stored)."""
    import re

    from compendium.analysis.claims.evidence import _where

    inc = tables["inconsistencies"]
    out = pd.DataFrame({
        "inconsistency_id": inc["inconsistency_id"], "kind": inc["kind"], "papers": inc["papers"],
        "where": ["; ".join(f"{_where(tables, s)} [{s}]" for s in segs) for segs in inc["segments"]],
        "what differs": inc["differs_en"], "what the compendium does": inc["compendium_en"]})
    if ledger is not None:
        verdict = ledger.set_index("claim_id")["verdict"]
        out["claims tested (verdict)"] = [
            "; ".join(f"{c}: {verdict[c]}" for c in dict.fromkeys(re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)+", text))
                      if c in verdict.index) or "-" for text in inc["compendium_en"]]
    return out


def sentences_summary(tables: dict) -> pd.DataFrame:
    """How many sentences of each paper's abstract, results and conclusion state a claim, restate one
    or are no claim (by reason)."""
    cs = tables["claim_sentences"]
    key = cs["decision"].where(cs["decision"] != "not-a-claim", "not a claim: " + cs["reason"])
    out = pd.crosstab(key, cs["paper"] + " " + cs["section"])
    out = out[[f"{p} {s}" for p in paper_ids() for s in ("abstract", "results", "conclusion") if f"{p} {s}" in out]]
    order = ["claim", "restates"] + sorted(k for k in out.index if k.startswith("not a claim"))
    out = out.reindex(order).fillna(0).astype(int)
    out.index.name, out.columns.name = "sentence", None
    return out


# --------------------------------------------------------------------------------------------------
# Output helpers

def markdown(frame: pd.DataFrame) -> str:
    """A GitHub pipe table (:func:`compendium.render.markdown.dataframe`)."""
    from compendium.render.markdown import dataframe

    return dataframe(frame)


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
