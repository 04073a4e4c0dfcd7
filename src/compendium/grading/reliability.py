"""The reference coding's own reliability: reference vs a second coder ("coder-2") who coded blind.

The second coder's file has the shape of a student submission plus a ``rationale`` column
(``data/raw/coded/second_coder/<assignment>.csv``, path given by the assignment's ``second_coder``).
How it was made -- and so how independent it is -- is recorded beside it in
``data/raw/coded/second_coder/README.md``; :data:`INDEPENDENCE` is the one-line summary every
reliability figure carries.

* :func:`reliability` -- per variable: agreement, Cohen's κ and Krippendorff's α (nominal) with
  bootstrap 95% confidence intervals, and every disagreement item by item.
* :func:`bootstrap_ci` -- a percentile bootstrap interval that resamples *items* (each item keeps its
  pair of codes), seeded, so two runs give the same interval.
* :func:`write_tables` -- the summary and the disagreements of several assignments as CSV and Markdown
  under ``tables/`` (deterministic; written through :mod:`compendium.render.artefacts`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from compendium.grading.agreement import cohen_kappa, krippendorff_alpha_nominal, pair_stats
from compendium.grading.assignments import Assignment
from compendium.grading.submissions import parse_submission

CODER = "coder-2"
# Bootstrap settings. 2000 resamples keep the third decimal of a 95% percentile bound stable; the seed
# is fixed so that a rebuild gives byte-identical tables (12: the issue that asked for the intervals).
N_RESAMPLES = 2000
SEED = 12
CONFIDENCE = 0.95
INDEPENDENCE = ("coder-2 coded blind: an AI coding agent that saw only the two papers and each assignment's "
                "template, item list (with anchor quotes) and code definitions -- never the reference codes "
                "or rationales -- and froze its codes before reading the repository; independent of the "
                "reference codes, not of the project's item list and code book, whose row order grouped the "
                "items by dimension and kind, so the dimension and kind agreement are upper bounds "
                "(data/raw/coded/second_coder/README.md)")
SUMMARY_COLUMNS = ["variable", "items", "disagreements", "agreement_pct",
                   "cohen_kappa", "cohen_kappa_ci_low", "cohen_kappa_ci_high",
                   "kripp_alpha_nominal", "kripp_alpha_ci_low", "kripp_alpha_ci_high"]
DISAGREEMENT_COLUMNS = ["item_id", "variable", "reference", CODER, f"{CODER}_rationale"]


def second_coder_path(a: Assignment) -> Path | None:
    rel = a.spec.get("second_coder")
    return a.data_dir / rel if rel else None


def _alpha_of_pair(reference: Sequence, other: Sequence) -> float:
    return krippendorff_alpha_nominal([list(reference), list(other)])


def _category_shares(r, o, k: int):
    import numpy as np

    return (np.stack([(r == c).mean(axis=-1) for c in range(k)], axis=-1),
            np.stack([(o == c).mean(axis=-1) for c in range(k)], axis=-1))


def _kappa_many(r, o, k: int):
    """Cohen's κ of every row of two integer-code arrays (last axis: items); 1 where both coders used
    one and the same code (κ is 0/0 there), as :func:`compendium.grading.agreement.cohen_kappa`."""
    import numpy as np

    observed = (r == o).mean(axis=-1)
    pr, po = _category_shares(r, o, k)
    expected = (pr * po).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(expected < 1, (observed - expected) / (1 - expected), 1.0)


def _alpha_many(r, o, k: int):
    """Krippendorff's α (nominal, two coders, no missing codes) of every row: 1 − (n − 1)·2D / (n² −
    Σ n_c²), with n = 2 × items, D the disagreements and n_c how often code c is used by either coder;
    1 where every code is the same (α is 0/0), as :func:`compendium.grading.agreement.krippendorff_alpha_nominal`."""
    import numpy as np

    items = r.shape[-1]
    n = 2 * items
    disagreements = (r != o).sum(axis=-1)
    pr, po = _category_shares(r, o, k)
    n_c = (pr + po) * items
    spread = n * n - (n_c ** 2).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(spread > 1e-9, 1 - (n - 1) * 2 * disagreements / spread, 1.0)


def bootstrap_ci(reference: Sequence, other: Sequence, statistic: Callable[[Sequence, Sequence], float],
                 n_resamples: int = N_RESAMPLES, seed: int = SEED,
                 confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Percentile bootstrap interval of ``statistic(reference, other)``, resampling items.

    Each resample draws ``len(reference)`` items with replacement and keeps each item's two codes
    together (``scipy.stats.bootstrap`` with ``paired=True``); the generator is seeded, so the interval
    is the same on every run. Percentile rather than BCa: with few disagreements many resamples agree
    perfectly (κ = α = 1), a pile-up at the bound that BCa's jackknife handles badly. Resamples whose
    statistic is undefined (NaN) are left out; the interval is NaN when none is defined."""
    import numpy as np
    from scipy.stats import bootstrap

    codes = sorted({str(v) for v in (*reference, *other)})
    index = {c: i for i, c in enumerate(codes)}
    ref = np.array([index[str(v)] for v in reference])
    oth = np.array([index[str(v)] for v in other])
    if len(ref) != len(oth):
        raise ValueError(f"two codings of different lengths: {len(ref)} and {len(oth)} items")
    vectorized = _VECTORIZED.get(statistic)
    if vectorized is not None:
        # The same statistic on all resamples at once (the codes as integers: nominal statistics
        # ignore their order): 2000 resamples in milliseconds instead of seconds.
        def stat(r, o, axis=-1):
            return vectorized(r, o, len(codes))
    else:
        # scipy passes integer arrays; turn them back into codes so the statistic sees what it would
        # see on the real data (codes, not numbers that happen to be ordered).
        def stat(r, o):
            return statistic([codes[i] for i in r], [codes[i] for i in o])

    draws = bootstrap((ref, oth), stat, paired=True, vectorized=vectorized is not None,
                      n_resamples=n_resamples, confidence_level=confidence, method="percentile",
                      rng=np.random.default_rng(seed)).bootstrap_distribution
    draws = draws[~np.isnan(draws)]
    if not len(draws):
        return (float("nan"), float("nan"))
    tail = (1 - confidence) / 2
    low, high = np.quantile(draws, [tail, 1 - tail])
    return (float(low), float(high))


