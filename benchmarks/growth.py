"""Synthetic codings 10×, 100×, 1000× the real one, and the analysis stages timed on each (``make bench``).

    .venv/bin/python benchmarks/growth.py [--sizes 1 10 100 1000]    # prints Markdown lines

How a synthetic coding is made (:func:`make_coding`): the real ``data/`` folder is copied and its coded
cases -- actors, ties, events and policy outputs -- repeated ``factor`` times. Copy ``k`` gets new ids
(``<id>-g<k>``; ties, events and outputs point at copy ``k``'s actors) and keeps every quote: its rows cite
the real segments, so every row still has a verbatim quote behind it and validation checks the same
things as on the real data. Tabel 2 numbers are moved past the real ones (one output per number and
dimension), and each copy's Bandung city government gets a ``partnership`` tie to the real one, so the
copies form one connected network, as a growing case file would, rather than ``factor`` islands (which
would flatter betweenness). Claims, segments, the second coder and the papers are left as they are.

Each size runs in its own process (its peak memory is then its own): validation, loading, the network
and each of its five measures, the cross-tabulations, the claims ledger. Work files go to
``benchmarks/_work/`` (git-ignored); nothing under ``data/`` is touched.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "_work" / "growth"
CODED = "raw/coded"
#: The coded tables that grow, and their columns that hold actor ids (one, or a ``;``-list).
GROWING = {"actors.csv": (), "ties.csv": ("source", "target"), "events.csv": ("actors",),
           "policy_outputs.csv": ("actors",)}
ID_COLUMN = {"actors.csv": "actor_id", "ties.csv": "tie_id", "events.csv": "event_id",
             "policy_outputs.csv": "output_id"}
HUB = "bandung-city"  # each copy's city government is tied to the real one


def _read(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _copy_row(name: str, row: dict, k: int, actors: set[str], shift: int) -> dict:
    new = dict(row)
    new[ID_COLUMN[name]] = f"{row[ID_COLUMN[name]]}-g{k}"
    for col in GROWING[name]:
        new[col] = ";".join(f"{a}-g{k}" if a in actors else a for a in row[col].split(";")) if row[col] else ""
    if name == "policy_outputs.csv" and row.get("tabel2_no"):
        new["tabel2_no"] = str(int(row["tabel2_no"]) + shift * k)
    return new


def make_coding(factor: int, dest: Path, source: Path = ROOT / "data") -> dict[str, int]:
    """Write a ``factor`` × coding into ``dest`` (a data folder); returns the rows per grown table."""
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(source, dest)
    tables = {name: _read(source / CODED / name) for name in GROWING}
    actors = {row["actor_id"] for row in tables["actors.csv"][1]}
    shift = max(int(r["tabel2_no"]) for r in tables["policy_outputs.csv"][1] if r["tabel2_no"]) + 1
    counts = {}
    for name, (header, rows) in tables.items():
        grown = list(rows)
        for k in range(1, factor):
            grown += [_copy_row(name, row, k, actors, shift) for row in rows]
        if name == "ties.csv" and factor > 1:
            hub_segment = next(r["segment_id"] for r in tables["actors.csv"][1] if r["actor_id"] == HUB)
            grown += [{**{c: "" for c in header}, "tie_id": f"link-g{k}", "source": f"{HUB}-g{k}",
                       "target": HUB, "relation": "partnership", "directed": "false",
                       "segment_id": hub_segment, "basis": "inferred",
                       "reconstruction": "Synthetic (benchmark only): links a copy of the case to the real one."}
                      for k in range(1, factor)]
        _write(dest / CODED / name, header, grown)
        counts[name] = len(grown)
    return counts


def _timed(results: dict, stage: str, fn, *args, **kwargs):
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    results[stage] = time.perf_counter() - start
    return value


def run_stages(data: Path, warm_up: Path | None = ROOT / "data") -> dict:
    """The analysis stages on one data folder, in this process; seconds per stage and peak memory.
    Every stage runs once on ``warm_up`` (the real coding) first, so that imports and first-call
    caches are not counted as work on the grown data."""
    if warm_up is not None:
        run_stages(warm_up, warm_up=None)
    from compendium import coding
    from compendium.analysis import network, outputs
    from compendium.analysis.claims import ledger
    from compendium.analysis.claims.evidence import load_tables

    t: dict[str, float] = {}
    problems = _timed(t, "validation", coding.validate_dir, data)
    assert not problems, problems[:5]
    frames = _timed(t, "loading", coding.load, data)
    G = _timed(t, "network (multigraph + collapse)",
               lambda: network.collapse(network.build_multigraph(frames["actors"], frames["ties"])))
    for m in network.MEASURES:
        _timed(t, f"measure: {m}", network.MEASURES[m], G)
    _timed(t, "cross-tabulations (2-way + 3-way)",
           lambda: (outputs.crosstab(frames["policy_outputs"]), outputs.crosstab3(frames["policy_outputs"])))
    tables = _timed(t, "claims: loading", load_tables, data)
    _timed(t, "claims ledger", ledger.evaluate, tables=tables)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"seconds": t, "peak_mib": peak, "actors": len(frames["actors"]), "ties": len(frames["ties"]),
            "outputs": len(frames["policy_outputs"])}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100, 1000])
    ap.add_argument("--stages", help=argparse.SUPPRESS)  # internal: run the stages on this folder
    args = ap.parse_args()
    if args.stages:
        print(json.dumps(run_stages(Path(args.stages))))
        return 0
    rows = {}
    for factor in args.sizes:
        dest = WORK / f"x{factor}" / "data"
        make_coding(factor, dest)
        done = subprocess.run([sys.executable, __file__, "--stages", str(dest)], capture_output=True,
                              text=True, check=True)
        rows[factor] = json.loads(done.stdout.splitlines()[-1])
    print(growth_table(rows))
    return 0


def growth_table(rows: dict[int, dict]) -> str:
    sizes = sorted(rows)
    lines = ["## Growth: the analysis on synthetic codings", "",
             "Seconds per stage, each size in its own process (benchmarks/growth.py). "
             "Growth = time at this size ÷ time at the previous size ÷ the size ratio "
             "(1.0 is linear; above 1 grows faster than the data).", "",
             "| stage | " + " | ".join(f"{s}×" for s in sizes) + " | growth, last step |",
             "|---|" + "---|" * (len(sizes) + 1)]
    for what in ("actors", "ties", "outputs"):
        lines.append(f"| rows: {what} | " + " | ".join(str(rows[s][what]) for s in sizes) + " | — |")
    total = {s: 0.0 for s in sizes}
    for stage in rows[sizes[0]]["seconds"]:
        cells = []
        for s in sizes:
            v = rows[s]["seconds"][stage]
            total[s] += v
            cells.append(f"{v:.3f}")
        growth = "—"
        if len(sizes) > 1:
            a, b = sizes[-2], sizes[-1]
            before = rows[a]["seconds"][stage]
            growth = f"{rows[b]['seconds'][stage] / max(before, 1e-4) / (b / a):.2f}"
        lines.append(f"| {stage} | " + " | ".join(cells) + f" | {growth} |")
    lines.append("| **all stages** | " + " | ".join(f"**{total[s]:.2f}**" for s in sizes) + " | — |")
    lines.append("| peak memory (MiB) | " + " | ".join(f"{rows[s]['peak_mib']:.0f}" for s in sizes) + " | — |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
