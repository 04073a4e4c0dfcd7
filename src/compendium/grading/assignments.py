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

    @cached_property
    def key_codes(self) -> dict[str, list[str]]:
        """``{variable: the reference code of each item, in the order of items}``: the key as plain lists,
        read once (grading a batch compares every submission with them)."""
        return {v.name: self.key[v.name].tolist() for v in self.variables}

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
        span = self.max_score - self.baseline_score
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
    def baseline_score(self) -> float:
        """Plain weighted agreement (Σ weight × share) of a submission that gives every item the key's
        commonest code: what a skewed key hands out for coding nothing."""
        return sum(v.weight * self.baseline_share(v) for v in self.variables)

    def baseline_shares_text(self) -> str:
        """Each variable's baseline share, for reports: ``dimension 27 %, diffusion 95 %, …``."""
        return ", ".join(f"{v.name} {100 * self.baseline_share(v):.0f} %" for v in self.variables)

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
            return (f"score = {self.max_score:g} × (W − B) / ({self.max_score:g} − B), never below 0 and rounded "
                    f"to {self.rounding:g}, where W = Σ weight × share of items coded like the reference and "
                    f"B = {self.baseline_score:.2f} is W for a submission giving every item the commonest reference code "
                    f"({self.baseline_shares_text()}); every wrong code costs the same few points, so coding everything with the "
                    f"commonest code scores 0; weights: {weights}; maximum {self.max_score:g}")
        if rubric["scheme"] == "above-baseline":
            return (f"points per variable = weight × (agreement − baseline) / (100 % − baseline), never below "
                    f"0, where the baseline is the agreement of a submission giving every item the "
                    f"commonest reference code ({self.baseline_shares_text()}) (rounded to {float(rubric.get('rounding', 0.1)):g}); "
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
            if table.replace("-", "_") not in frames:
                raise AssignmentError(f"key 'items.table': no table {table!r} in the coded data "
                                      f"(tables: {', '.join(sorted(frames))})")
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


KEYS = {"id": "the assignment's id (text)", "title": "a title (text)",
        "instructions": "the instructions students get (text)", "items": "the item selector (a mapping)",
        "variables": "the variables students code (a list)", "rubric": "the rubric (a mapping)",
        "withhold": "paths under data/ removed for notebook submissions (a list)",
        "second_coder": "path under data/ of an independent re-coding (text)"}


def validate_spec(spec) -> list[str]:
    """Problems of a parsed assignment file, each naming the key, what was expected and what was found."""
    def kind(x) -> str:
        return type(x).__name__ if x is not None else "nothing"

    if not isinstance(spec, dict):
        return [f"expected a mapping of keys ({', '.join(KEYS)}), found {kind(spec)}"]
    out = [f"key {k!r}: unknown (expected one of {', '.join(KEYS)})" for k in spec if k not in KEYS]
    for k in ("id", "title", "instructions"):
        if not isinstance(spec.get(k), str) or not spec[k].strip():
            out.append(f"key {k!r}: expected {KEYS[k]}, found {kind(spec.get(k))}")
    sel = spec.get("items")
    if not isinstance(sel, dict):
        out.append(f"key 'items': expected a mapping with 'table', 'id' (and optional 'label', 'where'), found {kind(sel)}")
    else:
        for k in ("table", "id"):
            if not isinstance(sel.get(k), str) or not sel[k]:
                out.append(f"key 'items.{k}': expected a {'table name' if k == 'table' else 'column name'}, "
                           f"found {kind(sel.get(k))}")
        if sel.get("where") is not None and not isinstance(sel["where"], dict):
            out.append(f"key 'items.where': expected a mapping column: value, found {kind(sel['where'])}")
    variables = spec.get("variables")
    if not isinstance(variables, list) or not variables:
        out.append(f"key 'variables': expected a list of {{name, field, weight}}, found {kind(variables)}")
    else:
        for n, v in enumerate(variables):
            if not isinstance(v, dict) or not isinstance(v.get("name"), str):
                out.append(f"key 'variables[{n}]': expected a mapping with a 'name' (text), found {v!r}")
                continue
            w = v.get("weight", 1)
            if isinstance(w, bool) or not isinstance(w, (int, float)) or w <= 0:
                out.append(f"key 'variables[{n}].weight' ({v['name']}): expected a number above 0, found {w!r}")
    rubric = spec.get("rubric") or {}
    if not isinstance(rubric, dict):
        out.append(f"key 'rubric': expected a mapping with 'scheme', found {kind(rubric)}")
    else:
        scheme = rubric.get("scheme", "proportional")
        if scheme not in SCHEMES:
            out.append(f"key 'rubric.scheme': expected one of {', '.join(SCHEMES)}, found {scheme!r}")
        step = rubric.get("rounding", 0.1)
        if isinstance(step, bool) or not isinstance(step, (int, float)) or step <= 0:
            out.append(f"key 'rubric.rounding': expected a number above 0 (e.g. 0.1), found {step!r}")
        if scheme == "thresholds":
            rows = rubric.get("thresholds")
            if not isinstance(rows, list) or not rows:
                out.append(f"key 'rubric.thresholds': expected a list of {{min_agreement, fraction}}, found {kind(rows)}")
            else:
                for n, r in enumerate(rows):
                    ok = isinstance(r, dict) and all(isinstance(r.get(k), (int, float)) and 0 <= r[k] <= 1
                                                     for k in ("min_agreement", "fraction"))
                    if not ok:
                        out.append(f"key 'rubric.thresholds[{n}]': expected min_agreement and fraction, numbers "
                                   f"from 0 to 1, found {r!r}")
    for k in ("withhold",):
        if spec.get(k) is not None and not (isinstance(spec[k], list) and all(isinstance(x, str) for x in spec[k])):
            out.append(f"key {k!r}: expected {KEYS[k]}, found {spec[k]!r}")
    if spec.get("second_coder") is not None and not isinstance(spec["second_coder"], str):
        out.append(f"key 'second_coder': expected {KEYS['second_coder']}, found {spec['second_coder']!r}")
    return out


def load_assignment(name: str, data_dir: Path | str | None = None) -> Assignment:
    """Read ``data/assignments/NAME.yaml`` and build its reference key from the coded data."""
    import yaml

    folder = Path(data_dir or _default_data_dir()).resolve()
    path = assignments_dir(folder) / f"{name}.yaml"
    if not path.is_file():
        raise AssignmentError(f"no assignment {name!r}: expected {path}; have {available(folder)}")
    spec_bytes = path.read_bytes()
    try:
        spec = yaml.safe_load(spec_bytes)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise AssignmentError(f"{path}:{where}: not valid YAML ({getattr(err, 'problem', None) or err})") from None
    problems = validate_spec(spec)
    if problems:
        raise AssignmentError(f"{path}: {len(problems)} problem(s):\n" + "\n".join(f"  {path}: {p}" for p in problems))
    sel = spec.get("items") or {}
    table, id_col = sel.get("table"), sel.get("id")
    try:
        frame, segments = _tables(folder, table)
    except AssignmentError as err:
        raise AssignmentError(f"{path}: {err}") from None
    for col, want in (sel.get("where") or {}).items():
        if col not in frame.columns:
            raise AssignmentError(f"{path}: key 'items.where.{col}': {table} has no column {col!r} "
                                  f"(columns: {', '.join(frame.columns)})")
        frame = frame[frame[col].astype(str) == str(want)]
    if id_col not in frame.columns:
        raise AssignmentError(f"{path}: key 'items.id': {table} has no column {id_col!r} "
                              f"(columns: {', '.join(frame.columns)})")
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
    """The blank submission (or, with ``fill_key``, the answer key) as CSV text, items in alphabetical
    order: the reference tables are grouped by code, so their row order would give codes away."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["item_id", *a.variable_names])
    for _, row in a.key.sort_values("item_id").iterrows():
        w.writerow([row["item_id"], *[(row[v] if fill_key else "") for v in a.variable_names]])
    return buf.getvalue()


def codes_csv(a: Assignment, definitions=None) -> str:
    """The companion file of allowed codes: variable, code, labels and definitions (EN and ID).

    ``definitions``: a function of a code's :class:`Category` giving the (English, Indonesian)
    definitions to write instead of the codebook's own (the student pack withholds some)."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["variable", "code", "label_en", "label_id", "definition_en", "definition_id"])
    for v in a.variables:
        for code in v.codes:
            c = v.categories.get(code, Category(code))
            en, id_ = definitions(c) if definitions else (c.definition_en, c.definition_id)
            w.writerow([v.name, code, c.label_en, c.label_id, en, id_])
    return buf.getvalue()


def items_csv(a: Assignment) -> str:
    """The items with their label and the evidence quote (a help for students; no codes)."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["item_id", "label", "paper", "page", "quote"])
    for item in sorted(a.items):
        ev = a.evidence(item)
        label = a.key.set_index("item_id").loc[item, "label"]
        w.writerow([item, label, ev["paper"], ev["page"], ev["quote"]])
    return buf.getvalue()


SCAFFOLD = """\
# Assignment {name}: made by `compendium assignment new {name}`; the format is in docs/assignments.md.
# Edit every line marked TODO, then check it with `compendium assignment template {name}` (it reports
# any problem with the file, the key and what was expected) and make the hand-out with
# `compendium assignment pack {name} --out hand-out/{name}.zip`.
id: {name}
title: "TODO: a title students recognise"
instructions: |
  TODO: what students code, from which paper and section, and when to answer `unclear`.

  Hand in ONE of:
  * `STUDENT_ID.csv` -- the template filled in: UTF-8, comma-separated, exactly one row per item; or
  * `STUDENT_ID.ipynb` -- a notebook that, run top to bottom from its own folder, writes that CSV as
    `submission.csv` in its working folder.
# The items: rows of a table of data/raw/coded/ (TODO: the table, its id column, a label column, a filter)
items:
  table: policy_outputs
  id: output_id
  label: label_en
  where: {{}}
# The variables students code: columns of that table; their codes and definitions come from the codebook
variables:
  - name: dimension
    field: dimension
    weight: 1
rubric:
  # baseline-corrected: coding every item with the commonest reference code scores 0, a perfect
  # submission the maximum, every wrong code costs the same (docs/assignments.md)
  scheme: baseline-corrected
  rounding: 0.1
# Files removed from the copy of data/ that notebook submissions run against (the answers)
withhold:
  - raw/coded/policy_outputs.csv
  - raw/coded/second_coder
  - examples
"""


def scaffold(name: str, data_dir: Path | str | None = None) -> Path:
    """Write ``data/assignments/NAME.yaml`` from :data:`SCAFFOLD` (never over an existing file)."""
    import re

    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,60}", name):
        raise AssignmentError(f"assignment name {name!r}: expected lower-case letters, digits and dashes "
                              "(e.g. actor-roles)")
    path = assignments_dir(data_dir) / f"{name}.yaml"
    if path.exists():
        raise AssignmentError(f"{path} exists already: edit it, or choose another name")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as fh:
        fh.write(SCAFFOLD.format(name=name))
    return path
