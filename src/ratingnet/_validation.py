"""Checks on X and y, so that bad input fails before any training starts."""

import contextlib

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.utils.validation import _check_sample_weight, validate_data


def check_features(estimator, X, *, reset):
    """X as a 2-D float32 array with finite values, and its columns recorded.

    Sparse X (a OneHotEncoder's output) is made dense: the networks take
    dense rows.
    """
    _refuse_text_columns(estimator, X)
    with _naming_non_finite(X):
        X = validate_data(
            estimator, X, reset=reset, dtype=np.float32, accept_sparse=True
        )
    X = _dense(X)
    if X.shape[1] == 0:
        raise ValueError(
            f"X has no columns (shape {X.shape}); {type(estimator).__name__} "
            "needs at least one feature."
        )
    return X


def check_training_data(estimator, X, y, sample_weight=None, *, reset=True):
    """Validated X, y (2-D, numeric) and sample weights for fit.

    With ``reset``, the estimator learns X's columns; without, X is checked
    against them.
    """
    _refuse_text_columns(estimator, X)
    check_target_values(y)
    if estimator._requires_numeric_target:
        _refuse_text_target(estimator, y)
    given = getattr(y, "dtype", None)
    with _naming_non_finite(X):
        X, y = validate_data(
            estimator,
            X,
            y,
            reset=reset,
            dtype=np.float32,
            accept_sparse=True,
            multi_output=True,
            y_numeric=estimator._requires_numeric_target,
        )
    X = _dense(X)
    if X.shape[1] == 0:
        raise ValueError(
            f"X has no columns (shape {X.shape}); {type(estimator).__name__} "
            "needs at least one feature."
        )
    weights = _check_sample_weight(sample_weight, X, dtype=np.float32)
    _refuse_negative_weights(weights)
    return X, _nullable_back(y, given), weights


def _refuse_negative_weights(weights):
    negative = np.flatnonzero(weights < 0)
    if len(negative):
        raise ValueError(
            f"sample_weight is negative in {len(negative)} of {len(weights)} "
            f"rows, at positions {_first_few(negative)} (counting from 0): "
            "training would reward errors on those rows. Give weights of 0 "
            "(to leave a row out) or more."
        )


@contextlib.contextmanager
def _naming_non_finite(X):
    """Replace scikit-learn's "Input X contains NaN" with where, and what to do.

    Its message names neither the column nor the rows, and a table of
    dozens of columns leaves the user searching.
    """
    try:
        yield
    except ValueError as error:
        found = str(error).startswith("Input X contains") and _non_finite_cells(X)
        if not found:
            raise
        kinds, places = found
        raise ValueError(
            f"Input X contains {' and '.join(kinds)}: {places}. Impute missing "
            "values first (sklearn.impute.SimpleImputer in a Pipeline) and "
            "replace infinite ones, or use RatingRegressor, which takes both."
        ) from None


_NON_FINITE = {"NaN": np.isnan, "infinity": np.isinf}


def _non_finite_cells(X, limit=3):
    """The kinds of non-finite values in X, and where they are, or None.

    ``(["NaN"], "column 'a' (NaN in 2 rows, positions 4, 9)")``.
    """
    if sparse.issparse(X):
        return None
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
    named = isinstance(X, pd.DataFrame)

    kinds, places = set(), []
    for position, (name, column) in enumerate(frame.items()):
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
        cells = []
        for kind, test in _NON_FINITE.items():
            rows = np.flatnonzero(test(values))
            if len(rows):
                kinds.add(kind)
                cells.append(_rows_of(kind, rows))
        if cells:
            label = repr(name) if named else str(position)
            places.append(f"column {label} ({'; '.join(cells)})")

    if not places:
        return None
    more = f" and {len(places) - limit} more columns" if len(places) > limit else ""
    return sorted(kinds, key=list(_NON_FINITE).index), ", ".join(places[:limit]) + more


def _rows_of(kind, rows):
    """ "NaN in 2 rows, positions 4, 9" or "infinity at position 2"."""
    if len(rows) == 1:
        return f"{kind} at position {rows[0]}"
    return f"{kind} in {len(rows)} rows, positions {_first_few(rows)}"


