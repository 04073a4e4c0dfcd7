"""The headline results, computed from the data: the README's "Results at a glance".

Every number in that section comes from here: ``compendium readme`` (:mod:`compendium.render.readme`) writes
it into the README, and a test fails while the README is stale, so a row added to the coding or a
changed verdict cannot leave the README behind. Each bullet names the notebook with the full result.
"""

from __future__ import annotations

from pathlib import Path


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _num(x: float) -> str:
    """Two decimals, with a true minus sign."""
    return f"{x:.2f}".replace("-", "−")


def coding_bullet(data: dict) -> str:
    actors, ties, outputs = data["actors"], data["ties"], data["policy_outputs"]
    in_tabel2 = int(outputs["tabel2_no"].notna().sum())
    dated = int((ties["date_start"].fillna("") != "").sum())
    return (f"**Coding** — {_n(len(data['segments']), 'quoted segment')}, {_n(len(actors), 'actor')} "
            f"({int((actors['scope'] == 'case').sum())} in the case), {_n(len(ties), 'tie')} ({dated} dated), "
            f"{_n(len(data['events']), 'event')}, {_n(len(outputs), 'policy output')} (the {in_tabel2} items "
            f"of paper B's Tabel 2 and {len(outputs) - in_tabel2} the prose adds), "
            f"{_n(len(data['principles']), 'principle')}, {_n(len(data['stages']), 'stage')}, "
            f"{_n(len(data['conditions']), 'condition')}; every quote found verbatim on its recorded page "
            "(`make validate`).")


def ranking_bullet(data: dict, ledger=None) -> str:
    """The actor ranking a paper prints (``data/ranking_groups.csv``) against every reading of the network."""
    from compendium.analysis import network as nw

    ranking = nw.ranking(data)
    variants = nw.robustness_variants(data["actors"], data["ties"], nw.ranking_variants(ranking),
                                      mapping=ranking.mapping)
    readings = [f"{variants[c].nunique()} {label}" for c, label in
                (("measure", "centrality measures"), ("aggregation", "group aggregations"),
                 ("variant", "codings of the groups and actors"), ("ties", "sets of tie classes"),
                 ("basis", "tie bases (stated only, or stated and inferred)")) if c in variants.columns]
    firsts = ", ".join(f"{g} {int((variants[f'rank_{g}'] == 1).sum())}" for g in ranking.order)
    paper = data["claims"].set_index("claim_id").loc[ranking.claim_id, "paper"]
    verdict = ""
    if ledger is not None and ranking.claim_id in set(ledger["claim_id"]):
        verdict = (" The ledger's verdict on the ranking: "
                   f"{ledger.set_index('claim_id').loc[ranking.claim_id, 'verdict']}.")
    return (f"**Actor ranking** — paper {paper} ranks {' > '.join(ranking.order)}. Of {len(variants)} "
            f"readings of the network ({' × '.join(readings)}), {int(variants['matches_paper'].sum())} "
            f"reproduce that order; first (alone or shared): {firsts}.{verdict} (`02_actor_network`, "
            "`06_claims`)")


def diffusion_bullet(data: dict) -> str:
    outputs = data["policy_outputs"]
    coded = outputs[outputs["diffusion"] != "unclear"]
    listed = "; ".join(f"{r.label_en} ({r.diffusion})" for r in coded.itertuples())
    return (f"**Diffusion** — the papers conclude \"combination and emulation rather than copying\". "
            f"{_n(len(coded), 'output').capitalize()} of {len(outputs)} "
            f"{'is' if len(coded) == 1 else 'are'} tied by the text to a diffusion type"
            + (f": {listed}" if listed else "")
            + "; the conclusion rests on the papers' general sentences (`03_policy_outputs`).")


def claims_bullet(ledger, summary, n_variants: int) -> str:
    from compendium.analysis import claims

    counts = ledger["verdict"].value_counts()
    verdicts = ", ".join(f"{int(counts.get(v, 0))} {v}" for v in claims.VERDICTS)
    return (f"**Claims** — {_n(len(ledger), 'finding')}: {verdicts}; {int(summary['robust'].sum())} of "
            f"{len(summary)} verdicts survive all {n_variants} coding variants "
            "(`06_claims`, `compendium claims`).")


def reliability_bullet(assignments: dict) -> str:
    from compendium.grading import reliability

    parts = []
    for name, stat, label in (("policy-outputs", "cohen_kappa", "Cohen's κ"),
                              ("actor-roles", "kripp_alpha", "Krippendorff's α")):
        summary, _ = reliability(assignments[name])
        point = "cohen_kappa" if stat == "cohen_kappa" else "kripp_alpha_nominal"
        figures = ", ".join(
            f"{prefix}{r['variable']} {_num(r[point])} [{_num(r[stat + '_ci_low'])}, {_num(r[stat + '_ci_high'])}]"
            for r in summary.to_dict("records")
            for prefix in ["actor " if name == "actor-roles" else ""])
        parts.append(f"{label}: {figures}")
    return ("**Reliability of the reference coding** — against a second coder who coded blind, with 95% "
            "bootstrap intervals over items. " + ". ".join(parts) + ". Disagreements item by item are in "
            "`tables/grading/reliability-disagreements.md` (`07_grading`). *How independent:* the second "
            "coder is an AI coding agent that saw only the papers, the item list (with anchor quotes) and the "
            "code definitions, never the reference codes or rationales, and froze its codes before reading the "
            "repository (protocol and hashes in `data/raw/coded/second_coder/README.md`): agreement given a "
            "shared item list and code book, not from scratch. Its template listed the items grouped by "
            "dimension and kind, so those two agreements are upper bounds.")


def grading_bullet(a) -> str:
    return (f"**Grading** — in the policy-outputs key the commonest code covers {a.baseline_shares_text()} "
            "of the items (for diffusion and transfer it is `unclear`: the papers rarely tie an output to a type), so plain "
            f"agreement would give a submission that codes every item with it {a.baseline_score:.1f} of "
            f"{a.max_score:g} points. The assignment therefore scores agreement *above the majority baseline* "
            f"(`scheme: {a.spec['rubric']['scheme']}`: that submission scores 0, and every wrong code costs the "
            "same small amount, so correcting a code never lowers a score); every class report states the "
            "baseline.")


def results_markdown(data_dir: Path | str | None = None) -> str:
    """The bullets of "Results at a glance", from the shipped data (or ``data_dir``)."""
    from compendium.analysis import claims
    from compendium.grading import load_assignment

    data_dir = Path(data_dir) if data_dir else None
    tables = claims.load_tables(data_dir)  # the validated coding (coding.load), read once for every bullet
    assignments = {name: load_assignment(name, data_dir) for name in ("policy-outputs", "actor-roles")}
    views = claims.coder_views(tables)  # shared: robustness reuses the reference ledger's checks
    ledger = claims.evaluate(None, tables, views=views[claims.REFERENCE.coder])
    _, summary = claims.robustness(tables, views=views)
    bullets = [coding_bullet(tables), ranking_bullet(tables, ledger), diffusion_bullet(tables),
               claims_bullet(ledger, summary, len(claims.variants())),
               reliability_bullet(assignments), grading_bullet(assignments["policy-outputs"])]
    return ("\n".join(f"* {b}" for b in bullets)
            + "\n\nGenerated from the data by `compendium.render.results` (`compendium readme`); do not edit by hand.")
