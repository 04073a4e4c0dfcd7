"""Writing tables and figures safely and reproducibly.

Every artefact goes through :func:`write_bytes`, which

* refuses to write under ``data/raw/`` (raw data is read-only to the pipeline);
* writes to a temporary file and renames it, so a reader never sees half a file;
* during ``compendium build`` writes into the build's staging folder instead
  (``COMPENDIUM_STAGE_DIR``) and logs the file, so that the build moves a notebook's artefacts into
  place only once the whole notebook has succeeded -- a failing notebook changes nothing.

Figures are saved without dates or random ids (fixed SVG hash salt, no PNG/SVG/PDF date metadata) so
two builds of the same inputs give byte-identical files.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

from compendium.paths import project_root

STAGE_ENV = "COMPENDIUM_STAGE_DIR"
LOG_ENV = "COMPENDIUM_ARTEFACT_LOG"


class RawDataWriteError(PermissionError):
    """Raised when code tries to write under data/raw/."""


def _guard(path: Path) -> Path:
    path = Path(path).resolve()
    raw = (project_root() / "data" / "raw").resolve()
    if path == raw or raw in path.parents:
        raise RawDataWriteError(f"refusing to write {path}: data/raw/ is read-only to the pipeline")
    return path


def atomic_write(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename."""
    path = _guard(Path(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _display_path(path: Path) -> Path:
    """The path relative to the project root where possible, so notebook outputs that show it are
    the same on every clone."""
    try:
        return path.relative_to(project_root().resolve())
    except ValueError:
        return path


def write_bytes(path: Path | str, data: bytes) -> Path:
    """Write an artefact (staged during a build, see module doc). Returns its path, relative to the
    project root when it lies inside the project."""
    final = _guard(Path(path))
    stage = os.environ.get(STAGE_ENV)
    if stage:
        try:
            rel = final.relative_to(project_root().resolve())
        except ValueError:
            rel = Path("_outside") / final.name
        atomic_write(Path(stage) / rel, data)
    else:
        atomic_write(final, data)
    log = os.environ.get(LOG_ENV)
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"{final}\n")
    return _display_path(final)


def write_text(path: Path | str, text: str) -> Path:
    if not text.endswith("\n"):
        text += "\n"
    return write_bytes(path, text.encode("utf-8"))


def write_csv(frame, path: Path | str, index: bool = False) -> Path:
    """A pandas DataFrame as UTF-8 CSV with ``\\n`` line ends."""
    return write_text(path, frame.to_csv(index=index, lineterminator="\n"))


def configure_matplotlib() -> None:
    """Settings that make figures reproducible and readable; call before drawing."""
    import matplotlib

    matplotlib.rcParams.update(
        {
            "svg.hashsalt": "sister-city-compendium",
            "svg.fonttype": "path",
            "pdf.fonttype": 42,
            "font.family": "DejaVu Sans",
            "font.size": 10,
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "savefig.bbox": "tight",
        }
    )


_NO_DATES = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
}


def figure_bytes(fig, formats: tuple[str, ...] = ("png", "svg")) -> dict[str, bytes]:
    """``fig`` rendered in each format, cropped to its content, with no dates in the metadata.

    The figure is laid out and measured once for all formats (``savefig(bbox_inches="tight")`` would
    draw it twice per format)."""
    import matplotlib

    configure_matplotlib()  # among its settings, the fixed SVG hash salt
    fig.draw_without_rendering()
    # Freeze the layout just computed: a layout engine (constrained, tight) would run again at the
    # saving resolution, move the labels, and the crop measured here would cut them off.
    if fig.get_layout_engine() is not None:
        fig.set_layout_engine("none")
    bbox = fig.get_tightbbox().padded(matplotlib.rcParams["savefig.pad_inches"])
    out = {}
    for fmt in formats:
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, metadata=_NO_DATES.get(fmt), bbox_inches=bbox)
        out[fmt] = buf.getvalue()
    return out


def figure_alt_text(fig) -> str:
    """A figure's alt text when none is given: its title(s) (suptitle, then each panel's title)."""
    titles = [fig.get_suptitle()]
    titles += [ax.get_title(loc) for ax in fig.axes for loc in ("left", "center", "right")]
    return " / ".join(t.replace("\n", " ") for t in titles if t.strip()) or "figure"


def save_figure(fig, stem: Path | str, formats: tuple[str, ...] = ("png", "svg"),
                show: bool = True, alt: str | None = None) -> list[Path]:
    """Save ``fig`` as ``stem.png``, ``stem.svg`` … (:func:`figure_bytes`); returns the paths.

    In a notebook (``show``), the saved PNG itself is shown, with ``alt`` as its alt text (default:
    the figure's titles, :func:`figure_alt_text`), and the figure is closed, so the notebook shows
    exactly the file and matplotlib does not draw the figure yet again."""
    import matplotlib

    from compendium.render.notebook import SavedFiles, image

    show = show and _in_notebook()
    files = figure_bytes(fig, tuple(dict.fromkeys((*formats, "png"))) if show else formats)
    paths = SavedFiles(write_bytes(Path(f"{stem}.{fmt}"), files[fmt]) for fmt in formats)
    if show:
        import matplotlib.pyplot as plt
        from IPython.display import display

        # Shown at the size the figure has on screen (figure.dpi), sharp on high-resolution screens.
        scale = fig.get_dpi() / matplotlib.rcParams["savefig.dpi"]
        display(image(files["png"], round(_png_width(files["png"]) * scale), alt or figure_alt_text(fig)))
        plt.close(fig)
    return paths


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def _png_width(png: bytes) -> int:
    """The width in pixels, from the PNG header (IHDR)."""
    return int.from_bytes(png[16:20], "big")
