"""Tests for ratingnet.target: the kind rules, the profile, and errors."""

import dataclasses

from ratingnet.target import (
    MAX_RATING_LEVELS,
    TargetProfile,
    inspect_target,
    is_rating,
)

import numpy as np
import pandas as pd
import pytest

# --- kinds ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("y", "step"),
    [
        ([1, 2, 3, 4, 5, 3, 2], 1.0),
        ([3, 4, 5, 6, 7, 8], 1.0),
        (np.arange(0.5, 5.01, 0.5), 0.5),
        ([0, 2, 4, 6, 8, 10], 2.0),
        ([1, 2, 4, 5], 1.0),
        ([-2, -1, 0, 1, 2], 1.0),
        ([0.1, 0.2, 0.3], 0.1),
        (np.arange(0, 20.01, 0.5), 0.5),
    ],
)
def test_numbers_on_a_regular_grid_are_a_rating(y, step):
    profile = inspect_target(y)

    assert profile.kind == "rating"
    assert profile.step == pytest.approx(step)
    assert profile.levels == tuple(sorted(set(profile.levels)))


def test_two_numbers_are_binary():
    profile = inspect_target(np.array([0, 1, 1, 0, 1]))

    assert profile.kind == "binary"
    assert profile.levels == (0, 1)
    assert profile.level_counts == {0: 2, 1: 3}


@pytest.mark.parametrize(
    "y",
    [
        ["red", "white", "red"],
        [True, False, True],
        pd.Series(["a", "b", "c"], dtype="category"),
        pd.Series(["x", "y", None], dtype="string"),
    ],
)
def test_text_bool_and_unordered_categories_are_nominal(y):
    profile = inspect_target(y)

    assert profile.kind == "nominal"
    assert profile.range is None
    assert "KerasClassifier" in profile.advice


def test_an_ordered_categorical_is_a_rating_in_its_own_order():
    order = pd.CategoricalDtype(["low", "mid", "high", "top"], ordered=True)
    profile = inspect_target(pd.Series(["high", "low", "mid", "low"], dtype=order))

    assert profile.kind == "rating"
    assert profile.levels == ("low", "mid", "high", "top")
    assert profile.level_counts == {"low": 2, "mid": 1, "high": 1, "top": 0}


def test_a_bare_ordered_categorical_keeps_its_order():
    y = pd.Categorical(["high", "low", "mid"], ["low", "mid", "high"], ordered=True)

    profile = inspect_target(y)

    assert profile.kind == "rating"
    assert profile.levels == ("low", "mid", "high")


@pytest.mark.parametrize(
    "y",
    [
        np.arange(MAX_RATING_LEVELS + 5),
        [0, 1, 2, 3, 250],
        [0.0, 1.0, 3.0, 100.0],
    ],
)
def test_whole_numbers_with_too_many_values_or_a_long_tail_are_a_count(y):
    assert inspect_target(y).kind == "count"


@pytest.mark.parametrize(
    "y",
    [
        np.random.default_rng(0).normal(size=100),
        [2.31, 0.07, 5.9],
        np.arange(-30, 30),
        [-1, 0, 1, 100],
    ],
)
def test_everything_else_is_continuous(y):
    profile = inspect_target(y)

    assert profile.kind == "continuous"
    assert profile.step is None


def test_cap_on_the_number_of_grid_points():
    at_cap = np.arange(1, MAX_RATING_LEVELS + 1)
    over_cap = np.arange(1, MAX_RATING_LEVELS + 2)

    assert inspect_target(at_cap).kind == "rating"
    assert inspect_target(over_cap).kind == "count"
    assert inspect_target(-over_cap).kind == "continuous"


# --- the profile --------------------------------------------------------------------


def test_profile_fields_for_a_rating():
    profile = inspect_target([3, 5, 5, 8, 6, 4])

    assert profile == TargetProfile(
        kind="rating",
        levels=(3, 4, 5, 6, 8),
        range=(3, 8),
        step=1.0,
        level_counts={3: 1, 4: 1, 5: 2, 6: 1, 8: 1},
        n_missing=0,
        n=6,
        advice=profile.advice,
    )
    assert "KerasOrdinalRegressor" in profile.advice


