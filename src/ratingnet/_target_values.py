"""Reading a target: one plain value per row, as a pandas Series.

`as_series` takes what users pass as y (a list, an array, a Series, a
one-column DataFrame, a Categorical); `check_plain_values` refuses what no
estimator here takes as a target: complex numbers, and rows that hold
several values (lists, tuples, dicts).
"""

from collections.abc import Collection

import numpy as np
import pandas as pd

from ._validation import is_hashable, one_per_row, preview


def as_series(y):
    """Return `y` as a pandas Series; one column of a table is accepted."""
    if isinstance(y, pd.DataFrame) and y.shape[1] == 1:
        return y.iloc[:, 0]
    if isinstance(y, pd.Series):
        return y
    if isinstance(y, pd.Categorical):
        # As a Series, not an array, so that its order survives.
        return pd.Series(y)

    array = y.to_numpy() if isinstance(y, pd.DataFrame) else _as_array(y)
    array = one_per_row(array, "y", "Pass a single target column.")
    return pd.Series(_as_storable(array))


def _as_array(y):
    """`y` as a NumPy array; ragged rows ([1, [2, 3]]) as one object each.

    NumPy cannot shape ragged rows; kept as objects, they reach the check
    for plain values, whose message says what to pass instead.
    """
    try:
        return np.asarray(y)
    except ValueError:
        rows = list(y)
        array = np.empty(len(rows), dtype=object)
        for i, row in enumerate(rows):
            array[i] = row
        return array


def _as_storable(array):
    """The array in a form pandas holds: bytes as bytes objects.

    pandas cannot index NumPy's fixed-width bytes (dtype "S"), but holds
    bytes objects like any other label. Records (compound dtypes) hold
    several values per row.
    """
    if array.dtype.kind == "S":
        return array.astype(object)
    if array.dtype.kind == "V":
        raise ValueError(
            f"y must hold one number or label per row, but its dtype "
            f"{array.dtype} holds records or raw bytes. Pass the target field "
            "alone (y['name'] for a record array)."
        )
    return array


def check_plain_values(present):
    """Refuse complex numbers and values that are not one plain value per row.

    A complex number has no order, and casting it to a float would silently
    drop its imaginary part. A list, tuple or dict holds several values,
    not one level, and levels are counted, which needs hashable values.
    """
    if present.dtype.kind == "c":
        numbers = present.to_numpy()
        _refuse_complex(numbers[np.argmax(numbers.imag != 0)])
    if present.dtype != object:
        return

    # Text, numbers, dates...: pandas names them; anything else is "mixed".
    inferred = pd.api.types.infer_dtype(present, skipna=True)
    if inferred not in {"mixed", "mixed-integer", "complex"}:
        return
    for label, value in present.items():
        if isinstance(value, complex | np.complexfloating):
            _refuse_complex(value)
        if _holds_several(value) or not is_hashable(value):
            _refuse_container(label, value)


def _holds_several(value):
    """Whether `value` is a container (list, tuple, dict, array), not text."""
    return isinstance(value, Collection) and not isinstance(value, str | bytes)


def _refuse_complex(example):
    raise ValueError(
        f"y holds complex numbers, such as {complex(example)!r}; a target "
        "must be real. Pass y.real when the imaginary parts are all 0, or "
        "choose one real quantity to predict, such as abs(y)."
    )


def _refuse_container(label, value):
    kind = type(value).__name__
    raise ValueError(
        f"y must hold one number or label per row, but the row at index "
        f"{label!r} holds a {kind} ({preview(value)}). Take the target value "
        f"out of each {kind} first, and pass a 1-D list, array or Series of "
        "numbers or text."
    )
