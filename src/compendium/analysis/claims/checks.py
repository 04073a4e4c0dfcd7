"""The claim checks: one function per finding of ``data/claims.csv`` (its ``function`` column), each
``fn(tables, variant, claim) -> Result``."""

from __future__ import annotations

import re

import pandas as pd

from compendium.analysis.claims.evidence import (_NUMBER_WORDS, _case_actors, _distinct, _fmt_counts, _independent,
                                        _memo, _output_counts, _own, _quote, _segments_by_id, _shared, _where,
                                        indonesian_number, involvement_ties)
from compendium.analysis.claims.model import (CONTRADICTED, MIN_CODED, NOT_TESTABLE, PARTLY, SUPPORTED, Result)
from compendium.coding import as_list, date_bounds
from compendium.papers.sources import paper_ids


# --------------------------------------------------------------------------------------------------
# The claim functions

def _context(claim) -> list[str]:
    """The passages the claim's row cites beside the evidence (``context_segments`` of claims.csv): where
    the papers qualify or contradict the claim themselves."""
    return as_list(claim.get("context_segments"))


def actor_ranking(tables, variant, claim) -> Result:
    from compendium.analysis import network

    # the paper ranks by involvement ("terlibat"): the view's tie reading says which relation classes count;
    # which actors stand for its groups is coded data (ranking_groups.csv, the claim's default reading)
    actors = tables["actors"]
    ranking = _memo(tables, ("ranking_groups", claim["claim_id"]),
                    lambda: network.ranking(tables, claim["claim_id"]))
    # the actors are the same under every tie reading: their node records are made once for all the
    # views made together (keyed by the frame itself, which the cache keeps alive, so its id stays its own)
    _, nodes = _shared(tables, ("case nodes", id(actors)), lambda: (actors, network.node_records(actors)))
    H = _memo(tables, "collapsed_involvement_network",
              lambda: network.collapsed(actors, involvement_ties(tables), nodes=nodes))
    # the measure depends on the network alone (actors, ties, weights): computed once for every coder
    structure = (tuple(H.nodes), tuple(H.edges(data="weight")))
    measured = _shared(tables, ("centrality", variant.measure, structure),
                       lambda: network.centrality_table(H, [variant.measure])[[variant.measure]])
    row = _memo(tables, ("ranking", claim["claim_id"], variant.measure), lambda: network.ranking_robustness(
        H, actors, measures=[variant.measure], aggregations=["max"], mapping=ranking.mapping,
        table=measured).iloc[0])
    order = ranking.order
    scores = {g: float(row[f"score_{g}"]) for g in order}
    classes, basis = tables.get("_reading", network.DEFAULT_TIE_READING)
    evidence = (f"{variant.measure} (strongest member) on {classes} ties ({basis}): "
                + ", ".join(f"{g} {s:.3g}" for g, s in scores.items())
                + f"; order {row['order']}; Kendall tau {row['tau']:.2f}")
    if len({round(v, 12) for v in scores.values()}) == 1:
        return Result(NOT_TESTABLE, evidence, f"the {_count_word(len(order))} groups score the same: the ties "
                      "cannot rank them", [claim["segment_id"]])
    if bool(row["matches_paper"]):
        verdict, why = SUPPORTED, f"the network reproduces paper {claim['paper']}'s order exactly"
    elif row[f"rank_{order[0]}"] == 1 or (not pd.isna(row["tau"]) and row["tau"] > 0):
        verdict, why = PARTLY, f"the order agrees only in part with {' > '.join(order)}"
    else:
        first = row["order"].split()[0]
        verdict, why = CONTRADICTED, (f"{first} comes first; the coded ties do not rank the {order[0]} above "
                                      f"{' and '.join(order[1:])}")
    return Result(verdict, evidence, why, [claim["segment_id"]])


def _count_word(n: int) -> str:
    """'three' for 3 (the groups of a ranking are few), the digits beyond ten."""
    words = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    return words[n] if n < len(words) else str(n)


def _diffusion(tables, variant):
    all_counts = _output_counts(tables, "diffusion")
    counts = {k: all_counts[k] for k in ("combination", "emulation", "copying")}
    return counts, all_counts["unclear"]


def diffusion_mix(tables, variant, claim) -> Result:
    counts, unclear = _diffusion(tables, variant)
    pro = counts["combination"] + counts["emulation"]
    con = counts["copying"] + (unclear if variant.unclear == "against" else 0)
    evidence = f"{_fmt_counts(counts)}, unclear {unclear} ({variant.unclear}); for {pro} vs against {con}"
    segs = _output_segments(tables, ("combination", "emulation", "copying"))
    if pro > con and pro + con >= MIN_CODED:
        return Result(SUPPORTED, evidence, "more outputs are coded combination/emulation than copying", segs)
    if pro > con:
        return Result(PARTLY, evidence, f"the direction agrees but only {pro + con} output(s) carry a diffusion code", segs)
    if pro + con == 0:
        return Result(NOT_TESTABLE, evidence, "no output carries a diffusion code", segs)
    return Result(CONTRADICTED, evidence, "copying (or unclear counted as copying) is at least as frequent", segs)


def _output_segments(tables, diffusion_values) -> list[str]:
    po = tables["policy_outputs"]
    return sorted(po.loc[po["diffusion"].isin(diffusion_values), "segment_id"])


def copying_absent(tables, variant, claim) -> Result:
    counts, unclear = _diffusion(tables, variant)
    copies = counts["copying"] + (unclear if variant.unclear == "against" else 0)
    base = sum(counts.values()) + (unclear if variant.unclear == "against" else 0)
    evidence = f"copying {counts['copying']} of {sum(counts.values())} coded outputs; unclear {unclear} ({variant.unclear}); counted as copying {copies} of {base}"
    segs = _output_segments(tables, ("copying",))
    if base == 0:
        return Result(NOT_TESTABLE, evidence, "no output carries a diffusion code", segs)
    if copies == 0 and base >= MIN_CODED:
        return Result(SUPPORTED, evidence, "no output is coded copying", segs)
    if copies == 0:
        return Result(PARTLY, evidence, f"no copying, but only {base} output(s) carry a diffusion code", segs)
    if copies < base / 2:
        return Result(PARTLY, evidence, "some outputs are (or may be) copies, a minority", segs)
    return Result(CONTRADICTED, evidence, "at least half of the counted outputs are (or may be) copies", segs)


