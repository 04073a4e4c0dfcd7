"""κ and α on published worked examples, and the degenerate-case conventions."""

import math

import pytest

from compendium.grading.agreement import cohen_kappa, krippendorff_alpha_nominal, pair_stats, percent_agreement


def test_krippendorff_2011_nominal_example_with_missing_data():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers,
    # 12 units, missing values; nominal alpha = 0.743.
    n = None
    data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
            [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n]]
    assert krippendorff_alpha_nominal(data) == pytest.approx(0.743, abs=5e-4)


def test_krippendorff_2011_binary_two_coders_example():
    # Krippendorff (2011), section A: two observers, 10 units, binary data; alpha = 0.095.
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert krippendorff_alpha_nominal([a, b]) == pytest.approx(0.095, abs=5e-4)


def test_cohen_kappa_textbook_example():
    # The classic 2x2 example (e.g. Wikipedia "Cohen's kappa"): 50 proposals, both yes 20, A yes/B no 5,
    # A no/B yes 10, both no 15: p_o = 0.7, p_e = 0.5, kappa = 0.4.
    a = ["yes"] * 20 + ["yes"] * 5 + ["no"] * 10 + ["no"] * 15
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert percent_agreement(a, b) == pytest.approx(70.0)
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_perfect_and_degenerate_agreement():
    codes = ["emulation", "copying", "unclear", "unclear"]
    assert pair_stats(codes, codes) == {"agreement_pct": 100.0, "cohen_kappa": 1.0, "kripp_alpha_nominal": 1.0}
    same = ["unclear"] * 5  # one code everywhere: 0/0 for both coefficients, by convention 1
    assert cohen_kappa(same, same) == 1.0
    assert krippendorff_alpha_nominal([same, same]) == 1.0
    assert math.isnan(percent_agreement([None], ["x"]))
