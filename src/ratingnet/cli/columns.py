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
    ids : tuple of str
        Text columns left out of the features because they name each row
        (see `id_columns`).
    """

    X: pd.DataFrame
    y: pd.Series | None
    kinds: dict
    n_dropped: int = 0
    ids: tuple = ()

    def ids_note(self):
        """The note that says which columns were left out as ids; "" if none."""
        if not self.ids:
            return ""
        names = ", ".join(repr(name) for name in self.ids)
        column, it = ("column", "it") if len(self.ids) == 1 else ("columns", "them")
        return (
            f"note: {column} {names} left out of the features: a different text "
            "in every row, like an id or a name, teaches a model nothing (a new "
            f"row's value is always unseen). Name {it} in --categorical (or "
            f"--features) to keep {it}."
        )


def choose_columns(
    frame, *, target=None, features=(), drop=(), categorical=(), dates=False
):
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
    dates : bool, default=False
        Whether feature columns of dates may stay (to be described); else
        they are refused, as the models here do not take them.

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
    # Columns the user named (--features, --categorical) and dates are never
    # ids; the rows that train are those with a target.
    named = [*categorical, *date_columns(frame[names])]
    candidates = frame[names].drop(columns=named, errors="ignore")
    if target is not None:
        candidates = candidates[frame[target].notna()]
    ids = () if features else id_columns(candidates)
    if len(ids) < len(names):
        names = [c for c in names if c not in ids]
    else:
        ids = ()  # Nothing else to learn from: the user sees the ids' warning.
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
    if not dates:
        _refuse_dates(frame[names])

    X = frame[names]
    if target is None:
        return Columns(X, None, column_kinds(X, categorical), ids=ids)
    present = frame[target].notna().to_numpy()
    X, y = (
        X[present].reset_index(drop=True),
        frame[target][present].reset_index(drop=True),
    )
    return Columns(X, y, column_kinds(X, categorical), int((~present).sum()), ids)


# Fewer rows than this, and distinct text in every row may be chance.
_ID_MIN_ROWS = 20


def id_columns(X):
    """The text columns of X that hold a different value in every row.

    Wine names, titles, user ids: as a category, each value is seen once,
    so a model learns nothing from it, and a new row's value is unseen.
    """
    if len(X) < _ID_MIN_ROWS:
        return ()
    return tuple(
        name
        for name, column in X.items()
        if _is_text(column) and column.notna().all() and column.nunique() == len(column)
    )


def _is_text(column):
    """Whether the column holds text, as objects, strings or categories."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        column = column.cat.categories
    return pd.api.types.infer_dtype(column, skipna=True) == "string"


def _refuse_dates(X):
    dates = date_columns(X)
    if dates:
        raise CLIError(
            f"Column(s) {shorten(map(repr, dates))} hold dates or times, which "
            "the models here do not take as features. Leave them out with "
            "--drop, or add numbers made from them (such as the year or the "
            "day of the week) as columns of their own."
        )


# Dates and times as ISO 8601 writes them: 2020-01-31, 2020-01-31 14:05:00,
# 2020-01-31T14:05:00.5+01:00.
_ISO_DATE = (
    r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
)


def date_columns(X):
    """The columns of X that hold dates, times or durations, as types or as ISO text.

    A CSV file holds dates as text; read as text, they would become
    categories, each date a level of its own.
    """
    return [
        name
        for name, column in X.items()
        if isinstance(column.dtype, pd.PeriodDtype)
        or pd.api.types.is_datetime64_any_dtype(column)
        or pd.api.types.is_timedelta64_dtype(column)
        or _is_iso_text(column)
    ]


def _is_iso_text(column):
    if not _is_text(column):
        return False
    present = column.dropna().astype(str)
    return bool(len(present)) and bool(present.str.fullmatch(_ISO_DATE).all())


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