def mostly_combination(tables, variant, claim) -> Result:
    counts, unclear = _diffusion(tables, variant)
    base = sum(counts.values()) + (unclear if variant.unclear == "against" else 0)
    share = counts["combination"] / base if base else float("nan")
    modal = base > 0 and counts["combination"] > 0 and counts["combination"] == max(counts.values()) \
        and list(counts.values()).count(counts["combination"]) == 1
    evidence = f"combination {counts['combination']} of {base} counted outputs ({share:.0%})" if base else "no coded outputs"
    evidence += f"; {_fmt_counts(counts)}, unclear {unclear} ({variant.unclear})"
    segs = _output_segments(tables, ("combination",))
    if base == 0:
        return Result(NOT_TESTABLE, evidence, "no output carries a diffusion code", segs)
    if share > 0.5 and base >= MIN_CODED:
        return Result(SUPPORTED, evidence, "combination is the majority of the counted outputs", segs)
    if share > 0.5 or (modal and variant.unclear == "drop"):
        return Result(PARTLY, evidence, f"combination leads, but on {base} counted output(s)", segs)
    return Result(CONTRADICTED, evidence, "combination is not the majority of the counted outputs", segs)


def cikapundung_combination(tables, variant, claim) -> Result:
    po = tables["policy_outputs"]
    river = po[po["label"].str.contains("Cikapundung", case=False)]
    if river.empty:
        return Result(NOT_TESTABLE, "no Cikapundung output coded", "the coded outputs do not include the river revitalisation")
    row = river.iloc[0]
    actors = set(row["actors"])
    credited = [a for a in ("ksp", "ridwan-kamil") if a in actors]
    evidence = (f"{row['output_id']}: diffusion {row['diffusion']}, Seoul model "
                f"'{row['seoul_model'] or '-'}', credited to {', '.join(credited) or 'neither KSP nor the mayor'}")
    segs = [s for s in [row["segment_id"], *_context(claim)] if s in set(tables["segments"]["segment_id"])]
    if row["diffusion"] == "unclear":
        if variant.unclear == "against":
            return Result(CONTRADICTED, evidence, "its diffusion type is unclear (counted against)", segs)
        return Result(NOT_TESTABLE, evidence, "its diffusion type is unclear", segs)
    if row["diffusion"] != "combination":
        return Result(CONTRADICTED, evidence, f"coded {row['diffusion']}, not combination", segs)
    if not row["seoul_model"]:
        return Result(PARTLY, evidence, "coded combination but no Seoul model is named", segs)
    if "ridwan-kamil" in actors:
        return Result(PARTLY, evidence, "combination after Seoul's river, but paper A also credits the mayor's own design (pp. 573-574)", segs)
    return Result(SUPPORTED, evidence, "combination after Seoul's river model", segs)


def ksp_most_active_bus(tables, variant, claim) -> Result:
    from compendium.analysis.network import tie_years

    # "institusi advokasi kebijakan yang paling berperan aktif": advising counts; appointing the presenters
    # (an authority tie, tie-021..023, the appointer inferred) counts only under the widest tie reading
    ties = _independent(involvement_ties(tables), claim)
    ties = ties[ties["relation"].isin(["advocacy", "consultation", "appointment"])]
    in_window = [bool(set(tie_years(s, e)) & {2017, 2018}) for s, e in zip(ties["date_start"], ties["date_end"])]
    ties = ties[in_window]
    counts = ties["source"].value_counts()
    counts = counts.sort_index().sort_values(ascending=False, kind="stable")
    evidence = "ties dated 2017-2018 by actor: " + (_fmt_counts(counts.to_dict()) if len(counts) else "none")
    segs = sorted(set(ties["segment_id"]))
    if counts.empty or "ksp" not in counts.index:
        return Result(CONTRADICTED if len(counts) else NOT_TESTABLE, evidence,
                      "KSP has no advocacy tie in 2017-2018 besides the claim itself", segs)
    top = counts.iloc[0]
    if counts["ksp"] == top and (counts == top).sum() == 1:
        return Result(SUPPORTED, evidence, "KSP acts in more 2017-2018 advocacy ties than any other actor", segs)
    if counts["ksp"] == top:
        return Result(PARTLY, evidence, "KSP shares the first place", segs)
    return Result(CONTRADICTED, evidence, f"{counts.index[0]} is more active than KSP", segs)


def _date_bounds(value: str, end: bool) -> pd.Timestamp | None:
    return pd.Timestamp(*date_bounds(value)[end]) if value else None


def ksp_one_year(tables, variant, claim) -> Result:
    ev = _independent(tables["events"], claim)
    ev = ev[(ev["process"] == "ksp") & (ev["date_start"] != "")]
    lo, hi = pd.Timestamp(2017, 1, 1), pd.Timestamp(2018, 12, 31)
    rows, inside = [], 0
    starts, ends = [], []
    for r in ev.itertuples(index=False):
        s = _date_bounds(r.date_start, end=False)
        e = _date_bounds(r.date_end or r.date_start, end=True)
        ok = s >= lo and e <= hi
        inside += ok
        starts.append(s)
        ends.append(e)
        rows.append(f"{r.event_id} {r.date_start}{'..' + r.date_end if r.date_end else ''} {'in' if ok else 'OUT'}")
    if not rows:
        return Result(NOT_TESTABLE, "no dated KSP event", "no KSP event is dated apart from the claim itself")
    months = (max(ends).year - min(starts).year) * 12 + max(ends).month - min(starts).month + 1
    evidence = f"{inside} of {len(rows)} dated KSP events inside 2017-2018; span {months} months; " + "; ".join(rows)
    segs = sorted(set(ev["segment_id"]))
    if inside == len(rows):
        return Result(SUPPORTED, evidence, "every dated KSP event falls in 2017-2018", segs)
    if inside:
        out = [r.split()[0] for r in rows if r.endswith("OUT")]
        return Result(PARTLY, evidence, f"the dated phases fit 2017-2018 but {', '.join(out)} falls outside", segs)
    return Result(CONTRADICTED, evidence, "no dated KSP event falls in 2017-2018", segs)


