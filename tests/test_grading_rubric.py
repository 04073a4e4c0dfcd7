"""The baseline-corrected rubric (issue 14): continuous, an all-commonest-code submission scores 0, and
correcting any single code never lowers a score -- checked exhaustively over every single-code
correction of the example submissions and of random ones, for every assignment."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from compendium.grading import load_assignment
from compendium.grading.agreement import percent_agreement
from compendium.grading.assignments import available
from compendium.grading.batch import score_codes
from compendium.grading.submissions import parse_submission

ROOT = Path(__file__).resolve().parents[1]
NAMES = available(ROOT / "data")


def _key(a):
    return {v: dict(zip(a.items, a.key[v])) for v in a.variable_names}


def _examples(a):
    """The example CSV submissions that parse, as codes."""
    out = []
    for path in sorted((ROOT / "data" / "examples" / a.name).glob("*.csv")):
        parsed = parse_submission(path.read_bytes(), a.items, {v.name: v.codes for v in a.variables})
        if parsed.codes is not None:
            out.append(parsed.codes)
    return out


def _random(a, n, seed):
    rng = random.Random(seed)
    key = _key(a)
    subs = []
    for k in range(n):
        p = k / max(1, n - 1)  # from the key itself to uniformly random codes
        subs.append({v.name: {i: (rng.choice(v.codes) if rng.random() < p else key[v.name][i]) for i in a.items}
                     for v in a.variables})
    return subs


def _rubric_total(a, codes):
    """The rubric's total from the per-variable agreement alone: what :func:`score_codes` totals, without
    the κ and α it also computes (most of its time; the test below checks that the totals agree)."""
    agreement = {v.name: percent_agreement(a.key_codes[v.name], [codes[v.name].get(i) for i in a.items])
                 for v in a.variables}
    return a.score({v: pct / 100.0 for v, pct in agreement.items()})[1]


@pytest.mark.parametrize("name", NAMES)
def test_correcting_a_code_never_lowers_the_score(name):
    a = load_assignment(name, ROOT / "data")
    key = _key(a)
    checked = 0
    for codes in _examples(a) + _random(a, 12, seed=14):
        total = score_codes(a, codes)[2]
        assert _rubric_total(a, codes) == total
        for v in a.variable_names:
            for item, ref in key[v].items():
                if codes[v][item] == ref:
                    continue
                fixed = {w: dict(c) for w, c in codes.items()}
                fixed[v][item] = ref
                assert _rubric_total(a, fixed) >= total, (name, v, item)
                checked += 1
    assert checked > 100  # the examples and random submissions do have wrong codes to correct


def test_baseline_corrected_is_continuous_and_gives_the_commonest_code_nothing():
    a = load_assignment("policy-outputs", ROOT / "data")
    assert a.scheme == "baseline-corrected"
    key = _key(a)
    lazy = {v.name: {i: a.modal_code(v) for i in a.items} for v in a.variables}
    assert score_codes(a, lazy)[2] == 0
    assert score_codes(a, key)[2] == a.max_score
    # every single wrong code costs a small amount, never a variable's whole weight (the old cliff:
    # emulation for combination on the one non-unclear diffusion item cost 4 of 10)
    n, floor = len(a.items), sum(v.weight * a.baseline_share(v) for v in a.variables)
    for v in a.variables:
        cost = a.max_score * v.weight / n / (a.max_score - floor)
        for item in a.items:
            wrong = next(c for c in v.codes if c != key[v.name][item])
            one_off = {w: dict(c) for w, c in key.items()}
            one_off[v.name][item] = wrong
            lost = a.max_score - score_codes(a, one_off)[2]
            assert abs(lost - cost) <= a.rounding / 2 + 1e-9 and lost < 1, (v.name, item, lost)
    s10 = {w: dict(c) for w, c in key.items()}
    s10["diffusion"]["cikapundung"] = "emulation"  # what data/examples/policy-outputs/s10-notebook writes
    # one wrong code of 66 once scored 6/10 (the cliff); now it costs less than a point
    assert a.max_score - 1 < score_codes(a, s10)[2] < a.max_score


def test_proportional_and_threshold_schemes_still_add_up_per_variable():
    a = load_assignment("actor-roles", ROOT / "data")
    points, total = a.score({v: 0.8 for v in a.variable_names})
    assert points == {v.name: a.points(v, 0.8) for v in a.variables} and total == sum(points.values())
