"""Warnings that point at the user's line, however deep in ratingnet they start."""

import sys
import warnings
from pathlib import Path

_PACKAGE = str(Path(__file__).parent)


def warn(message, category):
    """``warnings.warn`` at the first caller outside the ratingnet package."""
    warnings.warn(message, category, stacklevel=_first_outside_level())


def _first_outside_level():
    # Level 1 is warnings.warn's caller (``warn``); count up from its caller.
    level, frame = 2, sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        level, frame = level + 1, frame.f_back
    return level