_STAGES = re.compile(rf"\b({_NUMBER_WORDS}) tahapan (?:perumusan|implementasi)", re.IGNORECASE)


def stated_stage_counts(tables) -> list[tuple[str, int, str]]:
    """(segment id, number, phrase) for every segment stating a number of cooperation stages; one
    entry per printed sentence (segments quoting the same words of the same paper count once)."""
    out, seen = [], set()
    seg = tables["segments"].sort_values("segment_id")
    for r in seg.itertuples(index=False):
        for m in _STAGES.finditer(r.quote):
            key = (r.paper, r.quote[max(0, m.start() - 30): m.end() + 40])
            n = indonesian_number(m.group(1))
            if n is None or any(k[0] == r.paper and (key[1] in k[1] or k[1] in key[1]) for k in seen):
                continue
            seen.add(key)
            out.append((r.segment_id, n, m.group(0)))
    return out


def stage_count_consistent(tables, variant, claim) -> Result:
    stated = stated_stage_counts(tables)
    mine = [n for s, n, _ in stated if s == claim["segment_id"]]
    if not mine:
        return Result(NOT_TESTABLE, "the claim's quote states no number", "no stated number of stages")
    n = mine[0]
    st = tables["stages"]
    sci = st[st["sequence"] == "sci-stages"]
    rebuilt = int((sci["reconstruction"] != "").sum())
    evidence = "; ".join(f"{_where(tables, s)}: {k} ('{p}')" for s, k, p in stated)
    evidence += f"; coded sci-stages: {len(sci)} rows, {rebuilt} reconstructed"
    others = [k for s, k, _ in stated if s != claim["segment_id"]]
    segs = [s for s, _, _ in stated]
    if others and all(k == n for k in others):
        return Result(SUPPORTED, evidence, "every statement gives the same number of stages", segs)
    if others and any(k == n for k in others):
        return Result(PARTLY, evidence, "some statements agree, others give another number", segs)
    if others:
        return Result(CONTRADICTED, evidence,
                      f"{n} stages here, but {', '.join(str(k) for k in sorted(set(others)))} elsewhere for the same guideline", segs)
    return Result(NOT_TESTABLE, evidence, "no other statement of the number of stages", segs)


def six_implementation_stages(tables, variant, claim) -> Result:
    """The conclusion's 'enam tahapan' against paper B's lost Bagan 1. The coded sequence lists the
    activities the paragraphs after the chart name, in order, without cutting them to six; and the
    sentence introducing the chart says it shows how the principles are found in the scheme, so the
    chart need not have shown stages at all."""
    stated = [n for s, n, _ in stated_stage_counts(tables) if s in _own(claim)]
    if not stated:
        return Result(NOT_TESTABLE, "the claim's quote states no number", "no stated number of stages")
    st = tables["stages"]
    seq = st[st["sequence"] == "bandung-seoul-implementation"]
    rebuilt = int((seq["reconstruction"] != "").sum())
    evidence = (f"stated {stated[0]}; activities named after the lost Bagan 1: {len(seq)}, "
                f"{rebuilt} with the coder's labels")
    segs = sorted(seq["segment_id"])
    if len(seq) and rebuilt == 0:
        if len(seq) == stated[0]:
            return Result(SUPPORTED, evidence, "the printed stages match the stated number", segs)
        return Result(CONTRADICTED, evidence, "the printed stages are not as many as stated", segs)
    return Result(NOT_TESTABLE, evidence,
                  f"Bagan 1 is lost and no stage is printed; the text after it names {len(seq)} activities, "
                  "and the sentence introducing it says it shows how the principles are found in the scheme, "
                  "so the number of stages cannot be read from the text", segs)


LBEG = ("smart-living", "smart-branding", "smart-environment", "smart-government")


def smart_lbeg_coverage(tables, variant, claim) -> Result:
    """Tabel 2 is arranged by the four dimensions and is marked ``shaped_by`` this claim, so the view
    holds only the outputs placed by other passages. Outputs the papers give no dimension (the bus
    reform, though the conclusion names 'transportasi kota') are not dropped: they are outputs nobody
    placed in the four; ``unclear='against'`` counts them as outside."""
    counts = _output_counts(tables, "dimension")
    unclear = counts.pop("unclear")
    inside = sum(counts[d] for d in LBEG)
    base = inside + unclear
    used = [d for d in LBEG if counts[d]]
    po = tables["policy_outputs"]
    evidence = (f"outputs not arranged by the claim: {base}; placed in the four dimensions {inside}, "
                f"no dimension printed {unclear} ({', '.join(sorted(po.loc[po['dimension'] == 'unclear', 'output_id']))}); "
                f"dimensions used {len(used)}/4")
    segs = sorted(po["segment_id"])
    if base == 0 or (inside == 0 and variant.unclear == "drop"):
        return Result(NOT_TESTABLE, evidence,
                      "the only outputs placed in the four dimensions are Tabel 2's, which the paper arranged by "
                      "those dimensions; no other passage places an output in them", segs)
    if inside == base and len(used) == 4:
        return Result(SUPPORTED, evidence, "every output falls in one of the four dimensions", segs)
    if inside / base >= 0.5:
        return Result(PARTLY, evidence, f"{unclear} output(s) are placed in none of the four dimensions", segs)
    return Result(CONTRADICTED, evidence, "most outputs not arranged by the claim are placed in none of the four dimensions", segs)


