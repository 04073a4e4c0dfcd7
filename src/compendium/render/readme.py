"""The README's generated blocks: the list of tables and figures (:mod:`compendium.render.registry`) and the
results at a glance (:mod:`compendium.render.results`), each between a pair of HTML-comment markers.

``compendium readme`` rewrites both; ``compendium readme --check`` (and a test) fails while either is
stale. Nothing outside the markers is touched.
"""

from __future__ import annotations

from pathlib import Path

ARTEFACTS = ("<!-- artefacts:start -->", "<!-- artefacts:end -->")
RESULTS = ("<!-- results:start -->", "<!-- results:end -->")


def block(path: Path | str, markers: tuple[str, str]) -> str:
    """The text between the markers (raises ValueError if they are missing or out of order)."""
    start, end = markers
    text = Path(path).read_text(encoding="utf-8")
    if start not in text or end not in text or text.index(start) > text.index(end):
        raise ValueError(f"{path}: no '{start}' … '{end}' block")
    return text[text.index(start) + len(start): text.index(end)].strip("\n")


def replace_block(path: Path | str, markers: tuple[str, str], body: str) -> bool:
    """Put ``body`` between the markers; True if the file changed."""
    from compendium.render.artefacts import atomic_write

    path = Path(path)
    block(path, markers)  # checks the markers
    start, end = markers
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    new = f"{head}{start}\n{body}\n{end}{tail}"
    if new == text:
        return False
    atomic_write(path, new.encode("utf-8"))
    return True


def generated_blocks(data_dir: Path | str | None = None) -> dict[tuple[str, str], str]:
    from compendium.render import registry, results

    return {ARTEFACTS: registry.render_markdown(), RESULTS: results.results_markdown(data_dir)}


def stale_blocks(path: Path | str | None = None) -> list[str]:
    """The markers of every generated block whose text differs from what the data give today."""
    path = Path(path) if path else _default()
    return [m[0] for m, body in generated_blocks().items() if block(path, m) != body]


def update(path: Path | str | None = None) -> bool:
    """Rewrite every generated block; True if the README changed."""
    path = Path(path) if path else _default()
    changed = [replace_block(path, m, body) for m, body in generated_blocks().items()]
    return any(changed)


def _default() -> Path:
    from compendium.paths import project_root

    return project_root() / "README.md"
