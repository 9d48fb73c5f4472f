"""Tests for ratingnet.metrics: known values, edge cases, errors, scorers."""

from ratingnet import KerasOrdinalRegressor
from ratingnet.exceptions import RatingnetWarning
from ratingnet.metrics import (
    SCORER_NAMES,
    exact_accuracy,
    mae,
    msle,
    qwk,
    r2,
    register_scorers,
    rmse,
    spearman,
    within_one_accuracy,
)

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.linear_model import Ridge
from sklearn.metrics import _scorer as sklearn_scorer
from sklearn.metrics import (
    cohen_kappa_score,
    get_scorer,
    get_scorer_names,
    make_scorer,
    mean_absolute_error,
    mean_squared_error,
    mean_squared_log_error,
    r2_score,
)
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

ALL_METRICS = [
    rmse,
    mae,
    msle,
    r2,
    qwk,
    exact_accuracy,
    within_one_accuracy,
    spearman,
]


@pytest.fixture
def ratings():
    """Seeded ratings on 0..4, noisy predictions and weights."""
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 5, size=200).astype(float)
    y_pred = np.clip(y_true + rng.normal(scale=0.9, size=200), 0, 4)
    weights = rng.integers(1, 4, size=200).astype(float)
    return y_true, y_pred, weights


# --- errors against scikit-learn ----------------------------------------------


def test_rmse_matches_sqrt_of_mean_squared_error(ratings):
    y_true, y_pred, weights = ratings

    expected = np.sqrt(mean_squared_error(y_true, y_pred, sample_weight=weights))
    assert rmse(y_true, y_pred, sample_weight=weights) == pytest.approx(expected)
    assert rmse([1, 2, 3], [1, 2, 3]) == 0.0


def test_mae_msle_r2_match_scikit_learn(ratings):
    y_true, y_pred, weights = ratings

    for ours, theirs in [
        (mae, mean_absolute_error),
        (msle, mean_squared_log_error),
        (r2, r2_score),
    ]:
        expected = theirs(y_true, y_pred, sample_weight=weights)
        assert ours(y_true, y_pred, sample_weight=weights) == pytest.approx(expected)


def test_metrics_return_python_floats(ratings):
    y_true, y_pred, _ = ratings

    for metric in ALL_METRICS:
        assert type(metric(y_true, y_pred)) is float


def test_metrics_accept_lists_series_and_columns():
    y_true = pd.Series([1, 2, 3, 4])
    y_pred = np.array([[1.0], [2.0], [3.5], [3.0]])

    assert mae(y_true, y_pred) == pytest.approx(mae([1, 2, 3, 4], [1, 2, 3.5, 3]))


# --- quadratic weighted kappa ---------------------------------------------------


def test_qwk_matches_cohen_kappa_on_integer_labels(ratings):
    y_true, y_pred, weights = ratings
    labels = np.rint(y_pred)

    expected = cohen_kappa_score(y_true, labels, weights="quadratic")
    assert qwk(y_true, labels) == pytest.approx(expected)

    weighted = cohen_kappa_score(
        y_true, labels, weights="quadratic", sample_weight=weights
    )
    assert qwk(y_true, labels, sample_weight=weights) == pytest.approx(weighted)


def test_qwk_rounds_continuous_predictions(ratings):
    y_true, y_pred, _ = ratings

    assert qwk(y_true, y_pred) == pytest.approx(qwk(y_true, np.rint(y_pred)))


def test_qwk_on_levels_that_are_not_zero_based(ratings):
    y_true, y_pred, _ = ratings
    expected = qwk(y_true, y_pred)

    # Wine quality style 3..8, and movie stars 0.5..5 by 0.5.
    assert qwk(y_true + 3, y_pred + 3) == pytest.approx(expected)
    stars_true, stars_pred = (y_true + 1) / 2, (y_pred + 1) / 2
    assert qwk(stars_true, stars_pred) == pytest.approx(expected)


def test_qwk_rounds_halfway_up_and_clips_to_given_levels():
    assert qwk([1, 2, 3], [1.5, 2.5, 3.0]) == pytest.approx(qwk([1, 2, 3], [2, 3, 3]))
    assert qwk([1, 2, 3], [-10, 2, 99], levels=[1, 2, 3]) == 1.0


def test_predictions_beyond_the_scale_count_at_most_its_span_beyond():
    far = qwk([1, 2, 3], [-10, 2, 99])

    assert far == pytest.approx(qwk([1, 2, 3], [-1, 2, 5]))
    assert far < 1.0


