"""Table preprocessing inside RatingRegressor: numbers, categories, missing values.

- Non-negative numbers with a long right tail (skewness above 2, such as
  counts of votes or budgets) are first taken as ``log1p``.
- Dates count seconds since 1970 and durations seconds, whatever unit
  their dtype counts in (pandas 3 keeps microseconds where pandas 2 kept
  nanoseconds), so that the same dates in another unit give the same
  predictions.
- Numbers are robust-scaled (median and interquartile range) and softly
  clipped to about ±3 with ``x / sqrt(1 + (x / 3)²)``, so that outliers
  neither dominate the first layer nor are cut off hard (RealMLP's choice).
  Infinite values take the limits, ±3; the medians and quartiles are those
  of the finite values.
  Numbers with more than two values come first, for the network's periodic
  embedding; two-valued ones (flags) follow, since a periodic embedding of
  two points adds nothing but width.
- A missing number becomes the median, plus an indicator column, for every
  column that had missing values in training.
- Categories (object, string, category columns) with few levels are one-hot
  encoded; with many levels they become integer codes for an Embedding
  layer. Missing, rare and unseen categories share code 0 (all zeros in
  one-hot), so new categories at predict time are handled.
- Columns without a single finite value in training (all missing, or all
  infinite), and columns of one value without missing ones, carry no
  information and are dropped (listed in ``dropped_columns_``): a value
  they take only at predict would reach weights that never trained. A
  number column of one value with missing ones keeps only its indicator.
- An embedded column keeps its 4,095 most frequent levels (code 0 takes
  the rest): each step updates the whole embedding table, so a column of
  50,000 ids would cost a hundred times the steps of the rest.
"""

import warnings
from numbers import Integral, Real

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

from ._column_kinds import as_numbers, column_kind
from ._validation import is_hashable, preview
from ._warnings import warn
from .exceptions import RatingnetWarning

_CLIP = 3.0

UNUSED_COLUMN = (
    "Column {column!r} is a category column with {distinct} distinct values, "
    "none of which occurs {n} times or more in training, so the model learns "
    "nothing from it: every value counts as unseen. If it holds numbers, give "
    "it a numeric dtype; if it is an id, leave it out."
)

# The dense block is padded with zero columns to a multiple of this width,
# and embedding tables to a power of two of at least this many codes, so
# that the folds of a cross-validation (whose rare levels differ) build
# models of one structure and train in one compiled program. Unused codes
# cost a few table rows and no compute.
_DENSE_GRANULE = 8
_MIN_CODES = 16
_MAX_CODES = 4096


