"""Cross-validated evaluation of a model beside simple baselines, and reports.

The layer between the estimators and the command line: it fits, scores and
plots, and returns its results as data. It prints nothing; progress goes to
an optional callback.
"""

from .baselines import baselines
from .columns import column_kinds, make_encoder
from .crossval import Evaluation, cross_validate
from .report import write_report

__all__ = [
    "Evaluation",
    "baselines",
    "column_kinds",
    "cross_validate",
    "make_encoder",
    "write_report",
]
