"""The claims ledger: every finding of papers A and B, tested against the coded data.

``data/claims.csv`` lists the findings, one row each: ``claim_id``, ``paper`` (``A``, ``B`` or ``AB``),
``segment_id`` (the verbatim quote that states it), ``restated_in`` (``;``-list of segments where the
same claim is printed again), ``context_segments`` (``;``-list of passages the check cites beside its
evidence: where the papers qualify the claim themselves), ``claim_en``, ``operationalisation`` and
``function`` -- the name of the function of :mod:`compendium.analysis.claims.checks` that tests it. A claim about a
ranking of actor groups finds its groups in ``data/ranking_groups.csv``.

Every claim function has the signature ``fn(tables, variant, claim) -> Result`` where ``tables`` are the
coded tables of :func:`load_tables` with the variant's coding applied (:func:`apply_variant`),
``variant`` a :class:`Variant` and ``claim`` the claim's row (a dict). It returns a :class:`Result`:
exactly one verdict of :data:`VERDICTS`, short figures (``evidence``), a one-line ``explanation`` and
the segment ids the figures rest on. Verdicts are computed from the data; nothing is looked up.

Two rules hold for every claim:

* **No self-evidence.** Rows coded from the claim's own quote (``segment_id`` or ``restated_in``) are
  not evidence for it: a claim is tested against what *else* the papers say. A claim whose only support
  is its own sentence is ``not testable from the text``.
* **Thin evidence is not support.** A count-based claim resting on fewer than :data:`MIN_CODED` coded
  items is at best ``partly supported``.

Robustness: a :class:`Variant` fixes three coding decisions -- ``coder`` (``reference`` or ``coder-2``:
the second coder's codes for policy outputs and actor roles/kinds, ``data/raw/coded/second_coder/``),
``unclear`` (``drop``: unclear codes are left out; ``against``: each unclear code counts against the
claim) and ``measure`` (the centrality measure of :mod:`compendium.analysis.network` used for paper A's actor
ranking). :func:`variants` lists all combinations; :func:`robustness` evaluates every claim under each
and says which verdicts survive every variant and which hinge on one decision.

``compendium claims`` prints the ledger; ``compendium claims --variants OUTDIR`` runs notebook 06 under
papermill once per variant.

The package, by what each module holds: :mod:`~compendium.analysis.claims.model` (verdicts, variants, results),
:mod:`~compendium.analysis.claims.evidence` (loading the tables, applying a variant, helpers the checks share),
:mod:`~compendium.analysis.claims.checks` (one function per claim), :mod:`~compendium.analysis.claims.ledger`
(evaluation, robustness, printing) and :mod:`~compendium.analysis.claims.report` (the chart and the evidence
as Markdown). Everything a user needs is importable from ``compendium.analysis.claims``.
"""

from compendium.analysis.claims.checks import FUNCTIONS
from compendium.analysis.claims.evidence import apply_variant, indonesian_number, load_tables
from compendium.analysis.claims.ledger import (claim_page, coder_views, evaluate, format_ledger,
                                               inconsistencies_table, markdown, robustness, run_variants,
                                               sentences_summary)
from compendium.analysis.claims.report import (contested_evidence_markdown, verdict_counts,
                                      verdicts_by_paper_figure)
from compendium.analysis.claims.model import (CODERS, CONTRADICTED, MEASURES, MIN_CODED, NOT_TESTABLE, PARTLY,
                                     REFERENCE, SUPPORTED, UNCLEAR, VERDICTS, Result, Variant, variants)

__all__ = [
    "CODERS", "CONTRADICTED", "FUNCTIONS", "MEASURES", "MIN_CODED", "NOT_TESTABLE", "PARTLY", "REFERENCE",
    "SUPPORTED", "UNCLEAR", "VERDICTS", "Result", "Variant", "apply_variant", "claim_page", "coder_views",
    "contested_evidence_markdown", "evaluate", "format_ledger", "inconsistencies_table", "indonesian_number",
    "load_tables", "markdown", "robustness", "run_variants", "sentences_summary", "variants",
    "verdict_counts", "verdicts_by_paper_figure",
]