class TablePreprocessor(TransformerMixin, BaseEstimator):
    """Turn a DataFrame into a dense float block followed by category codes.

    Parameters
    ----------
    max_onehot : int, default=16
        Categorical columns with at most this many levels are one-hot
        encoded; columns with more are embedded.
    min_frequency : int, default=3
        Levels seen fewer times than this in training count as unseen.

    Attributes
    ----------
    n_dense_ : int
        Width of the dense block (the first columns of the output), padded
        with zero columns to a multiple of 8.
    n_periodic_ : int
        How many numbers open the dense block: those with more than two
        values in training (the rest of ``numeric_columns_`` follow them).
    cardinalities_ : list of int
        For each embedded column (the last columns of the output), how many
        codes its embedding has room for (code 0 included): a power of two,
        at least 16.
    dropped_columns_ : list
        Columns left out: no value, or one value and never missing.
    number_kinds_ : dict
        What each column read as numbers held in training: "numbers",
        "flags" (True/False), "dates" or "durations"; a column is read as
        the same kind at transform.
    """

    def __init__(self, max_onehot=16, min_frequency=3):
        self.max_onehot = max_onehot
        self.min_frequency = min_frequency

    def fit(self, X, y=None):
        del y
        table = _as_frame(X)
        if table.shape[1] == 0:
            raise ValueError(
                f"Found array with 0 feature(s) (shape={table.shape}) while a "
                "minimum of 1 is required: RatingRegressor needs at least one "
                "column."
            )
        _refuse_duplicate_columns(table)
        _refuse_unusable_columns(table)
        self.feature_names_in_ = np.asarray(table.columns, dtype=object)
        self.n_features_in_ = table.shape[1]
        self.named_ = isinstance(X, pd.DataFrame)

        empty = [c for c in table.columns if _is_empty(table[c])]
        if len(empty) == table.shape[1]:
            reasons = ", ".join(
                f"{c!r} ({_why_empty(table[c])})" for c in table.columns[:5]
            )
            more = f" and {len(empty) - 5} more" if len(empty) > 5 else ""
            raise ValueError(
                f"No column of X has anything to learn from: {reasons}{more}. "
                "Give X at least one column whose values vary."
            )
        self.dropped_columns_ = empty
        kept = table.drop(columns=empty)
        kinds = {c: column_kind(kept[c]) for c in kept.columns}
        categorical = [c for c, kind in kinds.items() if kind == "text"]
        numeric = [c for c in kept.columns if c not in categorical]
        # What each number column held, to read the same kind at predict.
        self.number_kinds_ = {c: kinds[c] for c in numeric}

        self._fit_numbers(kept[numeric])
        self._fit_categories(kept[categorical])
        return self

    def _fit_numbers(self, numbers):
        self.indicator_columns_ = [
            c for c in numbers.columns if numbers[c].isna().any()
        ]
        # A column of one value with missing ones tells only where they are.
        numbers = numbers[
            [c for c in numbers.columns if len(_distinct(numbers[c])) > 1]
        ]
        flags = [c for c in numbers.columns if numbers[c].nunique() <= 2]
        numbers = numbers[[c for c in numbers.columns if c not in flags] + flags]
        values = as_numbers(numbers, self.number_kinds_)
        self.numeric_columns_ = list(numbers.columns)
        self.n_periodic_ = len(numbers.columns) - len(flags)

        # Statistics of the finite values: an infinite one becomes ±_CLIP.
        values[np.isinf(values)] = np.nan
        self.log_columns_ = _long_tailed(values[:, : self.n_periodic_])
        self._log(values)
        if not values.size:
            self.medians_, self.scales_ = np.zeros(0), np.zeros(0)
            return

        self.medians_ = np.nan_to_num(np.nanmedian(values, axis=0))
        q1, q3 = np.nanpercentile(values, [25, 75], axis=0)
        spread = q3 - q1
        # Columns of no spread between their quartiles fall back to their
        # standard deviation, or to 1.
        flat = ~(spread > 0)
        fallback = np.nanstd(values[:, flat], axis=0)
        spread[flat] = np.where(fallback > 0, fallback, 1.0)
        self.scales_ = spread

    def _fit_categories(self, categories):
        self.onehot_levels_ = {}
        self.embedded_levels_ = {}
        self.cardinalities_ = []
        for column in categories.columns:
            counts = categories[column].astype("object").value_counts(dropna=True)
            levels = [level for level, n in counts.items() if n >= self.min_frequency]
            if not levels:
                warn(
                    UNUSED_COLUMN.format(
                        column=column, n=self.min_frequency, distinct=len(counts)
                    ),
                    RatingnetWarning,
                )
            if len(levels) <= self.max_onehot:
                self.onehot_levels_[column] = levels
            else:
                self.embedded_levels_[column] = levels[: _MAX_CODES - 1]
                self.cardinalities_.append(_code_room(categories[column], counts))
        width = (
            len(self.numeric_columns_)
            + len(self.indicator_columns_)
            + sum(len(levels) for levels in self.onehot_levels_.values())
        )
        # At least one granule: a table of embedded categories alone still
        # gives the network a (zero) dense block.
        self.n_dense_ = max(_round_up(width, _DENSE_GRANULE), _DENSE_GRANULE)
        self.n_padding_ = self.n_dense_ - width

    def transform(self, X):
        table = self._aligned(X)
        if not len(table):
            raise ValueError("X has no rows; give at least one row to predict.")

        # Each block is written into the output in place: a table of
        # 320,000 rows by 50 numbers took 640 MB and 16 s in float64 blocks
        # made one after another, and stacked.
        n_codes = len(self.embedded_levels_)
        output = np.zeros((len(table), self.n_dense_ + n_codes), np.float32)
        start = self._write_numbers(table, output)
        for column, levels in self.onehot_levels_.items():
            output[:, start : start + len(levels)] = _one_hot(table[column], levels)
            start += len(levels)
        for i, (column, levels) in enumerate(self.embedded_levels_.items()):
            output[:, self.n_dense_ + i] = _codes(table[column], levels)
        return output

    def _write_numbers(self, table, output):
        """Write the numbers, then their missing-value indicators, into output.

        Returns the number of columns written.
        """
        # Models saved before the kinds were kept read every column as numbers.
        kinds = getattr(self, "number_kinds_", {})
        values = as_numbers(table[self.numeric_columns_], kinds)
        self._log(values)
        np.copyto(values, self.medians_, where=np.isnan(values))
        values -= self.medians_
        values /= self.scales_
        _soft_clip(values)
        n_numbers = values.shape[1]
        output[:, :n_numbers] = values
        del values

        n_indicators = len(self.indicator_columns_)
        indicators = output[:, n_numbers : n_numbers + n_indicators]
        indicators[:] = table[self.indicator_columns_].isna().to_numpy()
        return n_numbers + n_indicators

    def _log(self, values):
        """Take ``log1p`` of the long-tailed columns, in place."""
        logged = values[:, self.log_columns_]
        values[:, self.log_columns_] = np.log1p(np.maximum(logged, 0.0))

    def _aligned(self, X):
        """The training columns, in training order; refuse missing ones.

        Columns are found by name when both tables have names, and otherwise
        taken by position, as scikit-learn does.
        """
        table = _as_frame(X)
        _refuse_unusable_columns(table)
        if not (self.named_ and isinstance(X, pd.DataFrame)):
            return self._by_position(table, named=isinstance(X, pd.DataFrame))

        _refuse_duplicate_columns(table)
        expected = list(self.feature_names_in_)
        if list(table.columns) == expected:
            return table
        missing = [c for c in expected if c not in table.columns]
        if missing:
            raise ValueError(
                f"X lacks columns the model was trained on: {missing[:10]}. "
                f"Give X the training columns ({len(expected)} in all)."
            )
        return table[expected]

    def _by_position(self, table, named):
        if table.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {table.shape[1]} features, but RatingRegressor is "
                f"expecting {self.n_features_in_} features as input. Give X "
                "the training columns, in training order."
            )
        if named != self.named_:
            trained = "a DataFrame" if self.named_ else "an array"
            warnings.warn(
                f"X is {'a DataFrame' if named else 'an array'}, but the model "
                f"was trained on {trained}; its columns are taken in training "
                "order.",
                UserWarning,
                stacklevel=2,
            )
        return table.set_axis(self.feature_names_in_, axis=1)


