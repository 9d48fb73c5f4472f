"""Columns as users bring them to RatingRegressor: dates, pd.NA, odd objects."""

from ratingnet import RatingRegressor
from ratingnet._preprocessing import TablePreprocessor, level_text

import numpy as np
import pandas as pd
import pytest


def _encoded(preprocessor, X, column):
    position = preprocessor.numeric_columns_.index(column)
    return preprocessor.transform(X)[:, position]


def _dates():
    return pd.DataFrame(
        {
            "sold": pd.date_range("2020-01-01", periods=40, freq="7D"),
            "wait": pd.to_timedelta(np.arange(40) % 9, unit="h"),
        }
    )


@pytest.mark.parametrize("unit", ["ns", "ms", "s"])
def test_dates_and_durations_read_alike_in_any_unit(unit):
    X = _dates()
    preprocessor = TablePreprocessor().fit(X)
    other = X.astype({"sold": f"datetime64[{unit}]", "wait": f"timedelta64[{unit}]"})

    for column in ("sold", "wait"):
        np.testing.assert_allclose(
            _encoded(preprocessor, other, column), _encoded(preprocessor, X, column)
        )


def test_dates_with_a_time_zone_and_pyarrow_durations_are_numbers():
    X = _dates()
    X["sold"] = X["sold"].dt.tz_localize("Europe/Paris")
    X["wait"] = X["wait"].astype("duration[s][pyarrow]")

    preprocessor = TablePreprocessor().fit(X)

    assert preprocessor.numeric_columns_ == ["sold", "wait"]
    assert np.isfinite(preprocessor.transform(X)).all()


@pytest.mark.parametrize(
    "as_given",
    [
        lambda dates: dates.astype(object),  # Timestamps, as .apply gives them
        lambda dates: dates.dt.strftime("%Y-%m-%d"),  # ISO text
    ],
)
def test_dates_as_objects_or_text_read_as_dates(as_given):
    X = _dates()
    preprocessor = TablePreprocessor().fit(X)
    given = X.assign(sold=as_given(X["sold"]))

    np.testing.assert_allclose(
        _encoded(preprocessor, given, "sold"), _encoded(preprocessor, X, "sold")
    )


def test_timestamps_as_objects_train_as_dates():
    X = _dates()
    given = X.assign(sold=X["sold"].astype(object))

    preprocessor = TablePreprocessor().fit(given)

    assert preprocessor.number_kinds_["sold"] == "dates"
    np.testing.assert_allclose(
        _encoded(preprocessor, given, "sold"),
        _encoded(TablePreprocessor().fit(X), X, "sold"),
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda X: X.assign(sold=np.arange(40.0)),
            "Column 'sold' held dates in training, but here it holds numbers",
        ),
        (
            lambda X: X.assign(sold=["2020-01-31"] * 39 + ["soon"]),
            "Column 'sold' held dates in training, but here it holds 'soon', which "
            "pandas cannot read as dates",
        ),
        (
            lambda X: X.assign(count=X["sold"]),
            "Column 'count' held numbers in training, but here it holds dates",
        ),
        (
            lambda X: X.assign(flag=np.where(X["flag"], "yes", "no")),
            "Column 'flag' held True/False values in training, but here it holds 'yes'",
        ),
    ],
)
def test_a_column_of_another_kind_at_predict_is_refused(change, message):
    X = _dates().assign(count=np.arange(40) % 7 * 1.5, flag=np.arange(40) % 3 == 0)
    preprocessor = TablePreprocessor().fit(X)

    with pytest.raises(ValueError, match=message):
        preprocessor.transform(change(X))


def test_dates_past_2262_and_pyarrow_days_are_dates():
    import datetime

    import pyarrow as pa

    ends = [datetime.datetime(9999, 12, 31)] * 10 + [datetime.datetime(2020, 1, 1)] * 30
    X = pd.DataFrame({"until": ends, "day": pd.date_range("2020-01-01", periods=40)})
    X["day"] = X["day"].dt.date.astype(pd.ArrowDtype(pa.date32()))

    for table in (X, X.astype({"until": "datetime64[us]"})):
        preprocessor = TablePreprocessor().fit(table)
        assert preprocessor.number_kinds_ == {"until": "dates", "day": "dates"}
        assert np.isfinite(preprocessor.transform(table)).all()


