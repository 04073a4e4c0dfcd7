"""The students' hand-out (issue 14): it carries what they need and no reference code.

The scanner reads every file of the pack -- folder and zip -- and fails if an item→code assignment of
the key can be read from it: a line that names an item (by id or label) together with that item's
reference code outside the items' own names (``Bandung City Government`` is an item's name, not a
coder's judgement that it is a city government; a codebook example "e.g. Posco" is), a copy
of any row of the coded data, the second coder or the example submissions, or items listed in the key's
order (the reference table is grouped by code). It is itself tested on packs with planted leaks."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from compendium.grading import load_assignment
from compendium.grading.assignments import available, template_csv
from compendium.grading.pack import pack_files, write_pack
from compendium.grading.submissions import parse_submission

ROOT = Path(__file__).resolve().parents[1]
NAMES = available(ROOT / "data")


def _norm(text: str) -> str:
    return re.sub(r"[-_\s]+", " ", text.casefold())


def _mentions(line: str, word: str) -> bool:
    return re.search(rf"(?<![a-z0-9]){re.escape(_norm(word))}(?![a-z0-9])", line) is not None


def _secret_rows(a) -> set[str]:
    """Lines of the files that hold codes per item: the coded tables, the second coder, the examples."""
    rows = set()
    for path in [*(ROOT / "data" / "raw" / "coded").rglob("*.csv"), *(ROOT / "data" / "examples").rglob("*")]:
        if path.is_file():
            for line in path.read_bytes().decode("utf-8", "replace").splitlines():
                if any(i in line for i in a.items) and len(line) > 12:
                    rows.add(line.strip())
    return rows


def leaks(a, files: dict[str, bytes]) -> list[str]:
    found = []
    papers = {p.name: p.read_bytes() for p in (ROOT / "data" / "raw" / "papers").glob("*.txt")}
    secret = _secret_rows(a)
    labels = dict(zip(a.key["item_id"], a.key["label"]))
    key = {i: {v: a.key.loc[k, v] for v in a.variable_names} for k, i in enumerate(a.key["item_id"])}
    for name, data in files.items():
        if Path(name).name in papers:  # the sources themselves, handed out on purpose
            if data != papers[Path(name).name]:
                found.append(f"{name}: differs from data/raw/papers/{Path(name).name}")
            continue
        text = data.decode("utf-8")
        found += [f"{name}: copies a coded row: {row[:60]}" for row in secret if row in text]
        order = []
        for line in text.splitlines():
            low = _norm(line)
            named = [i for i in a.items if _mentions(low, i) or _mentions(low, labels[i])]
            first = re.match(r'\s*"?([^",\s]+)', line)
            order += [first.group(1)] if first and first.group(1) in key else []
            for name_ in sorted([*a.items, *labels.values()], key=len, reverse=True):
                low = re.sub(rf"(?<![a-z0-9]){re.escape(_norm(name_))}(?![a-z0-9])", " ", low)  # an item's own name
            for item in named:
                for v, code in key[item].items():
                    if _mentions(low, code) and not all(_mentions(low, c) for c in next(
                            x.codes for x in a.variables if x.name == v)):  # a line listing every code says nothing
                        found.append(f"{name}: a line names {item} and its {v} code {code!r}: {line[:80]}")
        firsts = list(dict.fromkeys(order))
        if len(firsts) > 2 and firsts != sorted(firsts):
            found.append(f"{name}: items are not in alphabetical order (the key's order is grouped by code)")
    return found


@pytest.mark.parametrize("name", NAMES)
def test_the_pack_folder_and_zip_reveal_no_reference_code(name, tmp_path):
    a = load_assignment(name, ROOT / "data")
    folder = write_pack(a, tmp_path / "pack")
    on_disk = {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    assert set(on_disk) == set(pack_files(a))
    assert leaks(a, on_disk) == []
    with zipfile.ZipFile(write_pack(a, tmp_path / "pack.zip")) as z:
        zipped = {n.split("/", 1)[1]: z.read(n) for n in z.namelist()}
    assert zipped == on_disk
    assert write_pack(a, tmp_path / "again.zip").read_bytes() == (tmp_path / "pack.zip").read_bytes()
    # what students need is there
    assert {f"{name}.template.csv", f"{name}.codes.csv", f"{name}.items.csv", "self_check.py", "README.md"} <= set(on_disk)
    assert len([n for n in on_disk if n.startswith("papers/")]) == 2
    assert a.instructions.splitlines()[0] in on_disk["README.md"].decode()


@pytest.mark.parametrize("plant", ["key", "evidence", "order", "example"])
def test_the_scanner_finds_planted_leaks(plant):
    a = load_assignment("policy-outputs", ROOT / "data")
    files = pack_files(a)
    if plant == "key":
        files["answers.csv"] = template_csv(a, fill_key=True).encode()
    elif plant == "evidence":  # an items file whose rows carry the reference coder's codes
        rows = [f"{r['item_id']},{r['label']!r} (coded {r['diffusion']})" for r in a.key_records]
        files["items-with-evidence.csv"] = "\n".join(rows).encode()
    elif plant == "order":
        files["list.txt"] = "\n".join(a.items).encode()
    else:
        files["example.csv"] = (ROOT / "data/examples/policy-outputs/s03-dimension-slips.csv").read_bytes()
    assert leaks(a, files)


@pytest.mark.parametrize("name", NAMES)
def test_the_self_check_is_standalone_and_agrees_with_the_grader(name, tmp_path):
    a = load_assignment(name, ROOT / "data")
    folder = write_pack(a, tmp_path / "pack")
    allowed = {v.name: v.codes for v in a.variables}
    good = template_csv(a, fill_key=True).encode()
    cases = {"good.csv": good, "bad.csv": good.replace(b",", b";"), "latin1.csv": good + "x,é\n".encode("latin-1"),
             "missing.csv": b"\n".join(good.splitlines()[:-2]) + b"\n"}
    for fname, data in cases.items():
        (tmp_path / fname).write_bytes(data)
        # -I -S: no user site, no site-packages -- the standard library only
        done = subprocess.run([sys.executable, "-I", "-S", str(folder / "self_check.py"), str(tmp_path / fname)],
                              capture_output=True, text=True, cwd=tmp_path, timeout=60)
        parsed = parse_submission(data, sorted(a.items), allowed)  # the pack lists items alphabetically
        assert done.returncode == (0 if parsed.codes is not None else 1), (fname, done.stdout, done.stderr)
        for problem in parsed.problems:
            assert problem in done.stdout
        assert "ready to hand in" in done.stdout if fname == "good.csv" else "NOT ready" in done.stdout
    # the codes file carries the codebook entries: every allowed code with both definitions' columns
    rows = list(csv.DictReader(io.StringIO((folder / f"{name}.codes.csv").read_text(encoding="utf-8"))))
    assert {(r["variable"], r["code"]) for r in rows} == {(v.name, c) for v in a.variables for c in v.codes}


def test_new_scaffolds_an_assignment_that_loads_and_is_not_overwritten(tmp_path):
    import shutil

    from compendium.grading.assignments import AssignmentError, scaffold

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("examples"))
    path = scaffold("treaty-types", data)
    a = load_assignment("treaty-types", data)
    assert a.scheme == "baseline-corrected" and a.variable_names == ["dimension"] and len(a.items) > 5
    with pytest.raises(AssignmentError, match="exists already"):
        scaffold("treaty-types", data)
    with pytest.raises(AssignmentError, match="lower-case"):
        scaffold("../escape", data)
    assert path.read_text(encoding="utf-8").count("TODO") >= 3


@pytest.mark.parametrize("edit, expected", [
    ("title: 12", "key 'title': expected a title (text), found int"),
    ("rubric:\n  scheme: curve", "key 'rubric.scheme': expected one of proportional, baseline-corrected"),
    ("variables:\n  - name: dimension\n    weight: -2", "key 'variables[0].weight' (dimension): expected a number above 0"),
    ("items:\n  table: nowhere\n  id: x", "key 'items.table': no table 'nowhere'"),
    ("items:\n  table: policy_outputs\n  id: no_such_col", "key 'items.id': policy_outputs has no column 'no_such_col'"),
    ("colour: blue", "key 'colour': unknown"),
    ("title: [unclosed", "line"),
])
def test_assignment_yaml_errors_name_the_file_the_key_and_what_was_expected(tmp_path, edit, expected):
    import shutil

    import yaml

    from compendium.grading.assignments import AssignmentError

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("examples"))
    path = data / "assignments" / "policy-outputs.yaml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        spec.update(yaml.safe_load(edit))
        path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    except yaml.YAMLError:  # the edit is itself broken YAML: write it as it stands
        path.write_text(path.read_text(encoding="utf-8") + "\n" + edit + "\n", encoding="utf-8")
    with pytest.raises(AssignmentError) as err:
        load_assignment("policy-outputs", data)
    assert str(path) in str(err.value) and expected in str(err.value)


def test_cli_pack_writes_a_zip(tmp_path):
    from compendium import cli

    assert cli.main(["assignment", "pack", "policy-outputs", "--out", str(tmp_path / "h.zip")]) == 0
    with zipfile.ZipFile(tmp_path / "h.zip") as z:
        assert "policy-outputs/self_check.py" in z.namelist()
