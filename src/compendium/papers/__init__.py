"""The papers as data: the registry of paper texts (:mod:`.registry`) and the page-aware
text with quote lookup (:mod:`.sources`). First step of the flow: papers → coding →
analysis → render (→ grading); ``build`` runs the notebooks that chain them.
"""

# The package keeps the public names of the module it grew from.
from compendium.papers.registry import (  # noqa: F401
    PACKAGE_FILE,
    INDONESIAN_SECTIONS,
    SEGMENT_CLASS,
    PaperError,
    sync_package,
    package_problems,
    write_registry,
    write_package,
    sync,
    add,
)
