"""The coded data: loading and validating it against the data package (:mod:`.data`), the
codebook (:mod:`.codebook`), how much of the papers it covers (:mod:`.coverage`) and
the check that a rationale does not deny its own code (:mod:`.rationales`).
"""

# The package keeps the public names of the module it grew from.
from compendium.coding.data import (  # noqa: F401
    PACKAGE_FILE,
    CODED_DIR,
    PARTIAL_DATE,
    CodingError,
    as_list,
    validate_dir,
    load,
    date_bounds,
    SYMMETRIC_RELATIONS,
)