#: Statistics with an all-resamples-at-once twin (checked equal in tests/test_reliability.py).
_VECTORIZED = {cohen_kappa: _kappa_many, _alpha_of_pair: _alpha_many}


def reliability(a: Assignment, path: Path | str | None = None, n_resamples: int = N_RESAMPLES,
                seed: int = SEED):
    """Per-variable agreement, Cohen's κ and Krippendorff's α (nominal) between the reference and the
    second coder, each coefficient with its bootstrap interval (:func:`bootstrap_ci`), and every
    disagreement. Returns ``(summary, disagreements)`` DataFrames (columns :data:`SUMMARY_COLUMNS`,
    :data:`DISAGREEMENT_COLUMNS`).

    Raises FileNotFoundError when the file is absent and ValueError (with the problems) when it cannot be
    read as a complete coding of the assignment's items."""
    import pandas as pd

    path = Path(path) if path else second_coder_path(a)
    if path is None or not path.is_file():
        raise FileNotFoundError(f"no second coding for {a.name}: expected {path}")
    parsed = parse_submission(path.read_bytes(), a.items, {v.name: v.codes for v in a.variables})
    if parsed.codes is None:
        raise ValueError(f"{path}: " + "; ".join(parsed.problems))
    rationale = parsed.extra.get("rationale", {})
    summary, rows = [], []
    for v in a.variable_names:
        ref = list(a.key[v])
        other = [parsed.codes[v][i] for i in a.items]
        s = pair_stats(ref, other)
        k_low, k_high = bootstrap_ci(ref, other, cohen_kappa, n_resamples, seed)
        a_low, a_high = bootstrap_ci(ref, other, _alpha_of_pair, n_resamples, seed)
        summary.append({"variable": v, "items": len(ref), "disagreements": sum(x != y for x, y in zip(ref, other)),
                        "agreement_pct": round(s["agreement_pct"], 2),
                        "cohen_kappa": round(s["cohen_kappa"], 4),
                        "cohen_kappa_ci_low": round(k_low, 4), "cohen_kappa_ci_high": round(k_high, 4),
                        "kripp_alpha_nominal": round(s["kripp_alpha_nominal"], 4),
                        "kripp_alpha_ci_low": round(a_low, 4), "kripp_alpha_ci_high": round(a_high, 4)})
        for item, x, y in zip(a.items, ref, other):
            if x != y:
                rows.append({"item_id": item, "variable": v, "reference": x, CODER: y,
                             f"{CODER}_rationale": rationale.get(item, "")})
    return pd.DataFrame(summary, columns=SUMMARY_COLUMNS), pd.DataFrame(rows, columns=DISAGREEMENT_COLUMNS)


def _md_table(frame) -> str:
    """A pipe table (cells with ``|`` or line breaks made safe), without pandas' optional tabulate."""
    def cell(v) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def write_tables(results: dict[str, tuple], tables_dir: Path | str) -> list[Path]:
    """Write ``tables_dir/grading/reliability.{csv,md}`` (one summary row per assignment and variable)
    and ``reliability-disagreements.{csv,md}`` (one row per item and variable coded differently), from
    ``results = {assignment name: reliability(...)}``. Returns the paths written."""
    import pandas as pd

    from compendium.render.artefacts import write_csv, write_text

    folder = Path(tables_dir) / "grading"
    summary = pd.concat([s.assign(assignment=name) for name, (s, _) in results.items()], ignore_index=True)
    summary = summary[["assignment", *SUMMARY_COLUMNS]]
    disagreements = pd.concat([d.assign(assignment=name) for name, (_, d) in results.items()], ignore_index=True)
    disagreements = disagreements[["assignment", *DISAGREEMENT_COLUMNS]]
    note = (f"Reference coding vs {CODER}. {INDEPENDENCE[0].upper()}{INDEPENDENCE[1:]}. Intervals: "
            f"{CONFIDENCE:.0%} percentile bootstrap over items, {N_RESAMPLES} resamples, seed {SEED}.")
    written = [write_csv(summary, folder / "reliability.csv"),
               write_text(folder / "reliability.md",
                          f"# Reliability of the reference coding\n\n{note}\n\n{_md_table(summary)}\n"),
               write_csv(disagreements, folder / "reliability-disagreements.csv"),
               write_text(folder / "reliability-disagreements.md",
                          f"# Disagreements, item by item\n\n{note}\n\n{_md_table(disagreements)}\n")]
    return written
