"""The redrawn figures: every label drawn comes from the data, every data item is drawn, nothing overlaps
or is clipped, and the captions carry the source line and the reconstruction notes."""

from __future__ import annotations

import pytest

from compendium import coding
from compendium.render import figures, registry


@pytest.fixture(scope="module")
def data():
    return coding.load()


@pytest.fixture(scope="module")
def reg():
    return registry.load()


def _kw(reg, aid):
    m = reg[aid]
    return dict(caption=m["caption_id"], caption_en=m["caption_en"], source=m["source_line"],
                note=m["reconstruction"])


def _dates(start, end):
    return f"{start} – {end}" if start and end and end != start else start


def expected_items(data, aid) -> dict[tuple[str, str, str], str]:
    """(table, row id, field) -> text, computed from the coding (not from the figure module)."""
    stages, events = data["stages"], data["events"].set_index("event_id")
    items = {}

    def seq(name, fields):
        for r in stages[stages["sequence"] == name].itertuples(index=False):
            for f in fields:
                value = _dates(r.date_start, r.date_end) if f == "dates" else getattr(r, f)
                if f == "number":
                    value = str(int(value))
                if value:
                    items[("stages", r.stage_id, f)] = value

    if aid == "A-Bagan-1":
        seq("sci-stages", ["number", "label", "label_en"])
    elif aid == "B-Bagan-1":
        seq("bandung-seoul-implementation", ["number", "label", "label_en"])
    elif aid == "B-Gambar-1":
        seq("ksp-phases", ["number", "label", "label_en"])
        seq("bus-consultation", ["number", "label", "dates", "venue"])
        seq("ksp-six-steps", ["number", "label", "label_en", "venue"])
        final = events.loc["ksp-final-session-2019"]
        items[("events", "ksp-final-session-2019", "name")] = final["name"]
        items[("events", "ksp-final-session-2019", "dates")] = _dates(final["date_start"], final["date_end"])
        items[("events", "ksp-final-session-2019", "venue")] = final["venue"]
        period = events.loc["ksp-bus-consultation-2017-2018"]
        items[("events", "ksp-bus-consultation-2017-2018", "name")] = period["name"]
        items[("events", "ksp-bus-consultation-2017-2018", "date_note")] = period["date_note"]
    return {k: " ".join(v.split()) for k, v in items.items()}


def build(data, reg, aid, stages=None):
    stages = data["stages"] if stages is None else stages
    if aid == "A-Bagan-1":
        return figures.sister_city_stages(stages, **_kw(reg, aid))
    if aid == "B-Bagan-1":
        return figures.implementation_stages(stages, **_kw(reg, aid))
    return figures.ksp_policy_transfer(stages, data["events"], **_kw(reg, aid))


FIGURES = ["A-Bagan-1", "B-Gambar-1", "B-Bagan-1"]


@pytest.mark.parametrize("aid", FIGURES)
def test_every_label_comes_from_the_data_and_every_item_is_drawn(data, reg, aid):
    fig = build(data, reg, aid)
    expected = expected_items(data, aid)
    drawn = {}
    for table, row, fld, text in figures.data_labels(fig):
        assert (table, row, fld) not in drawn, f"{table}:{row}:{fld} drawn twice"
        drawn[(table, row, fld)] = text
    invented = {k: v for k, v in drawn.items() if k not in expected}
    assert not invented, f"labels drawn that are not data items of this figure: {invented}"
    wrong = {k: (expected[k], v) for k, v in drawn.items() if expected[k] != v}
    assert not wrong, f"labels that differ from the data (expected, drawn): {wrong}"
    missing = sorted(set(expected) - set(drawn))
    assert not missing, f"data items not drawn: {missing}"


@pytest.mark.parametrize("aid", FIGURES)
def test_every_text_is_a_data_label_or_declared_furniture(data, reg, aid):
    fig = build(data, reg, aid)
    kinds = {"caption", "heading", "axis", "legend"}
    for gid, text in figures.drawn_texts(fig):
        # a marker says that the label below it is not printed (checked against label_basis below)
        assert gid.startswith(("label:", "marker:")) or gid in kinds, f"undeclared text {text!r} (gid {gid!r})"
        if gid == "axis":
            assert text.isdigit() and len(text) == 4, text


@pytest.mark.parametrize("aid", FIGURES)
def test_nothing_overlaps_or_is_clipped_at_page_width(data, reg, aid):
    fig = build(data, reg, aid)
    assert abs(fig.get_size_inches()[0] * 2.54 - 16) < 0.01
    assert figures.layout_problems(fig) == []


