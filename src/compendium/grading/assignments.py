"""Assignments as data: ``data/assignments/NAME.yaml`` and the reference coding they are graded against.

An assignment file has ``id``, ``title``, ``instructions``, ``items`` (a selector: ``table``, ``id``
column, ``label`` column, ``where`` filter), ``variables`` (``name``, ``field`` in the table, ``weight``),
``rubric`` (``scheme: proportional`` -- points = weight × share of items agreeing, rounded to
``rounding``; ``scheme: above-baseline`` -- the same, but the share is first rescaled so that the
majority baseline (every item given the key's commonest code) earns 0 and full agreement 1 -- a cliff
when a key is skewed: with 21 of 22 reference codes ``unclear``, one wrong code costs the whole weight;
``scheme: baseline-corrected`` -- continuous: the weighted agreement over all variables, rescaled once
for the whole submission so that the majority baseline earns 0 and full agreement the maximum (every
wrong code costs the same few points, see :meth:`Assignment.score` and docs/assignments.md); or
``scheme: thresholds`` -- the first ``min_agreement`` reached gives ``fraction`` × weight), ``withhold`` (paths under ``data/`` removed from a notebook submission's copy of the data) and
``second_coder`` (path under ``data/`` of an independent re-coding, if any).

The allowed codes of each variable and their definitions (English and Indonesian) come from the data
package (``data/datapackage.json``: the field's ``constraints.enum`` and ``x-categories``), so the
assignment never restates the codebook.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from compendium.paths import data_dir as _default_data_dir


SCHEMES = ("proportional", "baseline-corrected", "above-baseline", "thresholds")


class AssignmentError(ValueError):
    """The assignment file (or the reference it selects) is unusable."""


@dataclass(frozen=True)
class Category:
    value: str
    label_en: str = ""
    label_id: str = ""
    definition_en: str = ""
    definition_id: str = ""


@dataclass(frozen=True)
class Variable:
    name: str
    field: str
    weight: float
    codes: tuple[str, ...]
    categories: dict[str, Category] = field(default_factory=dict, compare=False, hash=False)
    description_en: str = ""
    description_id: str = ""


@dataclass
class Assignment:
    """An assignment with its reference key loaded."""

    name: str
    spec: dict
    data_dir: Path
    variables: list[Variable]
    key: "object"  # pandas DataFrame: item_id, label, segment_id, one column per variable
    segments: "object"  # pandas DataFrame indexed by segment_id
    spec_bytes: bytes = b""

    @property
    def title(self) -> str:
        return self.spec.get("title", self.name)

    @property
    def instructions(self) -> str:
        return self.spec.get("instructions", "").strip()

    @cached_property
    def items(self) -> list[str]:
        return list(self.key["item_id"])

    @property
    def variable_names(self) -> list[str]:
        return [v.name for v in self.variables]

    @property
    def max_score(self) -> float:
        return float(sum(v.weight for v in self.variables))

    @cached_property
    def fingerprint(self) -> str:
        """Hash of everything a grade depends on besides the submission: spec, key, codebook, and the
        grader's own code (a fixed bug must not be served from the cache)."""
        grader = Path(__file__).parent
        payload = {
            "grader": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(grader.glob("*.py"))},
            "spec": hashlib.sha256(self.spec_bytes).hexdigest(),
            "key": self.key[["item_id", *self.variable_names]].to_csv(index=False),
            "codes": {v.name: list(v.codes) for v in self.variables},
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    @property
    def scheme(self) -> str:
        return (self.spec.get("rubric", {}) or {}).get("scheme", "proportional")

    @property
    def rounding(self) -> float:
        return float((self.spec.get("rubric", {}) or {}).get("rounding", 0.1))

    def score(self, agreement: dict[str, float]) -> tuple[dict[str, float], float]:
        """Points per variable and the total, from each variable's agreement share (0..1).

        Under ``baseline-corrected`` a variable's points are its signed contribution
        ``max × weight × (agreement − baseline) / (max − Σ weight × baseline)`` -- negative where the
        student agrees less than coding every item with the commonest code would -- and the total is
        their sum, never below 0, rounded to ``rounding``. Every wrong code of a variable costs the same
        ``max × weight / (n_items × (max − Σ weight × baseline))`` points, so correcting a code never
        lowers the total (it rises by that amount before rounding), and a submission giving every item
        the commonest code scores exactly 0. The other schemes add up :meth:`points`."""
        if self.scheme != "baseline-corrected":
            points = {v.name: self.points(v, agreement[v.name]) for v in self.variables}
            return points, round(sum(points.values()), 6)
        floor = sum(v.weight * self.baseline_share(v) for v in self.variables)
        span = self.max_score - floor
        exact = {}
        for v in self.variables:
            share = agreement[v.name]
            share = 0.0 if share != share else share  # NaN: nothing to agree on
            if span <= 1e-12:  # a key that is all one code: only a perfect submission beats the baseline
                exact[v.name] = v.weight if share >= 1.0 else 0.0
            else:
                exact[v.name] = self.max_score * v.weight * (share - self.baseline_share(v)) / span
        raw = sum(exact.values()) + 1e-9  # 1e-9: a perfect submission's float sum lands on the maximum
        total = round(round(max(0.0, raw) / self.rounding) * self.rounding, 6)
        return {name: round(x, 2) for name, x in exact.items()}, total

    def points(self, variable: Variable, agreement: float) -> float:
        """Points for one variable from its agreement share (0..1) under a per-variable rubric."""
        rubric = self.spec.get("rubric", {}) or {}
        scheme = rubric.get("scheme", "proportional")
        if agreement != agreement:  # NaN
            return 0.0
        if scheme in ("proportional", "above-baseline"):
            if scheme == "above-baseline":
                agreement = self.above_baseline(variable, agreement)
            step = float(rubric.get("rounding", 0.1))
            raw = variable.weight * agreement
            return round(round(raw / step) * step, 6)
        if scheme == "thresholds":
            for row in sorted(rubric["thresholds"], key=lambda r: -float(r["min_agreement"])):
                if agreement + 1e-12 >= float(row["min_agreement"]):
                    return round(variable.weight * float(row["fraction"]), 6)
            return 0.0
        raise AssignmentError(f"{self.name}: unknown rubric scheme {scheme!r} "
                              f"({', '.join(SCHEMES)})")

    def modal_code(self, variable: Variable) -> str | None:
        """The key's commonest code for a variable (ties broken alphabetically); None for an empty key."""
        return self._baselines[variable.name][0]

    def baseline_share(self, variable: Variable) -> float:
        """Share of items a submission agrees on by giving every item the key's commonest code."""
        return self._baselines[variable.name][1]

    @cached_property
    def _baselines(self) -> dict[str, tuple[str | None, float]]:
        """(modal code, its share) per variable, counted once: every student's points read them."""
        out = {}
        for v in self.variables:
            key = list(self.key[v.name])
            modal = max(sorted(set(key)), key=key.count) if key else None
            out[v.name] = (modal, key.count(modal) / len(key) if key else 0.0)
        return out

    def above_baseline(self, variable: Variable, agreement: float) -> float:
        """Agreement rescaled so the majority baseline is 0 and full agreement 1 (never below 0): with a
        skewed key -- most reference codes ``unclear`` -- plain agreement rewards coding nothing."""
        base = self.baseline_share(variable)
        if base >= 1.0:
            return 1.0 if agreement >= 1.0 else 0.0
        return max(0.0, (agreement - base) / (1.0 - base))

    def rubric_text(self) -> str:
        rubric = self.spec.get("rubric", {}) or {}
        weights = ", ".join(f"{v.name} {v.weight:g}" for v in self.variables)
        if rubric.get("scheme", "proportional") == "proportional":
            return (f"points per variable = weight × share of items coded like the reference "
                    f"(rounded to {float(rubric.get('rounding', 0.1)):g}); weights: {weights}; "
                    f"maximum {self.max_score:g}")
        if rubric["scheme"] == "baseline-corrected":
            bases = ", ".join(f"{v.name} {100 * self.baseline_share(v):.0f} %" for v in self.variables)
            floor = sum(v.weight * self.baseline_share(v) for v in self.variables)
            return (f"score = {self.max_score:g} × (W − B) / ({self.max_score:g} − B), never below 0 and rounded "
                    f"to {self.rounding:g}, where W = Σ weight × share of items coded like the reference and "
                    f"B = {floor:.2f} is W for a submission giving every item the commonest reference code "
                    f"({bases}); every wrong code costs the same few points, so coding everything with the "
                    f"commonest code scores 0; weights: {weights}; maximum {self.max_score:g}")
        if rubric["scheme"] == "above-baseline":
            bases = ", ".join(f"{v.name} {100 * self.baseline_share(v):.0f} %" for v in self.variables)
            return (f"points per variable = weight × (agreement − baseline) / (100 % − baseline), never below "
                    f"0, where the baseline is the agreement of a submission giving every item the "
                    f"commonest reference code ({bases}) (rounded to {float(rubric.get('rounding', 0.1)):g}); "
                    f"weights: {weights}; maximum {self.max_score:g}")
        rows = "; ".join(f"≥ {100 * float(r['min_agreement']):g} % → {float(r['fraction']):g} × weight"
                         for r in sorted(rubric["thresholds"], key=lambda r: -float(r["min_agreement"])))
        return f"thresholds on the share of items coded like the reference: {rows}; weights: {weights}; maximum {self.max_score:g}"

    def definition(self, variable: str, code: str, lang: str = "en") -> str:
        var = self._variables[variable]
        cat = var.categories.get(code)
        if cat is None:
            return ""
        return cat.definition_en if lang == "en" else cat.definition_id

    @cached_property
    def _variables(self) -> dict:
        return {v.name: v for v in self.variables}

    @cached_property
    def _segment_of(self) -> dict:
        return dict(zip(self.key["item_id"], self.key["segment_id"]))

    @cached_property
    def key_records(self) -> list[dict]:
        """The key's rows as dicts, made once: every student's feedback walks them."""
        return self.key.to_dict("records")

    def evidence(self, item_id: str) -> dict:
        """The item's evidence: paper, page, section and quote of its segment."""
        if item_id not in self._evidence:
            self._evidence[item_id] = self._find_evidence(item_id)
        return dict(self._evidence[item_id])

    @cached_property
    def _evidence(self) -> dict:
        return {}

    def _find_evidence(self, item_id: str) -> dict:
        seg = str(self._segment_of.get(item_id, "") or "")
        if seg and seg in self.segments.index:
            s = self.segments.loc[seg]
            page = s.get("page")
            return {"segment_id": seg, "paper": str(s.get("paper", "")), "section": str(s.get("section", "")),
                    "page": "" if str(page) in ("", "<NA>", "nan", "None") else str(page),
                    "quote": str(s.get("quote", ""))}
        return {"segment_id": seg, "paper": "", "section": "", "page": "", "quote": ""}

    def withheld(self) -> list[str]:
        return [str(p) for p in self.spec.get("withhold", []) or []]


