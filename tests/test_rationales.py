"""Codes that contradict their own rationale (compendium.coding.rationales): none in the shipped data, and each
clash the review of issue 12 found is caught when it is put back."""

from __future__ import annotations

import pytest

from compendium import coding
from compendium.coding import rationales


@pytest.fixture(scope="module")
def tables():
    return coding.load()


def _with(tables, name, key, item, **changes):
    out = dict(tables)
    frame = tables[name].copy()
    for column, value in changes.items():
        frame.loc[frame[key] == item, column] = value
    out[name] = frame
    return out


def test_shipped_codes_fit_their_rationales(tables):
    assert rationales.conflicts(tables) == []


@pytest.mark.parametrize("name, key, item, changes, fragment", [
    ("policy_outputs", "output_id", "little-seoul",
     {"transfer": "learning", "rationale": "mutual will = 'learning'; it is a cultural showcase, not a copied Seoul policy"},
     "little-seoul, column 'transfer': 'learning'"),
    ("policy_outputs", "output_id", "tax-dept-bppd",
     {"transfer": "learning", "rationale": "fits paper B's 'learning'; no adopted tax policy is described"},
     "tax-dept-bppd, column 'transfer'"),
    ("ties", "tie_id", "tie-052",
     {"relation": "investment", "reconstruction": "Tabel 2 says only that they were interested ('Tertarik Untuk Berinvestasi')"},
     "tie-052, column 'relation': 'investment'"),
    ("actors", "actor_id", "staff-ahli-kerjasama",
     {"role": "internal", "reconstruction": "A unit of the city government. It appears only as the source of data."},
     "staff-ahli-kerjasama, column 'role': 'internal'"),
])
def test_a_code_that_denies_its_rationale_is_caught(tables, name, key, item, changes, fragment):
    found = rationales.conflicts(_with(tables, name, key, item, **changes))
    assert any(fragment in line for line in found), found


def test_a_negation_beside_an_unclear_code_is_fine(tables):
    changed = _with(tables, "policy_outputs", "output_id", "little-seoul",
                    transfer="unclear", rationale="a cultural showcase, not a copied Seoul policy")
    assert rationales.conflicts(changed) == []
