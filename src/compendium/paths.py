"""Where the compendium's folders are.

The project root is found from ``COMPENDIUM_ROOT`` if set, else by walking up from the working
directory to the folder that holds ``data/raw/papers`` (so notebooks, tests and the CLI agree
wherever they are started), else from this file's place in the source tree.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    env = os.environ.get("COMPENDIUM_ROOT")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "data" / "raw" / "papers").is_dir():
            return folder
    return Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    return project_root() / "data"


def figures_dir() -> Path:
    return project_root() / "figures"


def tables_dir() -> Path:
    return project_root() / "tables"
