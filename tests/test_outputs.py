"""compendium.analysis.outputs on small hand-made tables whose answers are known."""

from __future__ import annotations

import pandas as pd
import pytest

from compendium.analysis import outputs as po
from compendium.render import markdown


def outputs_frame():
    cols = ["output_id", "label", "label_en", "dimension", "tabel2_no", "diffusion", "transfer",
            "seoul_model", "status", "year", "actors", "segment_id", "evidence", "rationale", "reconstruction"]
    rows = [
        ("river", "Revitalisasi Sungai", "River revitalisation", "smart-environment", 2, "combination",
         "unclear", "Cheonggyecheon", "implemented", "", ["bandung-city", "ksp"], "b-river",
         ["b-river-combination", "a-river"], "Output differs from the input (b-river-combination, a-river).", ""),
        ("wifi", "Wi-Fi Taman", "Park Wi-Fi", "smart-government", 1, "unclear", "unclear", "",
         "implemented", "", ["bandung-city"], "b-wifi", [], "No Seoul model named.", ""),
        ("little", "Little Seoul", "Little Seoul", "smart-branding", 3, "emulation", "learning", "",
         "agreed", "2017", ["bandung-city", "seoul-city"], "b-little", [], "Mutual will (b-little).", ""),
        ("bus", "Bus reform", "Bus reform", "unclear", None, "unclear", "competition", "", "proposed",
         "2017", ["ksp"], "b-bus", [], "Bandung asked (b-bus).", "year from the report"),
    ]
    frame = pd.DataFrame([dict(zip(cols, r)) for r in rows], columns=cols)
    frame["tabel2_no"] = pd.array(frame["tabel2_no"], dtype="Int64")
    return frame


def segments_frame():
    return pd.DataFrame({
        "segment_id": ["b-river", "b-river-combination", "a-river", "b-wifi", "b-little", "b-bus",
                       "a-copy"],
        "paper": ["B", "B", "A", "B", "B", "B", "A"],
        "section": ["results"] * 7,
        "page": pd.array([None, None, 576, None, None, None, 575], dtype="Int64"),
        "quote": ["Revitalisasi Sungai Cikapundung", "memiliki luaran berbeda dari rumusan",
                  "memiliki output berbeda dari rumusan", "Wi-Fi", "sepakat untuk membangun",
                  "meminta advokasi kebijakan", "proses copying, tidak benar-benar terjadi"],
    })


def test_crosstab_has_every_category_in_order_and_margins():
    t = po.crosstab(outputs_frame(), "dimension", "diffusion")
    assert list(t.index) == list(po.DIMENSIONS) + ["Total"]
    assert list(t.columns) == list(po.DIFFUSION) + ["Total"]
    assert t.loc["smart-environment", "combination"] == 1
    assert t.loc["smart-branding", "emulation"] == 1
    assert t.loc["smart-living", "Total"] == 0
    assert t.loc["Total", "unclear"] == 2 and t.loc["Total", "Total"] == 4
    t2 = po.crosstab(outputs_frame(), "diffusion", "transfer", margins=False)
    assert t2.loc["unclear", "competition"] == 1 and t2.values.sum() == 4


def test_category_counts_are_the_crosstabs_margins():
    frame = outputs_frame()
    for column, other in (("dimension", "diffusion"), ("diffusion", "transfer"), ("transfer", "status")):
        margin = po.crosstab(frame, column, other)["Total"].drop("Total")
        assert po.category_counts(frame, column) == {str(k): int(v) for k, v in margin.items()}
    assert list(po.category_counts(frame, "diffusion")) == list(po.DIFFUSION)  # zeros included, in order
    frame.loc[0, "transfer"] = "bribery"
    with pytest.raises(ValueError, match="bribery"):
        po.category_counts(frame, "transfer")


def test_crosstab_rejects_values_outside_the_scheme():
    frame = outputs_frame()
    frame.loc[0, "diffusion"] = "borrowing"
    with pytest.raises(ValueError, match="borrowing"):
        po.crosstab(frame)


def test_crosstab3_lists_only_occurring_pairs():
    t = po.crosstab3(outputs_frame())
    assert list(t.columns) == ["emulation / learning", "combination / unclear", "unclear / competition",
                               "unclear / unclear", "Total"]
    assert t.loc["smart-environment", "combination / unclear"] == 1
    assert t.loc["unclear", "unclear / competition"] == 1
    assert t.loc["Total", "Total"] == 4
    labelled = po.with_dimension_labels(t)
    assert labelled.loc["smart-government", "dimensi_kerjasama"] == "Smart Government"