def _nullable_back(y, given):
    """y in the NumPy type of the pandas integer or boolean type it came in.

    Validation turns ``Int64`` and ``boolean`` columns into floats (their NA
    needs one); labels without NA keep their own type.
    """
    nullable = isinstance(given, pd.api.extensions.ExtensionDtype) and (
        pd.api.types.is_integer_dtype(given) or pd.api.types.is_bool_dtype(given)
    )
    if not nullable or y.dtype.kind != "f" or np.isnan(y).any():
        return y
    return y.astype(given.numpy_dtype)


def _dense(X):
    return X.toarray() if sparse.issparse(X) else X


def _refuse_text_columns(estimator, X):
    dtypes = getattr(X, "dtypes", None)
    if not isinstance(dtypes, pd.Series):
        return

    text = [str(name) for name, dtype in dtypes.items() if not _is_numeric(dtype)]
    if text:
        raise ValueError(
            f"{type(estimator).__name__} needs numeric columns, but X has "
            f"non-numeric columns: {', '.join(text)}. Encode them first, for "
            "example with sklearn.preprocessing.OneHotEncoder in a pipeline."
        )


def ordered_categories(y):
    """The categories of a pandas ordered categorical y, in order; else None.

    Validation turns such a y into plain values, which lose the order.
    """
    dtype = getattr(y, "dtype", None)
    if isinstance(dtype, pd.CategoricalDtype) and dtype.ordered:
        return list(dtype.categories)
    return None


def check_target_values(y, name="y"):
    """Refuse a target that is missing (NaN, None, pd.NA) or infinite in some rows.

    The message names the rows (their positions) and how to leave them out.
    """
    if y is None or sparse.issparse(y):
        return

    values = np.asarray(y)
    if values.ndim == 0 or values.size == 0:
        return
    rows = values.reshape(len(values), -1)
    for problem, found, keep in (
        ("missing values (NaN or None)", pd.isna(rows), "pd.notna"),
        ("infinite values", _infinite(rows), "np.isfinite"),
    ):
        positions = np.flatnonzero(found.any(axis=1))
        if len(positions):
            features = "X" + name[1:]  # X for y, X_val for y_val
            raise ValueError(
                f"{name} contains {problem} in {len(positions)} of {len(rows)} "
                f"rows, at positions {_first_few(positions)} (counting from 0). "
                "Drop those rows, or fill the target, before fitting or "
                f"scoring, for example: keep = {keep}({name}); {features}, "
                f"{name} = {features}[keep], {name}[keep]."
            )


def _infinite(values):
    if values.dtype.kind == "f":
        return np.isinf(values)
    if values.dtype.kind == "O":
        return np.vectorize(_is_infinite, otypes=[bool])(values)
    return np.zeros(values.shape, dtype=bool)


def _is_infinite(value):
    return isinstance(value, float | np.floating) and np.isinf(value)


def _first_few(positions, limit=5):
    shown = ", ".join(str(p) for p in positions[:limit])
    return shown + (", ..." if len(positions) > limit else "")


def _refuse_text_target(estimator, y):
    values = np.asarray(y)
    if values.dtype.kind not in "OSU":
        return

    labels = dict.fromkeys(str(v) for v in values.ravel() if isinstance(v, str))
    text = [label for label in labels if not is_number(label)]
    if text:
        examples = ", ".join(repr(label) for label in text[:3])
        raise ValueError(
            f"{type(estimator).__name__} predicts numbers, but y holds text "
            f"labels ({examples}). Map them to numbers in their order (such "
            "as {'poor': 1, 'fair': 2, 'good': 3}), or fit "
            "KerasOrdinalRegressor(levels=[...]) on the labels, lowest "
            "first; KerasClassifier is for labels without an order."
        )


def is_number(value):
    """Whether ``float(value)`` succeeds."""
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def one_per_row(array, name, fix):
    """``array`` as 1-D (a single column is taken), else a ValueError saying ``fix``."""
    if array.ndim == 2 and array.shape[1] == 1:
        array = array.ravel()
    if array.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D, one value per row. Got shape {array.shape}. {fix}"
        )
    return array


def is_hashable(value):
    """Whether ``value`` can be a category or a level (a dict key)."""
    try:
        hash(value)
    except TypeError:
        return False
    return True


def preview(value, width=60):
    """``repr(value)``, cut to ``width`` characters for a message."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _is_numeric(dtype):
    return pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