def assignments_dir(data_dir: Path | str | None = None) -> Path:
    return Path(data_dir or _default_data_dir()) / "assignments"


def available(data_dir: Path | str | None = None) -> list[str]:
    return sorted(p.stem for p in assignments_dir(data_dir).glob("*.yaml"))


def _package(folder: Path) -> dict:
    path = folder / "datapackage.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def _resource(package: dict, table: str) -> dict:
    for r in package.get("resources", []):
        if r.get("name", "").replace("-", "_") == table.replace("-", "_"):
            return r
    return {}


def _tables(folder: Path, table: str) -> tuple["object", "object"]:
    """The selected reference table and the segments table: validated by compendium.coding if the data
    is valid; otherwise read as plain CSV with a warning (so a half-edited table elsewhere in data/ does
    not stop the grading)."""
    import pandas as pd

    try:
        from compendium.coding import CodingError, load

        try:
            frames = load(folder)
            return frames[table.replace("-", "_")], frames["segments"]
        except CodingError as err:
            print(f"warning: the coded data has {len(err.problems)} problem(s) "
                  f"(run `compendium validate`); grading against the CSV as it stands", file=sys.stderr)
    except ImportError:
        pass
    res = _resource(_package(folder), table)
    path = folder / res.get("path", f"raw/coded/{table}.csv")
    read = dict(dtype=str, keep_default_na=False, encoding="utf-8")
    return pd.read_csv(path, **read), pd.read_csv(folder / "raw/coded/segments.csv", **read)


