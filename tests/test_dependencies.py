"""Which library files a notebook depends on (the build's incremental skipping rests on this)."""

from __future__ import annotations

from compendium.build.dependencies import imported_modules, library_files


def test_imported_modules_sees_every_form_of_import_and_only_the_package():
    code = (
        "import os\nimport compendium.coding\nfrom compendium import paths\nfrom compendium.analysis import network as nw\n"
        "from compendium.grading import grade\n"
        "def f():\n    from compendium.render.tables import x\n"
        "%matplotlib inline\n"
    )
    assert imported_modules(code) == {
        "compendium.coding", "compendium", "compendium.paths", "compendium.analysis",
        "compendium.analysis.network", "compendium.grading",
        "compendium.grading.grade", "compendium.render.tables", "compendium.render.tables.x",
    }


def test_relative_imports_resolve_against_the_importing_module():
    assert imported_modules("from .agreement import kappa", "compendium.grading.batch") == {
        "compendium.grading.agreement", "compendium.grading.agreement.kappa"}
    assert imported_modules("from . import report", "compendium.grading", is_package=True) == {
        "compendium.grading", "compendium.grading.report"}


def test_unparseable_code_means_unknown():
    assert imported_modules("def (:\n") is None


def test_library_files_follow_imports_transitively(tmp_path):
    pkg = tmp_path / "compendium"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from compendium.sub import b\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "b.py").write_text("from .c import g\n")
    (pkg / "sub" / "c.py").write_text("g = 1\n")
    (pkg / "unused.py").write_text("")
    files = library_files(["from compendium import a"], tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in files] == [
        "compendium/__init__.py", "compendium/a.py", "compendium/sub/__init__.py",
        "compendium/sub/b.py", "compendium/sub/c.py"]
    assert library_files(["x = (\n"], tmp_path) is None
