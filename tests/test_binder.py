"""Binder (repo2docker), the GitHub Pages workflow and the package's dependency floors, as configured.

These read the configuration files; they do not run repo2docker or GitHub Actions (neither is reachable
here). What they check is what would make those services fail or drift from the pinned environment.
"""

from __future__ import annotations

import os
import re
import tomllib
from urllib.parse import parse_qs, unquote, urlsplit

import yaml
from packaging.requirements import Requirement
from packaging.version import Version

from tests.test_environment import _pins


def test_repo2docker_builds_from_the_root_environment_yml(root):
    # A binder/ or .binder/ folder would make repo2docker ignore every configuration file at the root.
    assert not (root / "binder").exists() and not (root / ".binder").exists()
    env = yaml.safe_load((root / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    assert "python=3.11" in env["dependencies"]
    assert "pip" in env["dependencies"]
    # repo2docker creates the environment before the repository is copied in: no install of '.' here.
    pip_lists = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert not [line for lines in pip_lists for line in lines if line.strip().endswith(".")]


def test_postbuild_installs_the_package(root):
    post = root / "postBuild"
    assert post.is_file() and os.access(post, os.X_OK), "postBuild must exist and be executable"
    text = post.read_text()
    assert text.startswith("#!/usr/bin/env bash\n") and "set -e" in text
    commands = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert any(re.fullmatch(r"(python -m )?pip install (--no-deps )?-e \.", c) for c in commands), commands


def test_python_version_agrees_with_pyproject(root):
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    floor = Version(project["requires-python"].removeprefix(">="))
    env = yaml.safe_load((root / "environment.yml").read_text())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    assert Version(python.split("=", 1)[1]) >= floor


def test_the_readme_has_a_binder_badge_for_this_repository(root):
    readme = (root / "README.md").read_text()
    badge = re.search(r"\[!\[[^\]]*\]\(https://mybinder\.org/badge_logo\.svg\)\]\((https://mybinder\.org/[^)]+)\)",
                      readme)
    assert badge, "no Binder badge in README.md"
    url = urlsplit(badge.group(1))
    parts = url.path.split("/")
    assert parts[1:3] == ["v2", "gh"] and parts[4] == "sister-city-compendium", url.path
    labpath = unquote(parse_qs(url.query)["labpath"][0])
    assert (root / labpath).is_file(), f"the badge opens {labpath}, which does not exist"


def test_every_floor_of_pyproject_is_pinned_at_or_above_it(root):
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    pins = _pins(root / "requirements.in")
    reqs = [Requirement(r) for r in
            project["dependencies"] + [r for extra in project.get("optional-dependencies", {}).values() for r in extra]]
    problems = []
    for req in reqs:
        pinned = pins.get(req.name.lower())
        if pinned is None:
            problems.append(f"{req.name}: in pyproject.toml, not pinned in requirements.in")
        elif Version(pinned) not in req.specifier:
            problems.append(f"{req.name}: pinned {pinned}, outside pyproject's {req.specifier}")
    assert not problems, problems


def test_the_pages_workflow_builds_the_site_and_deploys_it(root):
    flow = yaml.safe_load((root / ".github" / "workflows" / "pages.yml").read_text())
    on = flow[True] if True in flow else flow["on"]  # YAML 1.1 reads the key 'on' as true
    assert on["push"]["branches"] == ["main"]
    build, deploy = flow["jobs"]["build"], flow["jobs"]["deploy"]
    steps = build["steps"]
    uses = [s.get("uses", "").split("@")[0] for s in steps]
    assert uses[:2] == ["actions/checkout", "actions/setup-python"]
    assert next(s for s in steps if "setup-python" in s.get("uses", ""))["with"]["python-version"] == "3.11"
    assert any(s.get("run", "").strip() == "make site" for s in steps)
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "build/site"
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]
    # the target it runs exists in the Makefile
    assert re.search(r"^site:", (root / "Makefile").read_text(), re.MULTILINE)