def paradiplomacy_principles(tables, variant, claim) -> Result:
    pr = tables["principles"]
    pd_rows = pr[pr["framework"] == "paradiplomacy"]
    m = re.search(rf"\b({_NUMBER_WORDS}) prinsip", _quote(tables, claim["segment_id"]))
    stated = indonesian_number(m.group(1)) if m else None
    excluded = _own(claim) | set(pd_rows["segment_id"])
    ties = tables["ties"][~tables["ties"]["segment_id"].isin(excluded)]
    events = tables["events"][~tables["events"]["segment_id"].isin(excluded)]
    actors = _case_actors(tables).set_index("actor_id")
    seg_quotes = _segments_by_id(tables)["quote"]

    law_segments = seg_quotes.index[seg_quotes.str.contains(r"23 tahun 2014", case=False)]
    law = [e for e, n in zip(events["segment_id"], events["name"]) if re.search(r"23 tahun 2014", n, re.I)]
    law += ties.loc[ties["segment_id"].isin(law_segments), "segment_id"].tolist()
    # both ends' country and level looked up for all ties at once (a lookup per tie grew with the coding)
    ties = ties[ties["source"].isin(actors.index) & ties["target"].isin(actors.index)]
    sc, tc = ties["source"].map(actors["country"]), ties["target"].map(actors["country"])
    sl, tl = ties["source"].map(actors["level"]), ties["target"].map(actors["level"])
    acts = ties.loc[(sc == "ID") & (sl == "subnational") & tc.isin(["KR", "INT"]), "segment_id"].tolist()
    id_kr = ((sc == "ID") & (tc == "KR")) | ((sc == "KR") & (tc == "ID"))
    trans = ties.loc[id_kr & (sl != "national") & (tl != "national"), "segment_id"].tolist()
    found = {1: len(law), 2: len(acts), 3: len(trans)}
    evidence = (f"stated {stated}, coded {len(pd_rows)} principles; evidence rows: devolution (Law 23/2014) "
                f"{found[1]}, Bandung acting abroad {found[2]}, ID-KR subnational ties {found[3]}")
    segs = sorted(set(law) | set(acts[:5]) | set(trans[:5]))
    have = sum(1 for v in found.values() if v)
    if have == 3 and stated == len(pd_rows):
        return Result(SUPPORTED, evidence, "each of the three principles has coded evidence outside the conclusion", segs)
    if have:
        return Result(PARTLY, evidence, f"{have} of 3 principles have coded evidence", segs)
    return Result(CONTRADICTED, evidence, "no principle has coded evidence", segs)


def sister_cities_count(tables, variant, claim) -> Result:
    quote = _quote(tables, claim["segment_id"])
    numbers = [indonesian_number(m.group(1)) for m in re.finditer(rf"\b({_NUMBER_WORDS}) kota", quote)]
    numbers = [n for n in numbers if n]
    actors = tables["actors"].set_index("actor_id")
    partners = set()
    for t in tables["ties"].itertuples(index=False):
        if t.relation != "partnership" or "bandung-city" not in (t.source, t.target):
            continue
        other = t.target if t.source == "bandung-city" else t.source
        if other in actors.index and actors.loc[other, "kind"] == "city-government" \
                and actors.loc[other, "country"] != "ID":
            partners.add(other)
    total = max(numbers) if numbers else None
    evidence = (f"stated {' / '.join(str(n) for n in numbers) or '-'} cities; coded foreign partner cities of Bandung: "
                f"{len(partners)} ({', '.join(sorted(partners)) or 'none'})")
    if total is None:
        return Result(NOT_TESTABLE, evidence, "the quote states no number of cities")
    if len(partners) < total:
        return Result(NOT_TESTABLE, evidence,
                      f"the papers name only {len(partners)} of the {total} sister cities; the figures come from an unpublished staff list", [])
    if len(partners) == total:
        return Result(SUPPORTED, evidence, "the coded partners match the stated number")
    return Result(CONTRADICTED, evidence, "more partner cities are coded than stated")


_AGREEMENT = re.compile(r"\bperjanjian\b|\bkesepakatan\b", re.IGNORECASE)
_INTEREST = re.compile(r"tertarik|menjajaki|apakah ada kesepakatan", re.IGNORECASE)


def lrt_agreement(tables, variant, claim) -> Result:
    po = tables["policy_outputs"]
    item = po[po["label"].str.contains("LRT") & po["label"].str.contains("37")]
    status = item["status"].iloc[0] if len(item) else "unclear"
    seg = tables["segments"]
    seg = _independent(seg, claim)
    about = seg[seg["quote"].str.contains("LRT") & seg["quote"].str.contains(r"investasi|berinvestasi|37", case=False)]
    agree = _distinct(tables, [s for s, q in zip(about["segment_id"], about["quote"])
                               if _AGREEMENT.search(q) and not _INTEREST.search(q)])
    interest = _distinct(tables, [s for s, q in zip(about["segment_id"], about["quote"]) if _INTEREST.search(q)])
    evidence = (f"coded status of the 37 juta USD item: {status}; other wordings: agreement {len(agree)}, "
                f"interest/exploring {len(interest)} ({', '.join(_where(tables, s) for s in interest)})")
    segs = sorted(set(item["segment_id"]) | set(agree) | set(interest))
    if status in ("agreed", "implemented"):
        return Result(SUPPORTED, evidence, "the item is coded as agreed", segs)
    if status in ("planned", "proposed"):
        return Result(CONTRADICTED, evidence, f"the item is coded {status}, not agreed", segs)
    if variant.unclear == "against":
        return Result(CONTRADICTED, evidence, "its status is unclear (counted against the agreement)", segs)
    if agree and interest:
        return Result(PARTLY, evidence, "the papers word the same 37 juta USD both as agreement and as interest", segs)
    if agree:
        return Result(SUPPORTED, evidence, "other passages also speak of an agreement", segs)
    if interest:
        return Result(CONTRADICTED, evidence, "elsewhere the same 37 juta USD is only an interest to invest (B Tabel 2) or a chance to explore (A p.574)", segs)
    return Result(NOT_TESTABLE, evidence, "nothing else speaks of the LRT investment", segs)


_AMOUNT = re.compile(r"(\d+(?:[.,]\d+)?)\s*(Miliar|Milyar|Juta|Triliun)\s*(USD|US\$|Rp|IDR|KRW|Won)?", re.IGNORECASE)


