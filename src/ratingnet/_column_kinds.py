"""Reading a table's columns as numbers, each as the kind it held in training.

A number column may hold numbers, True/False values, dates or durations
(`column_kind`); `as_numbers` reads each as numbers (dates as seconds since
1970, durations as seconds) and, given the kinds a column held in training,
reads it as that kind again or refuses it by name.
"""

import numpy as np
import pandas as pd

from ._validation import is_number, preview


def as_numbers(frame, kinds=None):
    """The columns of ``frame`` as a new float64 array, missing values as NaN.

    ``kinds`` maps a column to what it held in training (see `column_kind`): a
    column is read as that kind, and refused when it holds another.
    """
    kinds = {name: kinds.get(name, "numbers") for name in frame} if kinds else {}
    frame = _times_in_seconds(frame, kinds)
    try:
        return frame.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    except (TypeError, ValueError):
        pass

    # In an object column, pandas leaves pd.NA (from a nullable Int64 column
    # turned into an array) for NumPy, which cannot make it a float.
    objects = frame.astype(object)
    try:
        present = objects.notna()
        return objects.where(present, np.nan).to_numpy(dtype=np.float64, copy=True)
    except (TypeError, ValueError) as error:
        failure = error

    for name in frame.columns:
        text = [v for v in frame[name] if not (pd.isna(v) or is_number(v))]
        if text:
            held = _KIND_NAMES[kinds.get(name, "numbers")]
            raise ValueError(
                f"Column {name!r} held {held} in training, but here it holds "
                f"{text[0]!r}, which is not a number. Give it {held}, or NaN "
                "where a value is missing."
            ) from None
    raise failure


# What a column holds, as messages name it.
_KIND_NAMES = {
    "numbers": "numbers",
    "flags": "True/False values",
    "dates": "dates",
    "durations": "durations",
    "text": "text",
}


def column_kind(column):
    """What a column holds: "numbers", "flags", "dates", "durations" or "text".

    An object column takes the kind of its values (numbers, Timestamps);
    text, categories and mixed values are "text".
    """
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return "text"
    time_kind = getattr(dtype, "kind", None)
    if time_kind in ("M", "m"):
        return "dates" if time_kind == "M" else "durations"
    if pd.api.types.is_bool_dtype(dtype):
        return "flags"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numbers"
    if pd.api.types.is_object_dtype(dtype):
        return _OBJECT_KINDS.get(pd.api.types.infer_dtype(column, skipna=True), "text")
    return "text"


# What pandas infers for an object column, by the kind its values make: as
# a ColumnTransformer's passthrough columns beside text ones arrive, or
# dates after .astype(object) or a row-wise apply.
_OBJECT_KINDS = {
    "integer": "numbers",
    "floating": "numbers",
    "mixed-integer-float": "numbers",
    "decimal": "numbers",
    "boolean": "flags",
    "datetime": "dates",
    "datetime64": "dates",
    "date": "dates",
    "timedelta": "durations",
    "timedelta64": "durations",
}


def _times_in_seconds(frame, kinds):
    """``frame`` with dates as seconds since 1970 and durations as seconds.

    NumPy counts a date in its dtype's unit: the same dates in microseconds
    and in nanoseconds would read as numbers a thousand times apart. A
    column that held dates (or durations) in training is read as such, text
    included; dates where numbers were, or numbers where dates were, are
    refused. A column with no value at all is missing, whatever its type.
    """
    converted = {}
    for i, name in enumerate(frame.columns):
        column = frame.iloc[:, i]
        given = column_kind(column)
        trained = kinds.get(name, given)
        if not {given, trained} & {"dates", "durations"}:
            continue
        if not column.notna().any():
            converted[i] = pd.Series(np.nan, index=column.index)
        elif given not in (trained, "text"):
            raise ValueError(
                f"Column {name!r} held {_KIND_NAMES[trained]} in training, but "
                f"here it holds {_KIND_NAMES[given]}. Give it "
                f"{_KIND_NAMES[trained]}, as in training."
            )
        elif trained == "durations":
            durations = _read(pd.to_timedelta, column, name, trained)
            converted[i] = durations / pd.Timedelta(seconds=1)
        else:
            converted[i] = _since_1970(_read(_as_dates, column, name, trained))
    if not converted:
        return frame

    frame = frame.copy(deep=False)
    for i, seconds in converted.items():
        frame.isetitem(i, seconds)
    return frame


def _as_dates(column):
    """Dates as they are; objects and text (ISO 8601 or mixed formats) read as dates.

    Times without a zone are read as UTC, as dates without a zone count
    from 1970-01-01 00:00 anyway.
    """
    if getattr(column.dtype, "kind", None) == "M":
        return column
    try:
        return pd.to_datetime(column, utc=True, format="ISO8601")
    except (TypeError, ValueError):
        return pd.to_datetime(column, utc=True, format="mixed")


def _read(convert, column, name, kind):
    """``convert(column)``, or a message naming the first value it cannot read."""
    try:
        return convert(column)
    except (TypeError, ValueError, OverflowError):
        pass
    for value in column.dropna():
        try:
            convert(pd.Series([value]))
        except (TypeError, ValueError, OverflowError):
            raise ValueError(
                f"Column {name!r} held {kind} in training, but here it holds "
                f"{preview(value, width=40)}, which pandas cannot read as "
                f"{kind}. Give it {kind}, or NaT where one is missing."
            ) from None
    return convert(column)


def _since_1970(times):
    """Seconds since 1970 of dates in any unit, time zone (as UTC) or pyarrow type.

    The start of 1970 is taken in the dates' own unit: in nanoseconds, it
    could not be subtracted from dates past 2262 (9999-12-31 stands for
    "no end" in many databases).
    """
    try:
        zone = times.dt.tz
    except (AttributeError, NotImplementedError):  # pyarrow's days (date32)
        times, zone = times.astype("datetime64[s]"), None
    epoch = pd.Timestamp(0, tz=None if zone is None else "UTC")
    epoch = epoch.as_unit(getattr(times.dt, "unit", "ns"))
    return (times - epoch) / pd.Timedelta(seconds=1)
