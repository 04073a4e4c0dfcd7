"""Reliability of the reference coding against the blind second coder (issue #12, point 4).

The checks recompute what they vouch for from the raw CSVs with the standard library, not through the
code under test: which items the two codings disagree on, that the second coding is the frozen one its
README describes, that its quotes are verbatim, and that every place a reliability figure is reported
says how independent the second coding is.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re

import pytest

from compendium.grading import load_assignment
from compendium.grading.agreement import cohen_kappa
from compendium.grading.assignments import template_csv
from compendium.grading.reliability import (INDEPENDENCE, N_RESAMPLES, SEED, bootstrap_ci, reliability,
                                            write_tables)
from compendium.paths import project_root
from compendium.papers.sources import normalise, paper

ROOT = project_root()
CODED = ROOT / "data" / "raw" / "coded"
SECOND = CODED / "second_coder"
# assignment -> (reference CSV, its id column, row filter, the variables as (assignment name, column))
REFERENCE = {
    "policy-outputs": ("policy_outputs.csv", "output_id", lambda r: True,
                       [("dimension", "dimension"), ("diffusion", "diffusion"), ("transfer", "transfer")]),
    "actor-roles": ("actors.csv", "actor_id", lambda r: r["scope"] == "case", [("role", "role"), ("kind", "kind")]),
}


def _rows(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _differences_from_csvs(name: str) -> set[tuple[str, str, str, str]]:
    """(item, variable, reference code, coder-2 code) for every code that differs, read straight from the
    two CSVs."""
    ref_file, id_col, keep, variables = REFERENCE[name]
    ref = {r[id_col]: r for r in _rows(CODED / ref_file) if keep(r)}
    other = {r["item_id"]: r for r in _rows(SECOND / f"{name}.csv")}
    assert set(ref) == set(other), f"{name}: the two codings cover different items"
    return {(item, var, ref[item][col], other[item][var])
            for item in ref for var, col in variables if ref[item][col] != other[item][var]}


@pytest.fixture(scope="module")
def results():
    """reliability() of both assignments on the committed data (the bootstrap runs once per module)."""
    return {name: reliability(load_assignment(name)) for name in REFERENCE}


# --- bootstrap intervals ------------------------------------------------------------------------------

REF = ["a", "a", "b", "b", "c", "c", "a", "b", "c", "a"]
OTHER = ["a", "b", "b", "b", "c", "a", "a", "b", "c", "a"]


def test_bootstrap_ci_is_deterministic():
    first = bootstrap_ci(REF, OTHER, cohen_kappa, n_resamples=300, seed=7)
    assert first == bootstrap_ci(REF, OTHER, cohen_kappa, n_resamples=300, seed=7)
    # the seed matters: a different one gives a different sample of resamples
    assert first != bootstrap_ci(REF, OTHER, cohen_kappa, n_resamples=300, seed=8)


def test_bootstrap_ci_contains_the_point_estimate_and_narrows_with_agreement():
    point = cohen_kappa(REF, OTHER)
    low, high = bootstrap_ci(REF, OTHER, cohen_kappa, n_resamples=300)
    assert low <= point <= high and low < high
    # perfect agreement: every resample agrees perfectly, so the interval collapses to 1
    assert bootstrap_ci(REF, REF, cohen_kappa, n_resamples=50) == (1.0, 1.0)
    with pytest.raises(ValueError, match="different lengths"):
        bootstrap_ci(REF, OTHER[:-1], cohen_kappa, n_resamples=10)


def test_committed_intervals_contain_their_point_estimates(results):
    for name, (summary, _) in results.items():
        for r in summary.to_dict("records"):
            for stat, low, high in (("cohen_kappa", "cohen_kappa_ci_low", "cohen_kappa_ci_high"),
                                    ("kripp_alpha_nominal", "kripp_alpha_ci_low", "kripp_alpha_ci_high")):
                assert r[low] <= r[stat] <= r[high], (name, r["variable"], stat, r[low], r[stat], r[high])
                assert -1 <= r[low] and r[high] <= 1


def test_reliability_is_deterministic():
    a = load_assignment("actor-roles")
    first, _ = reliability(a, n_resamples=200)
    again, _ = reliability(a, n_resamples=200)
    assert first.equals(again)


# --- disagreements, item by item ----------------------------------------------------------------------

@pytest.mark.parametrize("name", list(REFERENCE))
def test_disagreement_table_lists_exactly_the_items_coded_differently(results, name, tmp_path):
    expected = _differences_from_csvs(name)
    assert expected, "the two codings agree everywhere: this test would check nothing"
    summary, disagreements = results[name]
    got = {(r["item_id"], r["variable"], r["reference"], r["coder-2"]) for r in disagreements.to_dict("records")}
    assert got == expected
    assert len(disagreements) == len(expected) == int(summary["disagreements"].sum())
    # the written table and the committed one (built by notebook 07) say the same
    write_tables(results, tmp_path)
    for table in (tmp_path / "grading" / "reliability-disagreements.csv",
                  ROOT / "tables" / "grading" / "reliability-disagreements.csv"):
        rows = [r for r in _rows(table) if r["assignment"] == name]
        assert {(r["item_id"], r["variable"], r["reference"], r["coder-2"]) for r in rows} == expected, table
        assert len(rows) == len(expected)


def test_committed_summary_matches_a_recomputation(results):
    rows = _rows(ROOT / "tables" / "grading" / "reliability.csv")
    for name, (summary, _) in results.items():
        committed = [r for r in rows if r["assignment"] == name]
        assert [r["variable"] for r in committed] == list(summary["variable"])
        for c, s in zip(committed, summary.to_dict("records")):
            for col in ("cohen_kappa", "cohen_kappa_ci_low", "cohen_kappa_ci_high", "kripp_alpha_nominal",
                        "kripp_alpha_ci_low", "kripp_alpha_ci_high"):
                assert math.isclose(float(c[col]), s[col], abs_tol=1e-9), (name, c["variable"], col)


def test_written_tables_are_byte_identical_across_runs(results, tmp_path):
    write_tables(results, tmp_path / "one")
    write_tables(results, tmp_path / "two")
    for f in ("reliability.csv", "reliability.md", "reliability-disagreements.csv", "reliability-disagreements.md"):
        assert (tmp_path / "one" / "grading" / f).read_bytes() == (tmp_path / "two" / "grading" / f).read_bytes()


# --- the second coding is the frozen blind one, and its quotes are real -------------------------------

def test_second_coding_is_the_frozen_one_its_readme_describes():
    readme = (SECOND / "README.md").read_text(encoding="utf-8")
    frozen = dict((name, digest) for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+\.csv)$", readme, re.M))
    assert set(frozen) == {"policy-outputs.csv", "actor-roles.csv"}
    for name, digest in frozen.items():
        assert hashlib.sha256((SECOND / name).read_bytes()).hexdigest() == digest, (
            f"{name} differs from the frozen coding; say in README.md what changed and why, then update the hash")


def test_second_coding_follows_the_template_order():
    """coder-2 coded the template as it was handed out then: in the reference table's row order (since
    issue 14 the template lists items alphabetically, because that order is grouped by code)."""
    for name in REFERENCE:
        a = load_assignment(name)
        assert [r["item_id"] for r in _rows(SECOND / f"{name}.csv")] == a.items
        template = [r["item_id"] for r in csv.DictReader(io.StringIO(template_csv(a)))]
        assert sorted(template) == sorted(a.items)


def test_second_coder_quotes_are_verbatim_and_every_code_is_marked_stated_or_inferred():
    texts = {k: normalise(paper(k).text).lower() for k in ("A", "B")}
    for name, (_, _, _, variables) in REFERENCE.items():
        for r in _rows(SECOND / f"{name}.csv"):
            quotes = re.findall(r"«([^»]+)»", r["rationale"])
            assert quotes, (name, r["item_id"], "no quote")
            for q in quotes:
                assert any(normalise(q).lower() in t for t in texts.values()), (name, r["item_id"], q)
            for var, _ in variables:
                # "transfer LEARNING, INFERRED", "kind PERSON, STATED", "dimension STATED" (Tabel 2), or
                # "diffusion UNCLEAR" (the text does not decide: neither stated nor inferred)
                m = re.search(rf"\b{var} ([A-Z][A-Z-]*)(, (STATED|INFERRED))?", r["rationale"])
                assert m, (name, r["item_id"], var, "variable not discussed")
                marked = m.group(1) in ("STATED", "INFERRED") or m.group(3)
                assert m.group(1) in ("STATED", "INFERRED", r[var].upper()), (name, r["item_id"], var, m.group(0))
                assert marked or r[var] == "unclear", (name, r["item_id"], var, "code not marked stated/inferred")


# --- every reliability figure says how independent the second coding is -------------------------------

def test_independence_is_stated_wherever_reliability_is_reported():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    bullet = readme.split("**Reliability of the reference coding**")[1].split("\n* ")[0]
    assert "blind" in bullet and "AI coding agent" in bullet and "item list" in bullet
    nb = json.loads((ROOT / "notebooks" / "07_grading.ipynb").read_text(encoding="utf-8"))
    section = next("".join(c["source"]) for c in nb["cells"]
                   if c["cell_type"] == "markdown" and "How reliable is the reference coding" in "".join(c["source"]))
    assert "How independent" in section and "AI coding agent" in section and "coded blind" in section
    for f in ("reliability.md", "reliability-disagreements.md"):
        assert normalise(INDEPENDENCE[1:]) in normalise((ROOT / "tables" / "grading" / f).read_text(encoding="utf-8"))
        assert f"{N_RESAMPLES} resamples, seed {SEED}" in (ROOT / "tables" / "grading" / f).read_text(encoding="utf-8")


def test_readme_reliability_figures_are_current(results):
    """The README's κ and α (two decimals, with intervals) are the ones the data give today."""
    bullet = (ROOT / "README.md").read_text(encoding="utf-8").split("**Reliability of the reference coding**")[1]
    bullet = re.sub(r"\s+", " ", bullet.split("It replaces")[0]).replace("−", "-")

    def fmt(x):
        return f"{x:.2f}"

    stats = {("policy-outputs", v): "cohen_kappa" for v in ("dimension", "diffusion", "transfer")}
    stats |= {("actor-roles", v): "kripp_alpha" for v in ("role", "kind")}
    for (name, var), stat in stats.items():
        s = results[name][0].set_index("variable").loc[var]
        point = s["cohen_kappa"] if stat == "cohen_kappa" else s["kripp_alpha_nominal"]
        figure = f"{fmt(point)} [{fmt(s[stat + '_ci_low'])}, {fmt(s[stat + '_ci_high'])}]"
        assert re.search(rf"{var} {re.escape(figure)}", bullet), (var, figure)