@pytest.mark.parametrize("aid", FIGURES)
def test_caption_carries_title_source_and_reconstruction_note(data, reg, aid):
    fig = build(data, reg, aid)
    caption = " ".join(t for gid, t in figures.drawn_texts(fig) if gid == "caption")
    meta = reg[aid]
    assert meta["caption_id"] in caption
    assert meta["source_line"] in caption
    assert "reconstruction" in caption.lower()
    assert " ".join(meta["reconstruction"].split()) in caption


def test_a_bagan_1_notes_the_five_versus_six_contradiction(data, reg):
    caption = " ".join(t for gid, t in figures.drawn_texts(build(data, reg, "A-Bagan-1")) if gid == "caption")
    assert "lima tahapan" in caption and "enam tahapan" in caption
    assert "Sister Cities, 2019" in caption


def test_b_gambar_1_shows_the_2019_session_outside_the_2017_2018_span(data, reg):
    labels = {(t, r, f): x for t, r, f, x in figures.data_labels(build(data, reg, "B-Gambar-1"))}
    assert labels[("events", "ksp-final-session-2019", "dates")] == "2019-05-06 – 2019-05-09"
    assert "2017-2018" in labels[("events", "ksp-bus-consultation-2017-2018", "date_note")]


def test_a_changed_label_in_the_data_is_what_gets_drawn(data, reg):
    """The label check can fail: a figure drawn from altered data no longer matches the coding."""
    stages = data["stages"].copy()
    i = stages.index[stages["stage_id"] == "bsi-5-student-exchange"][0]
    stages.loc[i, "label"] = "Pertukaran pelajar dan mahasiswa"
    drawn = {(t, r, f): x for t, r, f, x in figures.data_labels(build(data, reg, "B-Bagan-1", stages))}
    assert drawn[("stages", "bsi-5-student-exchange", "label")] == "Pertukaran pelajar dan mahasiswa"
    assert drawn != {k: v for k, v in expected_items(data, "B-Bagan-1").items()}


def test_layout_check_detects_overlap():
    from matplotlib.figure import Figure
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure(figsize=(3, 2))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.text(0.1, 0.5, "overlapping text", gid="caption")
    ax.text(0.12, 0.5, "overlapping text", gid="caption")
    ax.text(0.9, 0.5, "clipped at the right edge", gid="caption")
    problems = figures.layout_problems(fig)
    assert any("overlaps" in p for p in problems)
    assert any("clipped" in p for p in problems)


@pytest.mark.parametrize("aid, sequence", [("A-Bagan-1", "sci-stages"), ("B-Bagan-1", "bandung-seoul-implementation")])
def test_every_label_the_paper_does_not_print_is_marked_on_the_figure(data, reg, aid, sequence):
    texts = dict(figures.drawn_texts(build(data, reg, aid)))
    stages = data["stages"][data["stages"]["sequence"] == sequence]
    for r in stages.itertuples(index=False):
        marker = texts.get(f"marker:stages:{r.stage_id}")
        if r.label_basis == "printed":
            assert marker is None, f"{r.stage_id}: a printed label is marked"
        else:
            assert marker == " ".join(figures.LABEL_MARKERS[r.label_basis].split()), f"{r.stage_id}: unmarked"
    assert (stages["label_basis"] == "coder").any()


def test_a_bagan_1_source_line_does_not_vouch_for_guessed_boxes(data, reg):
    caption = " ".join(t for gid, t in figures.drawn_texts(build(data, reg, "A-Bagan-1")) if gid == "caption")
    assert "Sumber: (Sister Cities, 2019)" in caption
    assert "marked labels are not from it" in caption
    stages = data["stages"].set_index("stage_id")
    assert stages.loc["sci-stage-1-planning", "label_basis"] == "other-paper"   # paper B's 'Proses Perencanaan'
    later = [s for s in stages.index if s.startswith("sci-stage-") and not s.startswith("sci-stage-1")]
    assert len(later) == 4 and set(stages.loc[later, "label_basis"]) == {"coder"}


def test_a_printed_sequence_keeps_its_source_line_as_printed(data, reg):
    stages = data["stages"].copy()
    stages.loc[stages["sequence"] == "sci-stages", "label_basis"] = "printed"
    caption = " ".join(t for gid, t in figures.drawn_texts(build(data, reg, "A-Bagan-1", stages)) if gid == "caption")
    assert "marked labels are not from it" not in caption