def posco_amount(tables, variant, claim) -> Result:
    po = tables["policy_outputs"]
    item = po[po["label"].str.contains("Posco", case=False)]
    if item.empty:
        return Result(NOT_TESTABLE, "no POSCO output coded", "the coded outputs do not include POSCO")
    row = item.iloc[0]
    m = _AMOUNT.search(row["label"])
    amount = f"{m.group(1)} {m.group(2)}" if m else "-"
    currency = (m.group(3) if m else None) or ""
    other = _distinct(tables, [s for s in tables["segments"].loc[tables["segments"]["quote"].str.contains("Posco", case=False), "segment_id"]
                               if s not in _own(claim) and s != row["segment_id"]])
    evidence = (f"amount '{amount}', currency {currency or 'not printed'}; status {row['status']}; "
                f"other mentions of POSCO: {', '.join(_where(tables, s) for s in other) or 'none'} (no amount)")
    segs = [row["segment_id"], *other]
    if not currency:
        return Result(NOT_TESTABLE, evidence, "the amount has no currency and no other passage gives one", segs)
    if row["status"] in ("agreed", "implemented"):
        return Result(SUPPORTED, evidence, "amount with currency and an agreed investment", segs)
    if row["status"] == "unclear" and variant.unclear == "drop":
        return Result(PARTLY, evidence, "amount with currency, but whether it was invested is unclear", segs)
    return Result(CONTRADICTED, evidence, f"status {row['status']}", segs)


def lapi_appointed_2013(tables, variant, claim) -> Result:
    ties = _independent(tables["ties"], claim)
    pair = ties[(ties[["source", "target"]].isin(["bandung-city", "lapi-itb"]).all(axis=1))
                & ties["relation"].isin(["appointment", "advocacy", "consultation"])]
    ev = _independent(tables["events"], claim)
    lapi_ev = ev[ev["actors"].apply(lambda a: "lapi-itb" in a)]
    dated_2013 = [t for t in pair.itertuples(index=False) if str(t.date_start).startswith("2013")]
    dated_2013 += [e for e in lapi_ev.itertuples(index=False) if str(e.date_start).startswith("2013")]
    other_years = sorted({str(e.date_start)[:4] for e in lapi_ev.itertuples(index=False)
                          if e.date_start and not str(e.date_start).startswith("2013")})
    evidence = (f"other Bandung-LAPI ITB ties: {len(pair)} ({', '.join(sorted(set(pair['segment_id'])))}); "
                f"other rows dated 2013: {len(dated_2013)}; master plan dated elsewhere: {', '.join(other_years) or 'none'}")
    segs = sorted(set(pair["segment_id"]) | set(lapi_ev["segment_id"]))
    if len(pair) and dated_2013:
        return Result(SUPPORTED, evidence, "appointment and year are both corroborated", segs)
    if len(pair):
        extra = f"; the only other date is 'Rencana Induk {other_years[0]}'" if other_years else ""
        return Result(PARTLY, evidence, f"the appointment is corroborated (A p.575, B conclusion), the year 2013 is not{extra}", segs)
    return Result(NOT_TESTABLE, evidence, "nothing but the claim itself speaks of the appointment", segs)


_FINANCE = re.compile(r"keuangan|finance|moef|mfok", re.IGNORECASE)


def ministry_name(tables, variant, claim) -> Result:
    ties = tables["ties"]
    actors = tables["actors"].set_index("actor_id")
    links = ties[((ties["source"] == "ksp") & (ties["relation"] == "part-of"))
                 | ((ties["target"] == "ksp") & (ties["relation"] == "appointment"))]
    ministries = sorted({a for a in set(links["source"]) | set(links["target"])
                         if a in actors.index and actors.loc[a, "kind"] == "ministry"})
    names = []
    for m in ministries:
        names += [actors.loc[m, "name"], *actors.loc[m, "aliases"]]
    names = list(dict.fromkeys(n for n in names if re.search(r"kementerian|ministry|moef|mfok", n, re.I)))
    fin = [n for n in names if _FINANCE.search(n)]
    other = [n for n in names if not _FINANCE.search(n)]
    evidence = f"{len(fin)} of {len(names)} printed names say Economy and Finance; others: " + "; ".join(other)
    segs = sorted(set(links["segment_id"]) | set(_context(claim)) & set(tables["segments"]["segment_id"]))
    if not names:
        return Result(NOT_TESTABLE, "no ministry linked to KSP", "the coding links KSP to no ministry", segs)
    if not other:
        return Result(SUPPORTED, evidence, "every printed name is the Ministry of Economy and Finance", segs)
    if fin:
        return Result(PARTLY, evidence, f"one ministry, but the papers print {len(names)} names, {len(other)} of them another ministry", segs)
    return Result(CONTRADICTED, evidence, "no printed name is the Ministry of Economy and Finance", segs)


def ksp_seoul_side_independent(tables, variant, claim) -> Result:
    ties = _independent(tables["ties"], claim)
    actors = tables["actors"].set_index("actor_id")
    seoul = ties[(ties["source"] == "seoul-city") & (ties["target"] == "ksp")
                 & ties["relation"].isin(["appointment", "funding", "part-of"])]
    seoul = pd.concat([seoul, ties[(ties["source"] == "ksp") & (ties["target"] == "seoul-city")
                                   & (ties["relation"] == "part-of")]])
    national = ties[(ties["target"] == "ksp") & (ties["relation"] == "appointment")
                    & (ties["source"].map(actors["level"]) == "national")]
    national = pd.concat([national, ties[(ties["source"] == "ksp") & (ties["relation"] == "part-of")
                                         & (ties["target"].map(actors["level"]) == "national")]])
    ksp_level = actors.loc["ksp", "level"] if "ksp" in actors.index else "?"
    on_seoul_side = len(seoul) > 0
    independent = len(national) == 0 and ksp_level != "national"
    evidence = (f"Seoul-government ties to KSP (other passages): {len(seoul)}; KSP part of / appointed by national "
                f"actors: {len(national)} ({', '.join(sorted(national['tie_id']))}); KSP level {ksp_level}")
    segs = sorted(set(seoul["segment_id"]) | set(national["segment_id"]))
    hits = on_seoul_side + independent
    if hits == 2:
        return Result(SUPPORTED, evidence, "KSP is tied to Seoul and to no national ministry", segs)
    if hits == 1:
        return Result(PARTLY, evidence, "only one of 'on Seoul's side' and 'independent' holds", segs)
    return Result(CONTRADICTED, evidence, "KSP is a national programme under the ministry (A p.575, B), not tied to the Seoul city government", segs)


