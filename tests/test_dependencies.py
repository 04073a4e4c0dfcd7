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


def test_only_a_build_with_a_grading_notebook_preloads_the_grading_stack(root):
    """The build's kernel server imports sklearn, papermill & co. (PRELOAD_LATER) only when a notebook it
    runs may import compendium.grading: 07 does; the network and outputs notebooks cannot. (04 and 05 may,
    as far as the static analysis can tell: a function of the library they import imports it.)"""
    from compendium.build.pipeline import Layout, _tree, authored_cells, notebook_inputs
    from compendium.build.warm_kernels import needs_later

    layout = Layout(root)
    library = _tree(root / "src" / "compendium", root)
    later = {nb.stem for nb in sorted(layout.notebooks.glob("[0-9][0-9]_*.ipynb"))
             if needs_later(notebook_inputs(authored_cells(nb), layout, library))}
    assert "07_grading" in later
    assert not later & {"01_sources_and_coding", "02_actor_network", "03_policy_outputs"}, later
    assert needs_later({}) is False and needs_later(library) is True  # unknown imports: the whole library
