"""Warnings that point at the user's line, however deep in ratingnet they start.

Under Python's default filter a warning shows once per line of the user's
code. scikit-learn's cross-validation copies the warning filters into each
fold's fit, which makes Python forget what it has shown, so the recipe's
five folds would repeat each warning five times; ratingnet remembers, for
warnings under the default action.
"""

import sys
import warnings
from pathlib import Path

import jax
import joblib
import keras
import sklearn

# Frames in these folders are not the user's: a fit that scikit-learn's
# cross_validate or GridSearchCV makes, or a loss that JAX traces, warns at
# the line that called them.
_LIBRARIES = tuple(
    str(Path(module.__file__).parent) for module in (jax, joblib, keras, sklearn)
) + (str(Path(__file__).parent),)

# (message, category, file, line) of the warnings shown under "default".
_SHOWN = set()


def warn(message, category):
    """``warnings.warn`` at the first caller outside ratingnet and the libraries."""
    level, frame = _first_outside()
    if frame is not None and _action(message, category, frame) == "default":
        where = (message, category, frame.f_code.co_filename, frame.f_lineno)
        if where in _SHOWN:
            return
        _SHOWN.add(where)
    warnings.warn(message, category, stacklevel=level)


def _first_outside():
    # Level 1 is warnings.warn's caller (``warn``); count up from its caller.
    level, frame = 2, sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_LIBRARIES):
        level, frame = level + 1, frame.f_back
    return level, frame


def _action(message, category, frame):
    """The action of the first warning filter that matches, as Python finds it."""
    module = frame.f_globals.get("__name__", "<string>")
    for action, text, kind, where, line in warnings.filters:
        if (
            (text is None or text.match(message))
            and issubclass(category, kind)
            and (where is None or where.match(module))
            and line in (0, frame.f_lineno)
        ):
            return action
    return warnings.defaultaction