def test_the_all_at_once_statistics_equal_the_library_ones_on_every_resample():
    """The bootstrap computes κ and α for all resamples at once; on random resamples of the real
    codings they equal scikit-learn's κ and the krippendorff package's α (NaN where undefined)."""
    import math

    import numpy as np

    from compendium.grading.reliability import _alpha_many, _alpha_of_pair, _kappa_many

    rng = np.random.default_rng(0)
    for name in ("policy-outputs", "actor-roles"):
        a = load_assignment(name)
        from compendium.grading.reliability import second_coder_path
        from compendium.grading.submissions import parse_submission

        coder = parse_submission(second_coder_path(a).read_bytes(), a.items,
                                 {x.name: x.codes for x in a.variables}).codes
        for v in a.variable_names:
            ref, other = list(a.key[v]), [coder[v][i] for i in a.items]
            codes = sorted(set(ref) | set(other))
            r = np.array([codes.index(x) for x in ref])
            o = np.array([codes.index(x) for x in other])
            picks = rng.integers(0, len(r), size=(40, len(r)))
            kappas, alphas = _kappa_many(r[picks], o[picks], len(codes)), _alpha_many(r[picks], o[picks], len(codes))
            for row, kappa, alpha in zip(picks, kappas, alphas):
                rr, oo = [ref[i] for i in row], [other[i] for i in row]
                for mine, theirs in ((kappa, cohen_kappa(rr, oo)), (alpha, _alpha_of_pair(rr, oo))):
                    assert (math.isnan(mine) and math.isnan(theirs)) or math.isclose(mine, theirs, abs_tol=1e-9)