def actor_roles_consistent(tables, variant, claim) -> Result:
    ties = tables["ties"]
    actors = _case_actors(tables).set_index("actor_id")
    lead = ties[(ties["relation"] == "leadership") & ties["source"].isin(actors.index) & ties["target"].isin(actors.index)]
    agree, disagree, dropped, rows = 0, 0, 0, []
    for t in lead.itertuples(index=False):
        r1, r2 = actors.loc[t.source, "role"], actors.loc[t.target, "role"]
        if "unclear" in (r1, r2):
            if variant.unclear == "drop":
                dropped += 1
                continue
            disagree += 1
        elif r1 == r2:
            agree += 1
        else:
            disagree += 1
        rows.append(f"{t.source} {r1} / {t.target} {r2}")
    internal = actors[actors["role"] == "internal"]["country"].value_counts().sort_index().to_dict()
    evidence = (f"leader/organisation pairs with the same role {agree} of {agree + disagree} "
                f"({'; '.join(rows)}); dropped {dropped}; internal actors by country: {_fmt_counts(internal)}")
    segs = sorted(set(lead["segment_id"]))
    if agree + disagree == 0:
        return Result(NOT_TESTABLE, evidence, "no leadership pair with known roles", segs)
    if disagree == 0:
        return Result(SUPPORTED, evidence, "every mayor has the role of the government he heads", segs)
    if agree:
        return Result(PARTLY, evidence, "the mayor of Seoul is internal but the government he heads is external", segs)
    return Result(CONTRADICTED, evidence, "no mayor shares the role of his government", segs)


_PRIMARY = re.compile(r"wawancara|informan|observasi peneliti|sekunder dan primer", re.IGNORECASE)


def method_literature_only(tables, variant, claim) -> Result:
    seg = tables["segments"]
    hits = seg[seg["quote"].str.contains(_PRIMARY)]
    hits = hits[hits["segment_id"].isin(_distinct(tables, sorted(hits["segment_id"])))]
    per = hits["paper"].value_counts().sort_index().to_dict()
    evidence = (f"passages reporting interviews, informants, the researchers' observation or primary sources: "
                + ", ".join(f"{key} {per.get(key, 0)}" for key in paper_ids()) + " ("
                + "; ".join(f"{_where(tables, s)}" for s in sorted(hits["segment_id"])) + ")")
    segs = sorted(hits["segment_id"])
    papers = claim["paper"]
    relevant = sum(per.get(p, 0) for p in papers)
    if relevant == 0:
        return Result(SUPPORTED, evidence, "no passage reports primary data", segs)
    return Result(CONTRADICTED, evidence, "the papers also report interviews, the researchers' observation or primary sources", segs)


def coercion_via_sci(tables, variant, claim) -> Result:
    ties = _independent(tables["ties"], claim)  # the claim's own membership sentence is not evidence
    member = ties[(ties["relation"] == "membership") & (ties["source"] == "bandung-city")
                  & (ties["target"] == "sister-city-international")]
    counts = _output_counts(tables, "transfer")
    unclear = counts.pop("unclear")
    coercion = counts["coercion"]
    base = sum(counts.values()) + (unclear if variant.unclear == "against" else 0)
    evidence = (f"membership tie: {len(member)}; transfer codes: {_fmt_counts(counts) or 'none'}, unclear {unclear} "
                f"({variant.unclear}); coercion {coercion} of {base}")
    po = tables["policy_outputs"]
    segs = sorted(set(member["segment_id"]) | set(po.loc[po["transfer"] == "coercion", "segment_id"]))
    if member.empty:
        return Result(CONTRADICTED, evidence, "no membership of SCI is coded", segs)
    if coercion:
        return Result(SUPPORTED, evidence, "membership, and outputs obtained by coercion", segs)
    return Result(PARTLY, evidence, "Bandung is an SCI member, but no output is coded as transferred by coercion", segs)


def single_sign_on(tables, variant, claim) -> Result:
    po = tables["policy_outputs"]
    sso = po[po["label"].str.contains(r"Single Sign On|\bSSO\b", case=False)]
    sign_in = po[po["label"].str.contains("Single Sign In", case=False)]
    statuses = sso["status"].tolist()
    evidence = (f"Single Sign On output(s): {len(sso)} (status {', '.join(statuses) or '-'}, dimension "
                f"{', '.join(sso['dimension']) or '-'}); 'Single Sign In' named inside {', '.join(sign_in['output_id']) or 'no output'} as a future plan")
    segs = sorted(set(sso["segment_id"]) | set(sign_in["segment_id"]))
    if sso.empty:
        return Result(NOT_TESTABLE, evidence, "no Single Sign On output coded", segs)
    if "implemented" in statuses:
        return Result(SUPPORTED, evidence, "coded as implemented", segs)
    if set(statuses) & {"planned", "proposed", "agreed"}:
        return Result(PARTLY, evidence, "urged by the mayor and planned ('Single Sign In', a future plan in B), not reported as in use", segs)
    if variant.unclear == "against":
        return Result(CONTRADICTED, evidence, "status unclear (counted against)", segs)
    return Result(NOT_TESTABLE, evidence, "status unclear", segs)


def businesses_korean(tables, variant, claim) -> Result:
    a = _case_actors(tables)
    biz = a[a["kind"].isin(["business", "bank"])]
    counts = biz["country"].value_counts().sort_index().to_dict()
    kr = counts.get("KR", 0)
    evidence = f"case business/bank actors by country: {_fmt_counts(counts) or 'none'} ({', '.join(sorted(biz['actor_id']))})"
    segs = sorted(set(biz["segment_id"]))
    if biz.empty:
        return Result(NOT_TESTABLE, evidence, "no business actor coded", segs)
    if kr > len(biz) / 2:
        return Result(SUPPORTED, evidence, f"{kr} of {len(biz)} business actors are Korean", segs)
    return Result(CONTRADICTED, evidence, f"only {kr} of {len(biz)} business actors are Korean", segs)


def seoul_policies_adopted(tables, variant, claim) -> Result:
    po = tables["policy_outputs"]
    modelled = po[po["seoul_model"] != ""]
    adopted = modelled[(modelled["diffusion"] != "unclear") & (modelled["status"] == "implemented")]
    evidence = (f"outputs with a Seoul model {len(modelled)} ({', '.join(modelled['output_id'])}); adopted "
                f"(diffusion coded) and implemented {len(adopted)} ({', '.join(adopted['output_id']) or 'none'})")
    segs = sorted(set(modelled["segment_id"]) | (set(_context(claim)) & set(tables["segments"]["segment_id"])))
    if len(adopted) >= 2:
        return Result(SUPPORTED, evidence, "several Seoul policies were adopted and implemented", segs)
    if len(adopted) == 1:
        return Result(PARTLY, evidence, "one Seoul policy was adopted; paper A itself says the influence cannot yet be assessed (p.575)", segs)
    return Result(CONTRADICTED, evidence, "no implemented output is coded as adopted from a Seoul model", segs)


