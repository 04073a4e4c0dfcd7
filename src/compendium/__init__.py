"""sister-city-compendium: the Bandung–Seoul smart-city papers as checkable data."""

__version__ = "0.1.0"

import sys as _sys

# jsonschema (imported by nbformat, papermill and frictionless) imports ``rfc3987_syntax`` whenever it
# is installed (here through jupyterlab's jupyter-events); that module compiles some 35 Lark grammars
# at import, about 2 s of CPU in every process, for the "iri" string format that no schema of this
# project uses (python-jsonschema/jsonschema#1428). `make` uninstalls it, which also spares processes
# that import jsonschema before this package (pytest with nbval); where it is still installed (a conda
# environment), marking it absent here skips that checker only.
_sys.modules.setdefault("rfc3987_syntax", None)