def test_tally_and_evidence_trace_each_code():
    o, s = outputs_frame(), segments_frame()
    tally = po.diffusion_tally(o).set_index("diffusion")
    assert tally.loc["copying", "outputs"] == 0
    assert tally.loc["combination", "output_ids"] == "river"
    assert tally.loc["unclear", "outputs"] == 2 and tally.loc["unclear", "of_which_tabel2"] == 1
    assert tally.loc["Total", "outputs"] == 4
    ev = po.diffusion_evidence(o, s)
    # Tabel 2 order: government, branding, environment; then the others
    assert list(ev["output_id"]) == ["wifi", "little", "river", "bus"]
    river = ev.set_index("output_id").loc["river"]
    assert river["evidence"] == "[b-river] (B, results) Revitalisasi Sungai Cikapundung"
    assert river["cited_quotes"] == ("[b-river-combination] (B, results) memiliki luaran berbeda dari "
                                     "rumusan | [a-river] (A p. 576, results) memiliki output berbeda "
                                     "dari rumusan")
    only = po.diffusion_evidence(o, s, codes=["combination", "emulation"])
    assert list(only["output_id"]) == ["little", "river"]



def test_statements_find_the_diffusion_words():
    st = po.diffusion_statements(segments_frame())
    assert list(st["segment_id"]) == ["a-copy", "a-river", "b-river-combination"]
    assert list(st["page"]) == ["575", "576", ""]
    assert st.set_index("segment_id").loc["a-river", "terms"] == "output berbeda"


def test_seoul_models_and_actor_names():
    actors = pd.DataFrame({"actor_id": ["bandung-city", "ksp", "seoul-city"],
                           "name_en": ["Bandung", "KSP", "Seoul"]})
    m = po.seoul_models(outputs_frame(), actors).set_index("output_id")
    assert m.loc["river", "seoul_model"] == "Cheonggyecheon" and m.loc["river", "has_seoul_model"]
    assert m.loc["wifi", "seoul_model"] == "" and not m.loc["wifi", "has_seoul_model"]
    assert m.loc["river", "actors_en"] == "Bandung; KSP"
    assert m.loc["bus", "tabel2_no"] == ""


def test_decimal_years():
    assert po.decimal_year("2017") == 2017.0
    assert po.decimal_year("2017", end=True) == 2018.0
    assert po.decimal_year("2017-10") == pytest.approx(2017.75)
    assert po.decimal_year("2017-10", end=True) == pytest.approx(2017 + 10 / 12)
    assert po.decimal_year("2017-01-01") == 2017.0
    assert po.decimal_year("2016-12-31", end=True) == pytest.approx(2017.0)
    assert po.decimal_year("") is None and po.decimal_year(None) is None
    with pytest.raises(ValueError):
        po.decimal_year("October 2017")
    assert [po.date_precision(v) for v in ("2017", "2017-10", "2017-10-16", "")] == [
        "year", "month", "day", ""]


def test_timeline_table_orders_and_marks_dates():
    events = pd.DataFrame({
        "event_id": ["law", "launch", "visit", "span"],
        "name": ["UU 2004", "Launching", "Kunjungan", "Kerjasama"],
        "name_en": ["Law 2004", "Launch", "Visit", "Cooperation"],
        "date_start": ["2004", "2017-10-16", "", "2016"],
        "date_end": ["", "2017-10-19", "", "2019"],
        "date_note": ["", "", "no date printed", ""],
        "process": ["other", "ksp", "sister-city", "sister-city"],
    })
    t = po.timeline_table(outputs_frame(), events, window=(2013, 2019))
    # dated by start; then undated by lane ("policy output" < "sister-city") and id
    assert list(t["id"]) == ["law", "span", "bus", "little", "launch", "river", "wifi", "visit"]
    row = t.set_index("id")
    assert row.loc["span", "end"] == 2020.0 and row.loc["span", "in_window"]
    assert not row.loc["law", "in_window"] and row.loc["law", "dated"]
    assert row.loc["bus", "kind"] == "output" and row.loc["bus", "start"] == 2017.0
    assert row.loc["launch", "precision"] == "day"
    assert not row.loc["visit", "dated"] and row.loc["visit", "note"] == "no date printed"
    assert pd.isna(row.loc["river", "start"])


def test_markdown_escapes_and_is_stable():
    frame = pd.DataFrame({"a": ["x|y", "line\nbreak"], "b": [1.23456, float("nan")]})
    md = markdown.dataframe(frame)
    assert md == "| a | b |\n|---|---|\n| x\\|y | 1.235 |\n| line break |  |\n"
    assert markdown.dataframe(frame) == md