def ksp_advises_indonesia(tables, variant, claim) -> Result:
    ties = tables["ties"]
    actors = tables["actors"].set_index("actor_id")
    national_id = set(actors[(actors["country"] == "ID") & (actors["level"] == "national")].index)
    all_ties = ties[(ties["source"] == "ksp") & ties["target"].isin(national_id)
                    & ties["relation"].isin(["advocacy", "consultation"])]
    other = _independent(all_ties, claim)
    evidence = f"KSP advocacy ties to the Indonesian national level: {len(all_ties)}, of which coded from other passages: {len(other)}"
    if len(other):
        return Result(SUPPORTED, evidence, "other passages show KSP advising the national government", sorted(set(other["segment_id"])))
    return Result(NOT_TESTABLE, evidence, "only the claim's own sentence speaks of it; the cited KSP reports are not in the text", sorted(set(all_ties["segment_id"])))


def ksp_six_steps(tables, variant, claim) -> Result:
    st = tables["stages"]
    steps = st[st["sequence"] == "ksp-six-steps"]
    ev = tables["events"]
    ev = ev[(ev["process"] == "ksp") & (ev["phase"] != "")]
    phases = ["preliminary", "launching", "policy-seminar", "interim", "final", "dissemination"]
    seen = [p for p in phases if (ev["phase"] == p).any()]
    missing = [p for p in phases if p not in seen]
    evidence = f"coded steps {len(steps)}; KSP events cover {len(seen)} of {len(phases)} phases (missing: {', '.join(missing) or 'none'})"
    segs = sorted(set(ev["segment_id"]))
    if len(seen) == len(phases) and len(steps) == len(phases):
        return Result(SUPPORTED, evidence, "every step has a recorded event", segs)
    if len(seen) >= len(phases) / 2:
        return Result(PARTLY, evidence, f"no event for {', '.join(missing)}; the bus consultation itself prints four phases", segs)
    return Result(CONTRADICTED, evidence, "most steps have no recorded event", segs)


FUNCTIONS = {f.__name__: f for f in (
    actor_ranking, diffusion_mix, copying_absent, mostly_combination, cikapundung_combination,
    ksp_most_active_bus, ksp_one_year, stage_count_consistent, six_implementation_stages,
    smart_lbeg_coverage, paradiplomacy_principles, sister_cities_count, lrt_agreement, posco_amount,
    lapi_appointed_2013, ministry_name, ksp_seoul_side_independent, actor_roles_consistent,
    method_literature_only, coercion_via_sci, single_sign_on, businesses_korean,
    seoul_policies_adopted, ksp_advises_indonesia, ksp_six_steps)}
"""Claim functions by name (the ``function`` column of ``claims.csv``)."""

INVOLVEMENT = frozenset({actor_ranking, ksp_most_active_bus})
"""The checks that measure involvement, and so count only the relation classes of the tie reading
(:func:`~compendium.analysis.claims.evidence.involvement_ties`); every other check sees all classes."""


# --------------------------------------------------------------------------------------------------
# Findings added by the sentence-by-sentence read of issue 12

def ksp_appointer_level(tables, variant, claim) -> Result:
    ties = _independent(tables["ties"], claim)
    actors = tables["actors"].set_index("actor_id")
    appoint = ties[(ties["target"] == "ksp") & (ties["relation"] == "appointment")]
    levels = [(t.source, actors.loc[t.source, "level"] if t.source in actors.index else "?") for t in appoint.itertuples()]
    sub = [a for a, lv in levels if lv == "subnational"]
    evidence = "appointers of KSP: " + (", ".join(f"{a} ({lv})" for a, lv in levels) or "none")
    segs = sorted(set(appoint["segment_id"]))
    if not levels:
        return Result(NOT_TESTABLE, evidence, "no other passage says who appointed KSP", segs)
    if len(sub) == len(levels):
        return Result(SUPPORTED, evidence, "every appointer of KSP is a subnational government", segs)
    if sub:
        return Result(PARTLY, evidence, f"{', '.join(sub)} but also national bodies appoint KSP", segs)
    return Result(CONTRADICTED, evidence, "KSP is appointed by national bodies, not by subnational governments", segs)


def governance_outcome(tables, variant, claim) -> Result:
    po = tables["policy_outputs"]
    gov = po[(po["dimension"] == "smart-government") & (po["status"] == "implemented")]
    tied = gov[(gov["seoul_model"] != "") | (gov["transfer"] != "unclear")]
    evidence = (f"implemented smart-government outputs {len(gov)} ({', '.join(gov['output_id']) or 'none'}); "
                f"tied to Seoul by a model or a transfer mechanism {len(tied)}")
    segs = sorted(set(gov["segment_id"]))
    if len(tied) >= 2:
        return Result(SUPPORTED, evidence, "several governance outputs came from the cooperation", segs)
    if len(tied) == 1:
        return Result(PARTLY, evidence, "one governance output is tied to the cooperation", segs)
    return Result(NOT_TESTABLE, evidence, "the papers tie no governance output to Seoul's advice and measure no "
                  "efficiency, so the effect cannot be read from the text", segs)


def _transfer(tables, variant, claim, mechanism: str) -> Result:
    counts = _output_counts(tables, "transfer")
    unclear = counts.pop("unclear")
    n = counts[mechanism]
    po = tables["policy_outputs"]
    evidence = f"outputs coded {mechanism} {n}; transfer codes {_fmt_counts(counts)}, unclear {unclear} ({variant.unclear})"
    segs = sorted(po.loc[po["transfer"] == mechanism, "segment_id"])
    if n >= MIN_CODED:
        return Result(SUPPORTED, evidence, f"{n} outputs came by {mechanism}", segs)
    if n:
        return Result(PARTLY, evidence, f"only {n} output(s) came by {mechanism}", segs)
    if variant.unclear == "against":
        return Result(CONTRADICTED, evidence, f"no output is coded {mechanism} (unclear counted against)", segs)
    return Result(NOT_TESTABLE, evidence, f"no output can be coded {mechanism} from the text", segs)