def _refuse_duplicate_columns(table):
    duplicated = table.columns[table.columns.duplicated()].unique()
    if len(duplicated):
        names = ", ".join(map(repr, duplicated[:5]))
        raise ValueError(
            f"X has columns that share a name: {names}. Give every column a "
            "name of its own."
        )


def _refuse_unusable_columns(table):
    """Refuse complex numbers, and objects that cannot be categories (lists)."""
    for name, column in table.items():
        if column.dtype.kind == "c":
            raise ValueError(
                f"Complex data not supported: column {name!r} holds complex "
                "numbers. Give it real numbers: its .real, .imag or abs()."
            )
        if column.dtype != object:
            continue
        try:
            pd.unique(column)
        except TypeError:
            value = next(v for v in column if not is_hashable(v))
            raise ValueError(
                f"Column {name!r} holds {type(value).__name__} values such as "
                f"{preview(value, width=40)}, which cannot be categories. Give "
                f"it numbers or text (X[{name!r}].astype(str)), or leave it out."
            ) from None


def _is_empty(column):
    """Whether a column tells nothing: no finite value, or one and never missing."""
    values = _distinct(column)
    finite = _is_categorical(column) or np.isfinite(values).any()
    return not (len(values) and finite) or (
        len(values) == 1 and not column.isna().any()
    )