def test_profile_is_frozen():
    profile = inspect_target([1, 2, 3])

    with pytest.raises(dataclasses.FrozenInstanceError):
        profile.kind = "binary"


def test_many_distinct_values_have_no_levels():
    profile = inspect_target(np.linspace(0, 1, 500))

    assert profile.levels is None
    assert profile.level_counts is None
    assert profile.range == (0, 1)


def test_missing_values_are_counted_and_left_out():
    y = pd.Series([1, None, 2, 3, np.nan, 3])
    profile = inspect_target(y)

    assert (profile.n, profile.n_missing) == (6, 2)
    assert profile.level_counts == {1: 1, 2: 1, 3: 2}

    nullable = inspect_target(pd.Series([1, pd.NA, 2, 3], dtype="Int64"))
    assert (nullable.kind, nullable.n_missing) == ("rating", 1)


def test_accepts_lists_arrays_series_and_one_column():
    expected = inspect_target([1, 2, 3, 3])

    for y in [
        np.array([1, 2, 3, 3]),
        np.array([[1], [2], [3], [3]]),
        pd.Series([1, 2, 3, 3]),
        pd.DataFrame({"quality": [1, 2, 3, 3]}),
        np.array([1, 2, 3, 3], dtype=object),
    ]:
        assert inspect_target(y) == expected


def test_str_summarizes_in_a_few_lines():
    text = str(inspect_target([0.5, 1.0, 1.0, 4.5, None]))

    assert text.splitlines() == [
        "target: rating, 5 values (1 missing)",
        "levels (count): 0.5 (1), 1 (2), 4.5 (1)",
        "range: 0.5 to 4.5 by 0.5",
        "advice: " + inspect_target([1, 2, 3]).advice,
    ]


def test_str_shortens_long_level_lists():
    text = str(inspect_target(np.arange(30)))

    assert "..." in text
    assert len(text.splitlines()) == 4
    assert "more than" in str(inspect_target(np.linspace(0, 1, 500)))


def test_is_rating():
    assert is_rating([1, 2, 3, 4, 5])
    assert not is_rating([0, 1])
    assert not is_rating(["a", "b", "c"])
    assert not is_rating([])


# --- errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("y", "message"),
    [
        ([], "y is empty"),
        ([None, np.nan], "All 2 values of y are missing"),
        ([4, 4, None], r"single distinct value \(4"),
        (np.ones((3, 2)), r"must be 1-D.*\(3, 2\)"),
        ([1, 2, np.inf], "1 infinite values"),
    ],
)
def test_errors_say_what_was_wrong(y, message):
    with pytest.raises(ValueError, match=message):
        inspect_target(y)


def test_the_scale_holds_every_step_between_the_levels():
    profile = inspect_target([2, 5, 6, 7, 8, 8])

    assert profile.levels == (2, 5, 6, 7, 8)
    assert profile.scale == (2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0)
    assert (
        inspect_target(["low", "high"]).scale == inspect_target(["low", "high"]).levels
    )


def test_count_advice_mentions_a_log_only_for_a_long_tail():
    rng = np.random.default_rng(0)

    flat = inspect_target(rng.integers(0, 101, 500))
    tailed = inspect_target(rng.poisson(2, 500) ** 3)

    assert flat.kind == tailed.kind == "count"
    assert "log" not in flat.advice
    assert "long right tail" in tailed.advice


WINE_LIKE = [3, 4, 5, 6, 7, 8] * 50


@pytest.mark.parametrize(
    ("extra", "codes"),
    [
        ([99] * 3, (99,)),
        ([-1] * 3, (-1,)),
        ([-9, 99], (-9, 99)),
        ([9] * 3, ()),  # next to 8: a level the scale may have
        ([0] * 3, ()),  # apart, but neither negative, nines nor far
        ([99] * 40, ()),  # too common to be a code
        ([], ()),
    ],
)
def test_rare_values_apart_from_the_scale_are_suspected_codes(extra, codes):
    assert inspect_target(WINE_LIKE + extra).suspect_codes == codes


def test_a_suspected_code_is_explained_in_the_summary():
    text = str(inspect_target(WINE_LIKE + [99] * 3))

    assert "note: 99 lies apart from the other values and is rare" in text
    assert "Set it to NaN" in text
