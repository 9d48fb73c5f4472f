"""Warnings that point at the user's line, however deep in ratingnet they start."""

import sys
import warnings
from pathlib import Path

import joblib
import sklearn

# Frames in these folders are not the user's: a fit that scikit-learn's
# cross_validate or GridSearchCV makes warns at the line that called them.
_LIBRARIES = tuple(
    str(Path(path).parent) for path in (__file__, sklearn.__file__, joblib.__file__)
)


def warn(message, category):
    """``warnings.warn`` at the first caller outside ratingnet and scikit-learn."""
    warnings.warn(message, category, stacklevel=_first_outside_level())


def _first_outside_level():
    # Level 1 is warnings.warn's caller (``warn``); count up from its caller.
    level, frame = 2, sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_LIBRARIES):
        level, frame = level + 1, frame.f_back
    return level
