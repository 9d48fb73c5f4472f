"""Choosing a table's features and target by the column options."""

from dataclasses import dataclass

import pandas as pd

from ..evaluation import column_kinds
from ..evaluation.columns import CATEGORICAL
from .errors import CLIError, did_you_mean, shorten


@dataclass
class Columns:
    """The features and target chosen from a table.

    Attributes
    ----------
    X : pandas.DataFrame
        The feature columns, rows with a missing target left out.
    y : pandas.Series or None
        The target, without missing values; None when no target was named.
    kinds : dict of str to str
        Each feature's kind, "numeric" or "categorical".
    n_dropped : int
        Rows left out because their target was missing.
    """

    X: pd.DataFrame
    y: pd.Series | None
    kinds: dict
    n_dropped: int = 0


def choose_columns(frame, *, target=None, features=(), drop=(), categorical=()):
    """Split a table into features and target by the column options.

    Parameters
    ----------
    frame : pandas.DataFrame
    target : str or None
        The target column.
    features : sequence of str
        The feature columns; empty means every column but the target and
        those in ``drop``.
    drop : sequence of str
        Columns to leave out.
    categorical : sequence of str
        Feature columns to treat as categories even if they hold numbers.

    Returns
    -------
    Columns
    """
    # A column named twice counts once.
    features, drop, categorical = (
        list(dict.fromkeys(names)) for names in (features, drop, categorical)
    )
    # The row index read_table left out is gone already, as --drop asks.
    drop = [name for name in drop if name != frame.attrs.get("row_index")]
    if target is not None:
        check_columns(frame, [target], "--target")
    check_columns(frame, features, "--features")
    check_columns(frame, drop, "--drop")

    names = list(features) or [c for c in frame.columns if c not in set(drop)]
    names = [c for c in names if c != target]
    if not names:
        raise CLIError(
            f"No feature columns are left (the table has {shorten(frame.columns)}; "
            f"the target is {target!r}). Keep at least one column besides the target."
        )
    if target is not None and target in categorical:
        raise CLIError(
            f"--categorical names the target column {target!r}; it is for "
            "feature columns. A rating target is read as numbers; "
            "`--model classifier` or `--model ordinal` take its levels as classes."
        )
    check_columns(frame[names], categorical, "--categorical")
    _refuse_dates(frame[names])

    X = frame[names]
    if target is None:
        return Columns(X, None, column_kinds(X, categorical))
    present = frame[target].notna().to_numpy()
    X, y = (
        X[present].reset_index(drop=True),
        frame[target][present].reset_index(drop=True),
    )
    return Columns(X, y, column_kinds(X, categorical), int((~present).sum()))


def _refuse_dates(X):
    dates = [
        name
        for name in X.columns
        if isinstance(X[name].dtype, pd.PeriodDtype)
        or pd.api.types.is_datetime64_any_dtype(X[name])
        or pd.api.types.is_timedelta64_dtype(X[name])
    ]
    if dates:
        raise CLIError(
            f"Column(s) {shorten(map(repr, dates))} hold dates or times, which "
            "the models here do not take as features. Leave them out with "
            "--drop, or add numbers made from them (such as the year or the "
            "day of the week) as columns of their own."
        )


def forced_categories(columns):
    """The numeric columns that ``--categorical`` makes categories."""
    return [
        name
        for name, kind in columns.kinds.items()
        if kind == CATEGORICAL and pd.api.types.is_numeric_dtype(columns.X[name])
    ]


def as_categories(X, names):
    """X with these columns as pandas categories.

    For models that encode columns themselves and tell categories from
    numbers by their type.
    """
    return X.astype(dict.fromkeys(names, "category")) if names else X


def check_columns(frame, names, option):
    """Raise a CLIError naming the first of ``names`` not in the table."""
    columns = [str(c) for c in frame.columns]
    for name in names:
        if name not in columns:
            raise CLIError(
                f"There is no column {name!r} (given to {option})."
                f"{did_you_mean(name, columns)} The columns are: "
                f"{shorten(columns, 12)}." + _one_column_hint(columns)
            )


def _one_column_hint(columns):
    if len(columns) != 1:
        return ""
    return (
        " The file was read as a single column; check that it is a CSV file "
        "with a header row."
    )


def split_names(values):
    """Column names from repeated, comma-separated options."""
    return [
        name.strip()
        for value in values or ()
        for name in value.split(",")
        if name.strip()
    ]