def test_level_metrics_count_steps_on_the_whole_scale():
    # The levels a small fold lacks (3, between 2 and 4; 1 to 4, inside
    # the predictions) are levels of the scale all the same.
    assert exact_accuracy([1, 2, 4, 5], [1, 2, 3, 5]) == 0.75
    assert exact_accuracy([5, 5], [1, 5]) == 0.5
    assert within_one_accuracy([1, 5], [5, 1]) == 0.0
    assert within_one_accuracy([3, 5, 6, 7], [5, 3, 6, 7]) == 0.5
    for y_true, y_pred in ([1, 2, 4], [1, 3, 4]), ([2, 2, 2], [1, 2, 3]):
        expected = cohen_kappa_score(y_true, y_pred, weights="quadratic")
        assert qwk(y_true, y_pred) == pytest.approx(expected)


def test_half_star_ratings_step_by_half():
    y_true, y_pred = [0.5, 1.0, 2.5], [0.5, 1.5, 2.5]

    assert exact_accuracy(y_true, y_pred) == pytest.approx(2 / 3)
    assert within_one_accuracy(y_true, y_pred) == 1.0


def test_qwk_is_nan_with_a_warning_when_undefined():
    with pytest.warns(UndefinedMetricWarning, match="qwk is undefined"):
        assert np.isnan(qwk([3, 3, 3], [3.2, 2.9, 3.0]))


# --- accuracies on levels -------------------------------------------------------


def test_exact_and_within_one_accuracy_known_values():
    y_true = [1, 2, 3, 4, 5]
    y_pred = [1.2, 2.6, 4.9, 4.0, 1.0]

    assert exact_accuracy(y_true, y_pred) == pytest.approx(2 / 5)
    assert within_one_accuracy(y_true, y_pred) == pytest.approx(3 / 5)


def test_within_one_means_the_adjacent_level_on_the_scale():
    # On the seen levels (0.5, 1.5, 2.5) 1.5 is next to 0.5; on the full
    # half-star scale it is two steps away.
    y_true, y_pred = [0.5, 1.5, 2.5], [1.5, 1.5, 2.5]

    assert within_one_accuracy(y_true, y_pred) == 1.0
    stars = np.arange(0.5, 5.01, 0.5)
    assert within_one_accuracy(y_true, y_pred, levels=stars) == pytest.approx(2 / 3)


def test_accuracies_use_sample_weight():
    y_true, y_pred, weights = [1, 2, 3], [1, 3, 3], [1, 2, 1]

    assert exact_accuracy(y_true, y_pred, sample_weight=weights) == 0.5
    assert within_one_accuracy(y_true, y_pred, sample_weight=weights) == 1.0


# --- spearman ---------------------------------------------------------------------


def test_spearman_matches_scipy_with_ties(ratings):
    y_true, y_pred, _ = ratings

    expected = spearmanr(y_true, np.round(y_pred, 1)).statistic
    assert spearman(y_true, np.round(y_pred, 1)) == pytest.approx(expected)


def test_spearman_with_integer_weights_equals_repeated_rows(ratings):
    y_true, y_pred, weights = ratings
    repeats = weights.astype(int)

    expected = spearmanr(np.repeat(y_true, repeats), np.repeat(y_pred, repeats))
    weighted = spearman(y_true, y_pred, sample_weight=weights)
    assert weighted == pytest.approx(expected.statistic)


def test_spearman_is_nan_with_a_warning_on_constant_input():
    with pytest.warns(UndefinedMetricWarning, match="spearman is undefined"):
        assert np.isnan(spearman([1, 2, 3], [2, 2, 2]))


# --- errors ---------------------------------------------------------------------


@pytest.mark.parametrize("metric", ALL_METRICS)
def test_length_mismatch_is_an_error(metric):
    with pytest.raises(ValueError, match="same length. Got 3 and 2 entries"):
        metric([1, 2, 3], [1, 2])


@pytest.mark.parametrize("metric", ALL_METRICS)
def test_nan_is_an_error(metric):
    with pytest.raises(ValueError, match=r"y_pred contains 1 NaN .*position 1"):
        metric([1, 2, 3], [1, np.nan, 3])


