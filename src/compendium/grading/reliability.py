"""The reference coding's own reliability: reference vs an independent second coder ("coder-2").

The second coder's file has the shape of a student submission plus a ``rationale`` column
(``data/raw/coded/second_coder/<assignment>.csv``, path given by the assignment's ``second_coder``).
"""

from __future__ import annotations

from pathlib import Path

from compendium.grading.agreement import pair_stats
from compendium.grading.assignments import Assignment
from compendium.grading.submissions import parse_submission

CODER = "coder-2"


def second_coder_path(a: Assignment) -> Path | None:
    rel = a.spec.get("second_coder")
    return a.data_dir / rel if rel else None


def reliability(a: Assignment, path: Path | str | None = None):
    """Per-variable agreement, Cohen's κ and Krippendorff's α (nominal) between the reference and the
    second coder, and every disagreement. Returns ``(summary, disagreements)`` DataFrames.

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
        summary.append({"variable": v, "items": len(ref), "disagreements": sum(x != y for x, y in zip(ref, other)),
                        "agreement_pct": round(s["agreement_pct"], 2), "cohen_kappa": round(s["cohen_kappa"], 4),
                        "kripp_alpha_nominal": round(s["kripp_alpha_nominal"], 4)})
        for item, x, y in zip(a.items, ref, other):
            if x != y:
                rows.append({"item_id": item, "variable": v, "reference": x, CODER: y,
                             f"{CODER}_rationale": rationale.get(item, "")})
    return (pd.DataFrame(summary),
            pd.DataFrame(rows, columns=["item_id", "variable", "reference", CODER, f"{CODER}_rationale"]))