def load_assignment(name: str, data_dir: Path | str | None = None) -> Assignment:
    """Read ``data/assignments/NAME.yaml`` and build its reference key from the coded data."""
    import yaml

    folder = Path(data_dir or _default_data_dir()).resolve()
    path = assignments_dir(folder) / f"{name}.yaml"
    if not path.is_file():
        raise AssignmentError(f"no assignment {name!r}: expected {path}; have {available(folder)}")
    spec_bytes = path.read_bytes()
    spec = yaml.safe_load(spec_bytes) or {}
    sel = spec.get("items") or {}
    table, id_col = sel.get("table"), sel.get("id")
    if not table or not id_col:
        raise AssignmentError(f"{path}: items needs a 'table' and an 'id' column")
    frame, segments = _tables(folder, table)
    for col, want in (sel.get("where") or {}).items():
        frame = frame[frame[col].astype(str) == str(want)]
    if frame.empty:
        raise AssignmentError(f"{path}: the selector picks no rows of {table}")

    resource = _resource(_package(folder), table)
    fields = {f["name"]: f for f in resource.get("schema", {}).get("fields", [])}
    variables = []
    for v in spec.get("variables", []):
        fname = v.get("field", v["name"])
        if fname not in frame.columns:
            raise AssignmentError(f"{path}: variable {v['name']!r}: no column {fname!r} in {table}")
        f = fields.get(fname, {})
        cats = {c["value"]: Category(c["value"], c.get("label_en", ""), c.get("label_id", ""),
                                     c.get("definition_en", ""), c.get("definition_id", ""))
                for c in f.get("x-categories", [])}
        codes = tuple(f.get("constraints", {}).get("enum", []) or cats or
                      sorted(frame[fname].astype(str).unique()))
        variables.append(Variable(v["name"], fname, float(v.get("weight", 1)), codes, cats,
                                  f.get("description", ""), f.get("description_id", "")))
    label_col = sel.get("label")
    key = frame[[id_col]].rename(columns={id_col: "item_id"}).astype(str)
    key["label"] = frame[label_col].astype(str).values if label_col in frame.columns else ""
    key["segment_id"] = frame["segment_id"].astype(str).values if "segment_id" in frame.columns else ""
    for v in variables:
        key[v.name] = frame[v.field].astype(str).values
    key = key.reset_index(drop=True)
    segments = segments.astype({"segment_id": str}).set_index("segment_id", drop=False)
    return Assignment(name=spec.get("id", name), spec=spec, data_dir=folder, variables=variables, key=key,
                      segments=segments, spec_bytes=spec_bytes)


def template_csv(a: Assignment, fill_key: bool = False) -> str:
    """The blank submission (or, with ``fill_key``, the answer key) as CSV text."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["item_id", *a.variable_names])
    for _, row in a.key.iterrows():
        w.writerow([row["item_id"], *[(row[v] if fill_key else "") for v in a.variable_names]])
    return buf.getvalue()


def codes_csv(a: Assignment) -> str:
    """The companion file of allowed codes: variable, code, labels and definitions (EN and ID)."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["variable", "code", "label_en", "label_id", "definition_en", "definition_id"])
    for v in a.variables:
        for code in v.codes:
            c = v.categories.get(code, Category(code))
            w.writerow([v.name, code, c.label_en, c.label_id, c.definition_en, c.definition_id])
    return buf.getvalue()


def items_csv(a: Assignment) -> str:
    """The items with their label and the evidence quote (a help for students; no codes)."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["item_id", "label", "paper", "page", "quote"])
    for item in a.items:
        ev = a.evidence(item)
        label = a.key.set_index("item_id").loc[item, "label"]
        w.writerow([item, label, ev["paper"], ev["page"], ev["quote"]])
    return buf.getvalue()