def transfer_learning(tables, variant, claim) -> Result:
    return _transfer(tables, variant, claim, "learning")


def transfer_competition(tables, variant, claim) -> Result:
    return _transfer(tables, variant, claim, "competition")


def consultant_influence(tables, variant, claim) -> Result:
    from compendium.analysis import network

    actors = tables["actors"].set_index("actor_id")
    consultants = set(actors.index[actors["kind"].isin(["consultant", "research-institute"])])
    bandung = set(actors.index[(actors["country"] == "ID") & actors["kind"].isin(["city-government", "city-agency", "person"])
                               & (actors["level"] == "subnational")])
    classes = network.relation_classes()
    ties = _independent(tables["ties"], claim)
    mine = ties[ties["source"].isin(consultants) & ties["target"].isin(bandung)]
    by_class = mine["relation"].map(classes).value_counts().sort_index().to_dict()
    evidence = "consultant ties to Bandung bodies by class: " + (_fmt_counts(by_class) or "none")
    segs = sorted(set(mine["segment_id"]))
    if by_class.get("authority"):
        return Result(CONTRADICTED, evidence, "a consultant holds authority over a Bandung body", segs)
    return Result(NOT_TESTABLE, evidence, "the consultants only advise; no passage describes how decisions were "
                  "taken, so their influence on them cannot be checked", segs)


def bandung_no_independent_advocate(tables, variant, claim) -> Result:
    ties = _independent(tables["ties"], claim)
    actors = tables["actors"].set_index("actor_id")
    gov = set(actors.index[actors["kind"].isin(["city-government", "city-agency", "national-government", "ministry"])])
    advisers = ties[(ties["target"] == "bandung-city") & ties["relation"].isin(["advocacy", "consultation"])]
    ids = sorted(a for a in set(advisers["source"]) if a in actors.index and actors.loc[a, "country"] == "ID" and a not in gov)
    tied = {a for a in ids if ((ties["source"] == a) & (ties["relation"] == "part-of")).any()
            or ((ties["target"] == a) & (ties["source"] == "bandung-city") & (ties["relation"] == "appointment")).any()}
    evidence = (f"Indonesian non-government advisers of Bandung: {', '.join(ids) or 'none'}; affiliated to another "
                f"body or appointed by Bandung: {', '.join(sorted(tied)) or 'none'}")
    segs = sorted(set(advisers[advisers["source"].isin(ids)]["segment_id"]))
    if not ids:
        return Result(NOT_TESTABLE, evidence, "no Indonesian adviser is coded apart from the claim", segs)
    if len(tied) == len(ids):
        return Result(SUPPORTED, evidence, "Bandung's only advisers belong to another body or were appointed by it", segs)
    if tied:
        return Result(PARTLY, evidence, "some Indonesian advisers are independent of Bandung", segs)
    return Result(CONTRADICTED, evidence, "Bandung had independent Indonesian advisers", segs)


FUNCTIONS.update({f.__name__: f for f in (
    ksp_appointer_level, governance_outcome, transfer_learning, transfer_competition, consultant_influence,
    bandung_no_independent_advocate)})


def go_between_bridges(tables, variant, claim) -> Result:
    actors = tables["actors"].set_index("actor_id")
    named = sorted(actors.index[actors["segment_id"].isin(_own(claim)) & (actors["role"] == "go-between")])
    ties = _independent(tables["ties"], claim)
    # every named actor's partners in one pass over the ties (a scan of all ties per actor grew with
    # the square of the coding: benchmarks/growth.py)
    partners: dict[str, set] = {a: set() for a in named}
    for source, target in zip(ties["source"], ties["target"]):
        if source in partners:
            partners[source].add(target)
        if target in partners:
            partners[target].add(source)
    rows, bridges = [], []
    for a in named:
        sides = {actors.loc[o, "country"] for o in partners[a] - {a} if o in actors.index}
        ok = {"ID", "KR"} <= sides
        bridges += [a] if ok else []
        rows.append(f"{a} ({'/'.join(sorted(sides)) or 'no ties'})")
    evidence = f"go-between actors named: {len(named)}; tied to both sides by other passages: {len(bridges)} ({'; '.join(rows)})"
    segs = sorted(set(ties[ties["source"].isin(named) | ties["target"].isin(named)]["segment_id"]))
    if not named:
        return Result(NOT_TESTABLE, evidence, "no actor is coded from the go-between sentences", segs)
    if len(bridges) == len(named):
        return Result(SUPPORTED, evidence, "every go-between actor links the Indonesian and the Korean side", segs)
    if bridges:
        lone = ", ".join(a for a in named if a not in bridges)
        return Result(PARTLY, evidence, f"{lone}: tied to one side only outside the go-between sentences", segs)
    return Result(CONTRADICTED, evidence, "no go-between actor links the two sides in the other passages", segs)


def corroborated_elsewhere(tables, variant, claim) -> Result:
    """A finding the papers state but do not measure: do other passages speak of it at all? The terms
    are the ``/regex/`` in the claim's operationalisation."""
    m = re.search(r"/(.+?)/", claim["operationalisation"])
    if not m:
        raise ValueError(f"claim {claim['claim_id']}: operationalisation names no /regex/ of terms")
    terms = re.compile(m.group(1), re.IGNORECASE)
    seg = tables["segments"]
    own_quotes = [_quote(tables, s) for s in _own(claim)]
    other = [s for s, q in zip(seg["segment_id"], seg["quote"]) if s not in _own(claim) and terms.search(q)
             and not any(q in o or o in q for o in own_quotes)]
    other = _distinct(tables, other)
    evidence = (f"other passages on the same terms: {len(other)}"
                + (f" ({', '.join(_where(tables, s) for s in other)})" if other else ""))
    if other:
        return Result(PARTLY, evidence, "other passages describe it, but nothing in the text measures it", other)
    return Result(NOT_TESTABLE, evidence, "only the claim's own sentences (and their repetition in the other paper) speak of it", [])


FUNCTIONS.update({f.__name__: f for f in (go_between_bridges, corroborated_elsewhere)})
