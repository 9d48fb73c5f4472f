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
    assert (flat.long_tailed, tailed.long_tailed) == (False, True)


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


CONTINUOUS = np.random.default_rng(0).uniform(0, 10, 500).round(3).tolist()


@pytest.mark.parametrize(
    ("extra", "codes"),
    [
        ([-0.01], ()),  # a value just below the others, not a code
        ([10.4], ()),  # beyond the others, but nearer than their span
        ([-1], (-1,)),
        ([-1.5], ()),
        ([99], (99,)),
        ([99.9], (99.9,)),
        ([-99.9], (-99.9,)),
        ([9999.9], (9999.9,)),
    ],
)
def test_codes_on_a_continuous_target_are_whole_numbers_apart(extra, codes):
    assert inspect_target(CONTINUOUS + extra).suspect_codes == codes


def test_a_far_top_value_of_a_long_tail_is_a_value():
    prices = np.round(np.random.default_rng(1).pareto(1.5, 1000) * 100 + 1, 2)
    assert np.sort(prices)[-1] - np.sort(prices)[-2] > np.ptp(np.sort(prices)[:-1])

    assert inspect_target(prices).suspect_codes == ()
    assert inspect_target([*range(10, 101), 9]).suspect_codes == ()


def test_a_top_measurement_written_in_nines_is_a_value():
    prices = (np.array(CONTINUOUS) * 0.9).round(2).tolist()

    assert inspect_target(prices + [9.99]).suspect_codes == ()


def test_nines_at_the_end_of_a_continuous_target_are_a_code():
    spread = (np.array(CONTINUOUS) * 90).tolist()

    assert inspect_target(spread + [999]).suspect_codes == (999,)
    assert inspect_target(spread + [910.5]).suspect_codes == ()


def test_a_code_on_a_continuous_target_is_not_called_a_rating():
    note = inspect_target(CONTINUOUS + [-1]).codes_note()

    assert note.endswith("or a model learns it as a value.")


# --- huge numbers -------------------------------------------------------------------


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(
    "y",
    [
        [1e300, 2e300, 3e300],
        [1e20, 2e20, 3e20],
        [-1.7e308, 0.0, 1.7e308],
        np.array([2**60, 2**61, 2**62]),
    ],
)
def test_numbers_beyond_2_to_the_53_are_continuous(y):
    profile = inspect_target(y)

    assert profile.kind == "continuous"
    assert profile.step is None
    assert len(profile.levels) == 3
    assert profile.beyond_exact_floats == isinstance(y, np.ndarray)


@pytest.mark.filterwarnings("error")
def test_two_huge_numbers_are_binary_without_a_step():
    profile = inspect_target([1.7e308, -1.7e308, 1.7e308])

    assert (profile.kind, profile.step) == ("binary", None)


def test_whole_numbers_up_to_2_to_the_53_keep_their_grid():
    profile = inspect_target(2**53 - np.array([0, 1, 2, 4]))

    assert (profile.kind, profile.step) == ("rating", 1.0)
    assert profile.levels[-1] == 2**53


@pytest.mark.filterwarnings("error")
def test_a_huge_code_on_a_rating_scale_is_suspected_without_warnings():
    profile = inspect_target(WINE_LIKE + [-1.7e308])

    assert profile.suspect_codes == (-1.7e308,)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(
    "y",
    [
        np.array([10**18, 10**18 + 1, 10**18 + 2, 10**18 + 2]),
        [10**18, 10**18 + 1, 10**18 + 2, 10**18 + 2],
        np.array([10**18, 10**18 + 1, 10**18 + 2, 10**18 + 2], dtype=np.uint64),
        pd.Series([10**18, 10**18 + 1, 10**18 + 2, 10**18 + 2, None], dtype="Int64"),
    ],
)
def test_integers_that_floats_would_merge_are_read_exactly(y):
    profile = inspect_target(y)

    assert profile.kind == "continuous"
    assert profile.levels == (10**18, 10**18 + 1, 10**18 + 2)
    assert profile.level_counts == {10**18: 1, 10**18 + 1: 1, 10**18 + 2: 2}
    assert profile.range == (10**18, 10**18 + 2)
    assert profile.step is None
    assert "y - y.min()" in profile.advice


def test_two_huge_integers_are_binary_labels():
    profile = inspect_target([2**62, 2**62 + 1, 2**62])

    assert (profile.kind, profile.step) == ("binary", None)
    assert profile.levels == (2**62, 2**62 + 1)
    assert "KerasClassifier" in profile.advice


def test_numbers_beyond_float64_are_read_exactly_or_refused():
    assert inspect_target([10**400, 1, 2]).range == (1, 10**400)

    with pytest.raises(ValueError, match="too large for float64.*Rescale y"):
        inspect_target([10**400, 0.5, 2])


# --- odd values -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "y", [np.array([b"low", b"high", b"low"]), [b"low", b"high", b"low"]]
)
def test_bytes_are_text_levels_kept_as_bytes(y):
    profile = inspect_target(y)

    assert profile.kind == "nominal"
    assert profile.levels == (b"high", b"low")
    assert profile.level_counts == {b"high": 1, b"low": 2}


@pytest.mark.parametrize(
    ("y", "message"),
    [
        ([1, {"a": 1}, 2], r"row at index 1 holds a dict \({'a': 1}\)"),
        ([1, [2, 3], 4], r"row at index 1 holds a list \(\[2, 3\]\)"),
        ([(1, 2), (3,)], r"row at index 0 holds a tuple"),
        (np.zeros(3, dtype=[("a", int), ("b", float)]), "holds records"),
    ],
)
def test_values_that_are_not_one_per_row_are_refused(y, message):
    with pytest.raises(ValueError, match="one number or label per row.*" + message):
        inspect_target(y)


@pytest.mark.parametrize(
    ("y", "shown"),
    [
        (np.array([1, 2 + 5j, 3]), r"\(2\+5j\)"),
        (np.array([1, 2, 3], dtype=complex), r"\(1\+0j\)"),
        (pd.Series([1, 2 - 1j, 3], dtype=object), r"\(2-1j\)"),
    ],
)
def test_complex_numbers_are_refused(y, shown):
    with pytest.raises(ValueError, match=f"complex numbers, such as {shown}.*y.real"):
        inspect_target(y)


def test_two_huge_whole_numbers_are_binary_and_marked_beyond_exact_floats():
    profile = inspect_target([2**60, 2**60 + 4096] * 10)

    assert (profile.kind, profile.beyond_exact_floats) == ("binary", True)