def _why_empty(column):
    """Why `_is_empty` finds nothing in the column, in a few words."""
    values = _distinct(column)
    if not len(values):
        return "all missing"
    if not _is_categorical(column) and not np.isfinite(values).any():
        return "all missing or infinite"
    value = column.dropna().iloc[0]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp | pd.Timedelta):
        return f"one value, {value}"
    return f"one value, {preview(value, width=30)}"


def _distinct(column):
    """The column's distinct values, missing ones aside."""
    if _is_categorical(column):
        return column.dropna().unique()
    values = as_numbers(column.to_frame()).ravel()
    return np.unique(values[~np.isnan(values)])


def _soft_clip(x):
    """``x / sqrt(1 + (x / 3)²)`` in place, taking ±3 at ±infinity."""
    infinite = np.isinf(x)
    limits = np.copysign(_CLIP, x[infinite])
    # hypot's result in the array it reads: with a new array for its result,
    # numpy took ten times as long.
    root = x / _CLIP
    np.hypot(1.0, root, out=root)
    with np.errstate(invalid="ignore"):
        x /= root
    x[infinite] = limits
    return x


def _round_up(n, granule):
    return -(-n // granule) * granule


def _code_room(column, counts):
    """Rows of a column's embedding table: room for every level it could have.

    Counted from all the levels seen (rare ones too) or, for a pandas
    categorical whose categories are at most twice those, from its
    categories, rather than from the frequent levels, so that the training
    rows of different folds give tables of one size; at most 4,096.
    """
    n_levels = len(counts)
    declared = len(getattr(column.dtype, "categories", ()))
    if n_levels < declared <= 2 * n_levels:
        # Categories a fold lacks still get a row, but not many unused ones.
        n_levels = declared
    return min(max(_MIN_CODES, 1 << n_levels.bit_length()), _MAX_CODES)


def _long_tailed(values, threshold=2.0):
    """Positions of non-negative columns whose skewness exceeds ``threshold``."""
    positions = []
    for i in range(values.shape[1]):
        column = values[:, i][~np.isnan(values[:, i])]
        if column.size < 3 or column.min() < 0 or column.std() == 0:
            continue
        centred = column - column.mean()
        skewness = np.mean(centred**3) / column.std() ** 3
        if skewness > threshold:
            positions.append(i)
    return positions


def _as_frame(X):
    if isinstance(X, pd.DataFrame):
        return X
    array = X.toarray() if sparse.issparse(X) else np.asarray(X)
    if array.ndim != 2:
        raise ValueError(
            f"Expected 2D array, got {array.ndim}D array instead. Reshape your "
            "data, or pass a DataFrame: one row per sample."
        )
    return pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])])


def _is_categorical(column):
    """Anything but numbers, flags, dates and durations: categories as text."""
    return column_kind(column) == "text"


def _one_hot(column, levels):
    labels = _labels(column)
    columns = [labels == level_text(level) for level in levels]
    return np.stack(columns, axis=1) if columns else np.zeros((len(labels), 0))


def _codes(column, levels):
    lookup = {level_text(level): code for code, level in enumerate(levels, start=1)}
    return pd.Series(_labels(column)).map(lookup).fillna(0).to_numpy(np.float64)


def _labels(column):
    """A category column as text (see `level_text`), None where missing."""
    values = column.astype("object")
    missing = values.isna().to_numpy()
    lookup = {value: level_text(value) for value in pd.unique(values[~missing])}
    return np.where(missing, None, values.map(lookup).to_numpy())


def level_text(level):
    """A level as the text it matches by.

    A whole number reads as one, and text written as Python writes a float
    reads as that float, so that a level finds its rows when the column
    comes in another type: "1", "1.0", 1 and 1.0 (integers that a missing
    value turned into floats) are one level. Other text stays as it is
    ("01" is not "1").
    """
    if isinstance(level, str):
        return _float_text(level)
    if isinstance(level, bool | np.bool_) or not isinstance(level, Real):
        return str(level)
    if isinstance(level, Integral) or float(level).is_integer():
        return str(int(level))
    return str(level)


def _float_text(text):
    try:
        number = float(text)
    except ValueError:
        return text
    return level_text(number) if str(number) == text else text
