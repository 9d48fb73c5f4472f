"""Checking the target column before any training starts."""

import pandas as pd
from sklearn.base import is_regressor

from ..target import inspect_target
from .errors import CLIError, shorten


def check_target(columns, column, estimator, n_rows):
    """The target's profile; a CLIError if the estimator cannot learn it.

    Parameters
    ----------
    columns : Columns
        The chosen columns (rows with a missing target already left out).
    column : str
        The target column's name, for messages.
    estimator : estimator
        The model to train.
    n_rows : int
        The table's rows, missing targets included.
    """
    if columns.y.empty:
        raise CLIError(
            f"All {n_rows} values of the target column {column!r} are missing. "
            "Check that the right column was chosen with --target."
        )
    try:
        profile = inspect_target(columns.y)
    except ValueError as error:
        raise CLIError(
            f"The target column {column!r} cannot be used: {error}"
        ) from None

    if is_regressor(estimator) and profile.range is None:
        levels = shorten([repr(level) for level in profile.levels], 5)
        raise CLIError(
            f"The target column {column!r} is not numeric (values such as "
            f"{levels}), and the chosen model is a regressor, which predicts "
            "numbers. Give the levels' order with --levels, lowest first (fit "
            "and evaluate take it; predict reads it from the model), or encode "
            "them as numbers in their order (e.g. 1-5); for unordered labels, "
            "`ratingnet fit --model classifier` fits a classifier."
        )
    return profile


def level_positions(y, levels, column):
    """The target's text levels as their positions 1..K in ``levels``.

    Parameters
    ----------
    y : pandas.Series
        The target, without missing values.
    levels : list of str
        The --levels names, lowest first.
    column : str
        The target column's name, for messages.
    """
    if pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
        raise CLIError(
            f"--levels orders a target of text levels, but {column!r} holds "
            "numbers, whose order is their own. Leave out --levels."
        )
    text = y.astype(str).str.strip()
    unknown = sorted(set(text) - set(levels))
    if unknown:
        raise CLIError(
            f"The target column {column!r} holds levels that --levels does not "
            f"name: {shorten([repr(level) for level in unknown], 5)}. --levels "
            f"names {', '.join(levels)}. Name every level of the target, "
            "lowest first."
        )
    positions = {level: position for position, level in enumerate(levels, start=1)}
    return text.map(positions).astype("int64")