@pytest.mark.parametrize(
    ("y_true", "y_pred", "message"),
    [
        ([], [], "are empty"),
        ([1, 2, 3], [1, np.inf, 3], "infinite"),
        ([1, 2], np.ones((2, 3)), r"must be 1-D.*\(2, 3\).*predict_proba"),
        (["a", "b"], [1, 2], "y_true must hold numbers.*'a'"),
        (pd.Series([1, None, 3], dtype="Int64"), [1, 2, 3], "y_true contains 1"),
    ],
)
def test_bad_inputs_say_what_was_wrong(y_true, y_pred, message):
    with pytest.raises((ValueError, TypeError), match=message):
        rmse(y_true, y_pred)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ([1, 1], r"one weight per entry of y_true \(3\). Got 2"),
        ([1, -1, 1], "non-negative.*minimum of -1"),
        ([0, 0, 0], "positive sum.*sum of 0"),
    ],
)
def test_bad_sample_weight_is_an_error(weights, message):
    with pytest.raises(ValueError, match=message):
        qwk([1, 2, 3], [1, 2, 3], sample_weight=weights)


def test_msle_rejects_values_at_or_below_minus_one():
    with pytest.raises(ValueError, match="greater than -1.*y_pred has a minimum of -2"):
        msle([0, 1, 2], [0, -2, 1])


def test_y_true_off_the_given_levels_is_an_error():
    with pytest.raises(ValueError, match=r"contains 2.5, which is not one of"):
        exact_accuracy([1, 2.5, 3], [1, 2, 3], levels=[1, 2, 3])
    with pytest.raises(ValueError, match="levels is empty"):
        qwk([1, 2, 3], [1, 2, 3], levels=[])


# --- scikit-learn scorers -------------------------------------------------------


