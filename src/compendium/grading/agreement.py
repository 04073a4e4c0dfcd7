"""Agreement between two codings (or among many): percent agreement, Cohen's κ, Krippendorff's α.

* :func:`percent_agreement` -- share of items given the same code, in percent.
* :func:`cohen_kappa` -- Cohen's κ for two coders via :func:`sklearn.metrics.cohen_kappa_score`
  (unweighted: the codes are nominal).
* :func:`krippendorff_alpha_nominal` -- Krippendorff's α via :func:`krippendorff.alpha` with
  ``level_of_measurement="nominal"`` (always: every variable graded here is a nominal category), for any
  number of coders, missing values allowed (``None``/``""``).

Degenerate cases follow one documented convention: when every pairable value is the same single code
(so the expected disagreement is 0 and both coefficients are 0/0), the result is 1.0 if the coders agree
on every item and NaN otherwise -- never a warning or an exception in the middle of a batch.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

LEVEL = "nominal"


def _present(v) -> bool:
    return v is not None and v == v and v != ""  # not None / NaN / empty


def _all_codes(values: Sequence) -> bool:
    """Whether every value is a non-empty string: a complete coding, where nothing needs filtering (the
    common case, checked at C speed; a 2,200-item key is compared with every submission)."""
    return set(map(type, values)) <= {str} and "" not in set(values)


def _pairs(a: Sequence, b: Sequence, as_text: bool = False) -> list[tuple]:
    """``(a[i], b[i])`` for the items both code (missing: None, NaN, ''); ``as_text``: as strings."""
    if len(a) == len(b) and _all_codes(a) and _all_codes(b):
        return list(zip(a, b))
    if as_text:
        return [(str(x), str(y)) for x, y in zip(a, b, strict=True) if _present(x) and _present(y)]
    return [(x, y) for x, y in zip(a, b, strict=True) if _present(x) and _present(y)]


def percent_agreement(a: Sequence, b: Sequence) -> float:
    """Percent of items on which ``a`` and ``b`` give the same code (items missing in either are skipped)."""
    pairs = _pairs(a, b)
    if not pairs:
        return math.nan
    return 100.0 * sum(x == y for x, y in pairs) / len(pairs)


def cohen_kappa(a: Sequence, b: Sequence) -> float:
    """Cohen's κ (unweighted) between two codings of the same items."""
    pairs = _pairs(a, b, as_text=True)
    if not pairs:
        return math.nan
    xs, ys = zip(*pairs)
    labels = sorted(set(xs) | set(ys))
    if len(labels) == 1:
        return 1.0  # one code everywhere: perfect agreement (κ is 0/0)
    import numpy as np
    from sklearn.metrics import cohen_kappa_score

    # the codes as their rank among the labels: scikit-learn sorts the labels too, so the confusion matrix
    # and κ are the same, and it counts integers several times faster than strings (a 2,200-item key)
    rank = {c: i for i, c in enumerate(labels)}
    xs, ys = (np.fromiter(map(rank.__getitem__, codes), dtype=np.int64, count=len(codes)) for codes in (xs, ys))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(cohen_kappa_score(xs, ys))


def krippendorff_alpha_nominal(data: Sequence[Sequence]) -> float:
    """Krippendorff's α, nominal level, for ``data[coder][item]`` (missing: ``None``, NaN or ``""``)."""
    import numpy as np

    if all(_all_codes(row) for row in data):  # complete codings: nothing to filter or convert
        codes = sorted(set().union(*data))
        index = {c: i for i, c in enumerate(codes)}
        matrix = np.array([list(map(index.__getitem__, row)) for row in data], dtype=float)
    else:
        codes = sorted({str(v) for row in data for v in row if _present(v)})
        index = {c: i for i, c in enumerate(codes)}
        matrix = np.array([[index[str(v)] if _present(v) else np.nan for v in row] for row in data], dtype=float)
    if matrix.ndim != 2 or matrix.shape[0] < 2:
        return math.nan
    pairable = (~np.isnan(matrix)).sum(axis=0) >= 2
    if not pairable.any():
        return math.nan
    if len(codes) == 1:
        return 1.0  # a single code among all pairable values: perfect agreement (α is 0/0)
    values = matrix[:, pairable]
    if len(np.unique(values[~np.isnan(values)])) == 1:
        return 1.0
    import krippendorff

    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=LEVEL))


def pair_stats(reference: Sequence, other: Sequence) -> dict[str, float]:
    """Percent agreement, κ and α (nominal) of ``other`` against ``reference``."""
    return {
        "agreement_pct": percent_agreement(reference, other),
        "cohen_kappa": cohen_kappa(reference, other),
        "kripp_alpha_nominal": krippendorff_alpha_nominal([list(reference), list(other)]),
    }
