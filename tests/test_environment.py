"""The pip pins (requirements.in), the full lock and the conda environment.yml must agree."""

from __future__ import annotations

import re

import yaml


def _pins(path):
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def test_every_direct_dependency_is_pinned_exactly(root):
    for line in (root / "requirements.in").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][A-Za-z0-9.]*", line), line


def test_environment_yml_names_the_same_packages_and_versions(root):
    pins = _pins(root / "requirements.in")
    env = yaml.safe_load((root / "environment.yml").read_text())
    conda = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and "=" in dep and not dep.startswith("python="):
            name, version = dep.split("=", 1)
            conda[name.lower()] = version
    assert conda == pins, "environment.yml and requirements.in differ"


def test_lock_contains_each_pin_at_the_same_version(root):
    pins = _pins(root / "requirements.in")
    lock = _pins(root / "requirements.lock")
    mismatched = {n: (v, lock.get(n)) for n, v in pins.items() if lock.get(n) != v}
    assert not mismatched, f"requirements.lock disagrees with requirements.in: {mismatched}"


def test_installed_versions_match_the_pins(root):
    from importlib.metadata import version

    pins = _pins(root / "requirements.in")
    wrong = {n: (v, version(n)) for n, v in pins.items() if version(n) != v}
    assert not wrong, f"installed versions differ from the pins: {wrong}"


def test_no_process_pays_for_a_parser_it_never_uses():
    """rfc3987-syntax (pulled in through jupyterlab's jsonschema[format-nongpl]) builds an Earley parser
    at import, 1.3 CPU-s in every process that imports nbformat or papermill; `make` removes it."""
    from importlib.util import find_spec

    assert find_spec("rfc3987_syntax") is None, "rfc3987-syntax is installed: run `make` (it removes it)"