@pytest.fixture
def rating_data():
    """A small linear problem with a rating target on 1..5."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 3))
    y = np.clip(np.rint(3 + X @ [1.0, -0.5, 0.3]), 1, 5)
    return X, y


def test_cross_val_score_accepts_qwk_by_name(rating_data):
    X, y = rating_data
    register_scorers()

    scores = cross_val_score(Ridge(), X, y, scoring="qwk", cv=3)
    assert scores.shape == (3,)
    assert np.all((scores > 0.5) & (scores <= 1))


def test_error_scorers_return_the_negated_error(rating_data):
    X, y = rating_data
    register_scorers()
    model = Ridge().fit(X, y)

    for name, metric in [("rmse", rmse), ("mae", mae)]:
        score = get_scorer(name)(model, X, y)
        assert score == pytest.approx(-metric(y, model.predict(X)))
        assert score < 0


def test_grid_search_accepts_every_scorer_name(rating_data):
    X, y = rating_data
    register_scorers()

    assert set(SCORER_NAMES) <= set(get_scorer_names())
    search = GridSearchCV(
        Ridge(), {"alpha": [0.1, 10.0]}, scoring=list(SCORER_NAMES), refit="qwk"
    )
    search.fit(X, y)
    assert set(search.best_params_) == {"alpha"}


def test_register_scorers_is_idempotent():
    register_scorers()
    first = {name: type(sklearn_scorer._SCORERS[name]) for name in SCORER_NAMES}
    n_names = len(get_scorer_names())

    register_scorers()
    assert len(get_scorer_names()) == n_names
    assert {name: type(sklearn_scorer._SCORERS[name]) for name in SCORER_NAMES} == (
        first
    )


def test_register_scorers_keeps_a_foreign_scorer_with_the_same_name():
    register_scorers()
    ours = sklearn_scorer._SCORERS["spearman"]
    foreign = make_scorer(r2_score)
    sklearn_scorer._SCORERS["spearman"] = foreign
    try:
        with pytest.warns(RatingnetWarning, match="'spearman' is already registered"):
            register_scorers()
        assert sklearn_scorer._SCORERS["spearman"] is foreign
    finally:
        sklearn_scorer._SCORERS["spearman"] = ours


def test_a_fine_grid_over_a_wide_range_is_no_rating_scale():
    # Prices in cents from 10 to 100: 9,000 grid points, 500 values seen.
    prices = np.round(np.random.default_rng(0).uniform(10, 100, 500), 2)

    assert qwk(prices, prices) == 1.0
    assert exact_accuracy(prices, prices + 0.001) == 1.0


# --- scorers on a model's levels -------------------------------------------------


class LevelModel(ClassifierMixin, BaseEstimator):
    """A stand-in ordinal model: it predicts the level at position ``X[:, 0]``.

    Like ``KerasOrdinalRegressor``, it has ``levels_`` and predicts them.
    """

    def __init__(self, levels=None):
        self.levels = levels

    def fit(self, X, y):
        levels = np.unique(y) if self.levels is None else self.levels
        self.levels_ = self.classes_ = np.asarray(levels)
        return self

    def predict(self, X):
        return self.levels_[np.asarray(X)[:, 0].astype(int)]


def _level_model_data(levels):
    """Labels on `levels`, and X with the predicted positions as column 0.

    Most predictions are right; some are one or two levels off.
    """
    rng = np.random.default_rng(0)
    true = rng.integers(0, len(levels), 120)
    predicted = np.clip(
        true + rng.choice([-2, -1, 0, 0, 0, 1], 120), 0, len(levels) - 1
    )
    return predicted[:, None].astype(float), np.asarray(levels)[true]


@pytest.mark.parametrize(
    "wrap",
    [
        lambda model: model,
        lambda model: make_pipeline(FunctionTransformer(), model),
        lambda model: GridSearchCV(model, {"levels": [[1, 2, 4, 8]]}, cv=2),
    ],
    ids=["model", "pipeline", "search"],
)
def test_level_scorers_count_the_levels_of_unevenly_spaced_numbers(wrap):
    X, y = _level_model_data([1, 2, 4, 8])
    model = wrap(LevelModel(levels=[1, 2, 4, 8])).fit(X, y)
    true, predicted = np.searchsorted([1, 2, 4, 8], [y, model.predict(X)])

    # scikit-learn's kappa takes the labels as K ordered categories.
    kappa = cohen_kappa_score(y, model.predict(X), weights="quadratic")
    assert get_scorer("qwk")(model, X, y) == pytest.approx(kappa)
    assert get_scorer("within_one_accuracy")(model, X, y) == pytest.approx(
        np.mean(np.abs(true - predicted) <= 1)
    )
    # On numbers, rmse stays in rating units.
    assert get_scorer("rmse")(model, X, y) == pytest.approx(-rmse(y, model.predict(X)))


@pytest.mark.parametrize(
    ("levels", "order_rows"),
    [([1, 2, 4, 8], False), (None, True)],
    ids=["uneven levels", "a fold trains without the top level"],
)
def test_qwk_scorer_equals_the_ordinal_models_score_in_each_fold(levels, order_rows):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 3))
    position = np.digitize(X @ [1.0, -1.0, 0.5], [-1.5, 0, 1.5])
    y = np.array([1, 2, 4, 8])[position] if levels else position + 1
    if order_rows:
        # The top level only in the last third: the first fold lacks it.
        order = np.argsort(y == y.max(), kind="stable")
        X, y = X[order], y[order]
    model = KerasOrdinalRegressor(levels=levels, epochs=3, random_state=0)

    by_score = cross_val_score(model, X, y, cv=KFold(3))
    by_name = cross_val_score(model, X, y, cv=KFold(3), scoring="qwk")

    np.testing.assert_allclose(by_name, by_score)


def test_a_regressors_levels_do_not_change_its_scores(rating_data):
    X, y = rating_data
    model = Ridge().fit(X, y)
    # KerasRegressor keeps the values seen in training as levels_, too.
    model.levels_ = np.unique(y)
    predicted = model.predict(X)

    assert get_scorer("qwk")(model, X, y) == pytest.approx(qwk(y, predicted))
    assert get_scorer("exact_accuracy")(model, X, y) == pytest.approx(
        exact_accuracy(y, predicted)
    )
    assert get_scorer("rmse")(model, X, y) == pytest.approx(-rmse(y, predicted))


def test_text_levels_score_errors_and_ranks_on_their_positions():
    names = ["poor", "fair", "fine", "good", "great"]
    X, y = _level_model_data(names)
    model = LevelModel(levels=names).fit(X, y)
    true = np.array([names.index(label) for label in y])
    predicted = X[:, 0]

    assert get_scorer("rmse")(model, X, y) == pytest.approx(-rmse(true, predicted))
    assert get_scorer("mae")(model, X, y) == pytest.approx(-mae(true, predicted))
    assert get_scorer("spearman")(model, X, y) == pytest.approx(
        spearman(true, predicted)
    )
    with pytest.raises(ValueError, match="msle needs ratings that are numbers.*'qwk'"):
        get_scorer("msle")(model, X, y)


def test_labels_off_the_models_levels_are_named():
    X, y = _level_model_data([1, 2, 4, 8])
    model = LevelModel(levels=[1, 2, 4, 8]).fit(X, y)

    with pytest.raises(
        ValueError,
        match=r"y contains 3, which is not one of the model's levels \[1, 2, 4, 8\]",
    ):
        get_scorer("qwk")(model, X, np.where(y == 4, 3, y))
