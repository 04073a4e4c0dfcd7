"""Grading student coursework against the reference coding.

* :mod:`~compendium.grading.assignments` -- assignments as data (``data/assignments/*.yaml``), key, codes;
* :mod:`~compendium.grading.agreement` -- percent agreement, Cohen's κ, Krippendorff's α (nominal);
* :mod:`~compendium.grading.submissions` -- defensive reading of a CSV submission;
* :mod:`~compendium.grading.sandbox` -- running an untrusted notebook submission;
* :mod:`~compendium.grading.batch` -- grading a folder, with a cache and a progress bar;
* :mod:`~compendium.grading.report` -- gradebook, feedback, class report, "too alike" pairs;
* :mod:`~compendium.grading.reliability` -- reference vs the second coder.

CLI: ``compendium assignment template|key NAME``, ``compendium grade NAME DIR --out OUT``.
"""

from compendium.grading.agreement import cohen_kappa, krippendorff_alpha_nominal, percent_agreement
from compendium.grading.assignments import Assignment, AssignmentError, load_assignment
from compendium.grading.batch import GradingRun, Result, grade
from compendium.grading.reliability import reliability
from compendium.grading.report import write_reports
from compendium.grading.sandbox import Limits

__all__ = ["Assignment", "AssignmentError", "GradingRun", "Limits", "Result", "cohen_kappa", "grade",
           "krippendorff_alpha_nominal", "load_assignment", "percent_agreement", "reliability",
           "write_reports"]