def test_a_date_column_all_missing_at_predict_is_missing():
    X = _dates()
    preprocessor = TablePreprocessor().fit(X)

    encoded = preprocessor.transform(X.assign(sold=np.nan, wait=None))

    assert np.isfinite(encoded).all()


def test_dates_written_in_mixed_formats_are_read():
    X = _dates()
    preprocessor = TablePreprocessor().fit(X)
    written = X["sold"].dt.strftime("%Y-%m-%d").where(X.index % 2 == 0)
    written = written.fillna(X["sold"].dt.strftime("%Y-%m-%d 00:00"))

    np.testing.assert_allclose(
        _encoded(preprocessor, X.assign(sold=written), "sold"),
        _encoded(preprocessor, X, "sold"),
    )


def test_pandas_na_among_numbers_held_as_objects_is_missing():
    counts = pd.array([1, 2, None, 4] * 10, dtype="Int64")
    X = pd.DataFrame({"count": counts, "size": np.arange(40.0)})
    preprocessor = TablePreprocessor().fit(X)

    # Turned into a NumPy array, the Int64 column becomes objects with pd.NA.
    as_objects = X.to_numpy()
    assert as_objects[2, 0] is pd.NA
    by_position = TablePreprocessor().fit(as_objects)

    np.testing.assert_array_equal(
        by_position.transform(as_objects), preprocessor.transform(X)
    )
    assert preprocessor.indicator_columns_ == ["count"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([{"k": 1}] * 20, r"Column 'o' holds dict values such as \{'k': 1\}"),
        ([[1, 2]] * 20, r"Column 'o' holds list values such as \[1, 2\]"),
        ([(1, [2])] * 20, r"Column 'o' holds tuple values such as \(1, \[2\]\)"),
        (np.arange(20) * 1j, "Complex data not supported: column 'o' holds"),
    ],
)
def test_columns_that_are_neither_numbers_nor_categories_are_refused(values, message):
    X = pd.DataFrame({"x": np.arange(20.0), "o": values})

    with pytest.raises(ValueError, match=message):
        TablePreprocessor().fit(X)


def test_lists_arriving_at_predict_are_refused_by_name():
    X = pd.DataFrame({"x": np.arange(20.0), "shade": ["dark", "light"] * 10})
    preprocessor = TablePreprocessor().fit(X)

    with pytest.raises(ValueError, match="Column 'shade' holds list values"):
        preprocessor.transform(X.assign(shade=[["dark"]] * 20))


def test_duplicate_column_names_at_predict_are_refused():
    X = pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) % 3})
    preprocessor = TablePreprocessor().fit(X)

    with pytest.raises(ValueError, match="columns that share a name: 'a'"):
        preprocessor.transform(pd.concat([X, X[["a"]]], axis=1))


@pytest.mark.parametrize(
    ("level", "text"),
    [(1.0, "1"), ("1.0", "1"), ("1", "1"), (2.5, "2.5"), ("2.50", "2.50")],
)
def test_levels_read_as_the_number_python_writes(level, text):
    assert level_text(level) == text


def test_float_levels_find_their_rows_as_text():
    grades = pd.Categorical([1.0, 2.0, 3.0] * 20)
    X = pd.DataFrame({"grade": grades})
    est = RatingRegressor(n_models=1, epochs=1, random_state=0)
    est.fit(X, np.arange(60) % 5 + 1.0)

    as_text = est.predict(pd.DataFrame({"grade": ["1.0", "2.0", "3.0"]}))

    np.testing.assert_array_equal(as_text, est.predict(X.head(3)))
    assert len(set(as_text)) == 3
