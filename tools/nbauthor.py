"""Write a notebook from a plain list of cells (authoring aid; the .ipynb is the source of truth after).

Usage in a script:  from nbauthor import write; write("notebooks/01_x.ipynb", [("md", "..."), ("params", "..."), ("code", "...")])
"""
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def write(path, cells):
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    stem = Path(path).stem
    for i, (kind, src) in enumerate(cells):
        src = src.strip("\n")
        if kind == "md":
            cell = new_markdown_cell(src)
        else:
            cell = new_code_cell(src)
            if kind == "params":
                cell.metadata["tags"] = ["parameters"]
        cell["id"] = f"{stem[:2]}-{i:02d}"
        nb.cells.append(cell)
    nbformat.write(nb, path)


if __name__ == "__main__":
    sys.exit("import this module from an authoring script")
