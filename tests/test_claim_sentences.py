"""data/claim_sentences.csv: every sentence of the abstracts, results and conclusions was read, in order,
verbatim; every finding there is a claim of the ledger, and every claim stated there is found."""

from __future__ import annotations

import pytest

from compendium import coding
from compendium.papers import sources

SECTIONS = ("abstract", "results", "conclusion")


@pytest.fixture(scope="module")
def data():
    return coding.load()


def test_every_sentence_is_verbatim_in_its_paper_and_section(data):
    for r in data["claim_sentences"].itertuples(index=False):
        hits = sources.paper(r.paper).find(r.quote)
        assert hits, f"{r.sentence_id}: not found verbatim in paper {r.paper}"
        expected = "abstract" if r.section == "abstract" else r.section
        assert any(h.section == expected for h in hits), f"{r.sentence_id}: not in section {r.section}"


@pytest.mark.parametrize("paper, section", [(p, s) for p in "AB" for s in ("results", "conclusion")])
def test_the_sections_are_read_whole_and_in_order(data, paper, section):
    """Between one sentence and the next there is only white space: no sentence of the section was skipped."""
    P = sources.paper(paper)
    bounds = [o for o, s in P.section_starts] + [len(P.text)]
    start = next(o for o, s in P.section_starts if s == section)
    end = min(o for o in bounds if o > start)
    rows = data["claim_sentences"]
    quotes = list(rows[(rows["paper"] == paper) & (rows["section"] == section)]["quote"])
    pos = start
    for q in quotes:
        at = P.text.find(sources.normalise(q), pos)
        assert at >= 0 and not P.text[pos:at].strip(), f"paper {paper} {section}: text skipped before '{q[:50]}'"
        pos = at + len(sources.normalise(q))
    assert not P.text[pos:end].strip(), f"paper {paper} {section}: text left after the last sentence"


def test_every_claim_from_these_sections_is_stated_by_a_sentence(data):
    seg = data["segments"].set_index("segment_id")
    stated = set(data["claim_sentences"].query("decision == 'claim'")["claim_id"])
    for c in data["claims"].itertuples(index=False):
        if seg.loc[c.segment_id, "section"] in SECTIONS:
            assert c.claim_id in stated, f"claim {c.claim_id}: no sentence of claim_sentences.csv states it"


def test_the_new_findings_of_the_review_are_claims(data):
    """The findings issue 12 found missing from the ledger."""
    ids = set(data["claims"]["claim_id"])
    assert {"efficient-innovative-governance", "transfer-learning", "transfer-competition",
            "consultant-no-direct-influence", "ksp-appointed-by-subnational"} <= ids


def test_a_claim_sentence_must_name_its_claim(tmp_path):
    import shutil

    from compendium.paths import data_dir

    copy = tmp_path / "data"
    shutil.copytree(data_dir(), copy)
    path = copy / "claim_sentences.csv"
    text = path.read_text(encoding="utf-8").splitlines()
    i = next(n for n, line in enumerate(text) if ",claim,finding,actor-ranking," in line)
    text[i] = text[i].replace(",claim,finding,actor-ranking,", ",claim,finding,,")
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    problems = coding.validate_dir(copy)
    assert any("claim_sentences.csv" in p and "expected a claim_id" in p for p in problems), problems
