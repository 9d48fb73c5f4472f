import pickle
import warnings

from ratingnet import KerasClassifier
from ratingnet._ordinal import KerasOrdinalRegressor
from ratingnet._ordinal_head import corn_loss, level_probabilities
from ratingnet.exceptions import RatingTargetWarning
from ratingnet.metrics import qwk
from ratingnet.testing import expected_failed_checks

import keras
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone, is_classifier
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    cross_val_predict,
    cross_val_score,
)
from sklearn.utils.estimator_checks import parametrize_with_checks

TEXT_LEVELS = ["Very Low", "Low", "Medium", "High", "Very High"]


@pytest.fixture(scope="module")
def ordinal_data():
    """A latent linear score with noise, cut into levels 1-5 at its quantiles."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 5)).astype(np.float32)
    score = X @ np.array([1.0, -0.8, 0.6, 0.3, 0.0]) + 0.3 * rng.normal(size=400)
    y = np.digitize(score, np.quantile(score, [0.15, 0.4, 0.65, 0.85])) + 1
    return X[:200], y[:200], X[200:], y[200:]


@pytest.fixture(scope="module")
def fitted(ordinal_data):
    X, y, _, _ = ordinal_data
    est = KerasOrdinalRegressor(epochs=30, random_state=0, metrics=["accuracy", "mae"])
    return est.fit(X, y)


# The head -------------------------------------------------------------------


def test_corn_loss_is_the_negative_log_likelihood_of_the_level():
    logits = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)
    levels = np.array([0, 1, 2, 3, 4, 2])

    loss = np.asarray(corn_loss(levels[:, None].astype(np.float32), logits))

    proba = level_probabilities(logits)
    np.testing.assert_allclose(loss, -np.log(proba[np.arange(6), levels]), rtol=1e-5)


def test_default_model_ends_in_one_logit_per_threshold(fitted):
    assert fitted.model_.output_shape == (None, 4)
    assert fitted.n_classes_ == 5
    assert fitted.history_["loss"][-1] < fitted.history_["loss"][0]
    assert 0.5 < fitted.history_["accuracy"][-1] <= 1.0
    assert 0.0 <= fitted.history_["mae"][-1] < 0.5


def test_a_body_gets_the_head(ordinal_data):
    X, y, _, _ = ordinal_data

    def body(n_features_in_):
        return keras.Sequential(
            [keras.Input((n_features_in_,)), keras.layers.Dense(8, activation="relu")]
        )

    est = KerasOrdinalRegressor(body, epochs=5, random_state=0).fit(X, y)

    assert est.model_.layers[-1].name == "ordinal_head"
    assert est.model_.output_shape == (None, 4)


def test_a_body_ending_in_the_thresholds_is_used_as_it_is(ordinal_data):
    X, y, _, _ = ordinal_data

    def full(n_features_in_, n_outputs_):
        return keras.Sequential(
            [keras.Input((n_features_in_,)), keras.layers.Dense(n_outputs_)]
        )

    est = KerasOrdinalRegressor(full, epochs=5, random_state=0).fit(X, y)

    assert [layer.name for layer in est.model_.layers] != ["ordinal_head"]
    assert est.model_.layers[-1].units == 4


def test_the_recipe_model_is_a_body_of_one_score(ordinal_data):
    X, y, _, _ = ordinal_data
    recipe = keras.Sequential(
        [
            keras.Input((X.shape[1],)),
            keras.layers.Dense(10, activation="relu"),
            keras.layers.Dense(1),
        ]
    )
    recipe.compile(loss="mse", optimizer="adam")

    est = KerasOrdinalRegressor(recipe, epochs=5, random_state=0).fit(X, y)

    assert est.model_.layers[-1].name == "ordinal_head"
    assert set(est.predict(X)) <= set(est.levels_)


# Predictions ------------------------------------------------------------------


def test_predictions_are_levels_of_the_users_type(fitted, ordinal_data):
    X, y, _, _ = ordinal_data

    proba = fitted.predict_proba(X)
    prediction = fitted.predict(X)

    assert list(fitted.levels_) == [1, 2, 3, 4, 5]
    assert fitted.classes_ is fitted.levels_
    assert prediction.dtype == y.dtype
    assert proba.shape == (len(X), 5)
    assert np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)


def test_predict_is_the_median_and_expected_the_mean(fitted, ordinal_data):
    X, _, _, _ = ordinal_data

    proba = fitted.predict_proba(X)
    median = (np.cumsum(proba, axis=1) < 0.5).sum(axis=1)

    np.testing.assert_array_equal(fitted.predict(X), fitted.levels_[median])
    np.testing.assert_allclose(fitted.predict_expected(X), proba @ [1, 2, 3, 4, 5])


def test_score_is_qwk(fitted, ordinal_data):
    _, _, X_test, y_test = ordinal_data

    assert fitted.score(X_test, y_test) == qwk(y_test, fitted.predict(X_test))


def test_score_refuses_labels_between_the_levels(fitted, ordinal_data):
    _, _, X_test, y_test = ordinal_data
    between = np.asarray(y_test, dtype=float).copy()
    between[0] = 2.5

    with pytest.raises(ValueError, match=r"not levels of the scale: \[2.5\]"):
        fitted.score(X_test, between)
    assert fitted.score(X_test, y_test) > 0.8


def test_qwk_at_least_a_classifiers_at_the_same_epochs(fitted, ordinal_data):
    X, y, X_test, y_test = ordinal_data
    with warnings.catch_warnings():
        # The classifier rightly warns that y is a rating.
        warnings.simplefilter("ignore", RatingTargetWarning)
        classifier = KerasClassifier(epochs=30, random_state=0).fit(X, y)

    assert fitted.score(X_test, y_test) >= qwk(y_test, classifier.predict(X_test))


# Levels -----------------------------------------------------------------------


def test_text_levels_in_the_given_order(ordinal_data):
    X, y, _, _ = ordinal_data
    labels = np.array(TEXT_LEVELS)[y - 1]

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = KerasOrdinalRegressor(levels=TEXT_LEVELS, epochs=10, random_state=0)
        est.fit(X, labels)

    assert list(est.levels_) == TEXT_LEVELS
    assert set(est.predict(X)) <= set(TEXT_LEVELS)
    expected = est.predict_expected(X)
    assert expected.min() >= 0.0 and expected.max() <= 4.0
    assert est.score(X, labels) > 0.5


def test_text_labels_without_levels_warn_with_the_order_assumed(ordinal_data):
    X, y, _, _ = ordinal_data
    labels = np.array(TEXT_LEVELS)[y - 1]

    with pytest.warns(
        RatingTargetWarning,
        match=r"sorted order: 'High' < 'Low' < 'Medium' .*levels=\['High'",
    ):
        est = KerasOrdinalRegressor(epochs=1, random_state=0).fit(X, labels)

    assert list(est.levels_) == sorted(TEXT_LEVELS)


def test_an_ordered_categorical_gives_its_order(ordinal_data):
    X, y, _, _ = ordinal_data
    labels = pd.Series(pd.Categorical.from_codes(y - 1, TEXT_LEVELS, ordered=True))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = KerasOrdinalRegressor(epochs=1, random_state=0).fit(X, labels)

    assert list(est.levels_) == TEXT_LEVELS


def test_a_level_missing_from_training_keeps_its_place(ordinal_data):
    X, y, X_test, y_test = ordinal_data
    kept = y != 3

    est = KerasOrdinalRegressor(levels=[1, 2, 3, 4, 5], epochs=10, random_state=0)
    est.fit(X[kept], y[kept])

    assert est.predict_proba(X_test).shape == (len(X_test), 5)
    assert set(est.predict(X_test)) <= {1, 2, 3, 4, 5}
    assert np.isfinite(est.score(X_test, y_test))


def test_numeric_gaps_are_filled_on_the_grid(ordinal_data):
    X, y, _, _ = ordinal_data
    kept = y != 3

    est = KerasOrdinalRegressor(epochs=1, random_state=0).fit(X[kept], y[kept])

    assert list(est.levels_) == [1, 2, 3, 4, 5]
    assert est.levels_.dtype == y.dtype


def test_half_step_levels_keep_their_values(ordinal_data):
    X, y, _, _ = ordinal_data
    stars = y * 0.5

    est = KerasOrdinalRegressor(epochs=1, random_state=0).fit(X, stars)

    assert list(est.levels_) == [0.5, 1.0, 1.5, 2.0, 2.5]
    assert set(est.predict(X)) <= set(est.levels_)


def test_cross_validation_with_a_fold_missing_a_level(ordinal_data):
    X, y, _, _ = ordinal_data
    # Level 5 only in the last third: the first fold trains without it.
    order = np.argsort(y == 5, kind="stable")
    X, y = X[order], y[order]

    scores = cross_val_score(
        KerasOrdinalRegressor(epochs=5, random_state=0), X, y, cv=KFold(3)
    )

    assert scores.shape == (3,)
    assert np.all(np.isfinite(scores))


def test_warm_start_keeps_the_levels(ordinal_data):
    X, y, _, _ = ordinal_data
    est = KerasOrdinalRegressor(epochs=2, warm_start=True, random_state=0)
    est.fit(X, y)

    est.fit(X[y < 5], y[y < 5])
    assert list(est.levels_) == [1, 2, 3, 4, 5]
    with pytest.raises(ValueError, match=r"not levels of the scale: \[6\]"):
        est.fit(X, np.where(y == 5, 6, y))


# scikit-learn -------------------------------------------------------------------


def test_pickle_and_clone(fitted, ordinal_data):
    X, y, _, _ = ordinal_data

    restored = pickle.loads(pickle.dumps(fitted))
    refit = clone(fitted).fit(X, y)

    np.testing.assert_array_equal(restored.predict_proba(X), fitted.predict_proba(X))
    np.testing.assert_array_equal(refit.predict_proba(X), fitted.predict_proba(X))


def test_grid_search_scores_by_qwk(ordinal_data):
    X, y, _, _ = ordinal_data

    search = GridSearchCV(
        KerasOrdinalRegressor(epochs=5, random_state=0), {"epochs": [2, 5]}, cv=2
    ).fit(X, y)

    assert is_classifier(search.best_estimator_)
    assert np.isfinite(search.best_score_)


@parametrize_with_checks(
    [KerasOrdinalRegressor(epochs=20, random_state=0)],
    expected_failed_checks=expected_failed_checks,
)
# The checks fit on text labels without levels, which warns.
@pytest.mark.filterwarnings("ignore::ratingnet.RatingTargetWarning")
def test_sklearn_compatible(estimator, check):
    check(estimator)


# Bad input ----------------------------------------------------------------------


def test_nan_target_is_refused_before_training(ordinal_data):
    X, y, _, _ = ordinal_data
    with_nan = y.astype(float)
    with_nan[3] = np.nan
    missing = np.array(TEXT_LEVELS, dtype=object)[y - 1]
    missing[3] = None

    with pytest.raises(ValueError, match="y contains missing values"):
        KerasOrdinalRegressor(epochs=1).fit(X, with_nan)
    with pytest.raises(ValueError, match="1 of .* rows, at positions 3 "):
        KerasOrdinalRegressor(levels=TEXT_LEVELS, epochs=1).fit(X, missing)


def test_a_single_level_is_refused(ordinal_data):
    X, _, _, _ = ordinal_data

    with pytest.raises(ValueError, match="one class only, the level 4"):
        KerasOrdinalRegressor(epochs=1).fit(X, np.full(len(X), 4))


def test_a_continuous_target_is_refused(ordinal_data):
    X, _, _, _ = ordinal_data

    with pytest.raises(ValueError, match="y looks continuous: it has 200 distinct"):
        KerasOrdinalRegressor(epochs=1).fit(X, X[:, 0])


def test_labels_that_float64_cannot_tell_apart_are_refused(ordinal_data):
    X, y, _, _ = ordinal_data
    huge = 10**18 + y.astype(np.int64)  # 10**18 + 1 and 10**18 + 2 are one float64

    with pytest.raises(ValueError, match=r"too large for float64 .*\(y - y.min\(\)\)"):
        KerasOrdinalRegressor(epochs=1).fit(X, huge)
    with pytest.raises(ValueError, match="levels holds whole numbers too large"):
        KerasOrdinalRegressor(epochs=1, levels=[10**18, 10**18 + 1]).fit(X, huge)


def test_labels_beyond_float64s_range_are_refused(ordinal_data):
    X, y, _, _ = ordinal_data
    labels = np.array([10**400, *y[1:].tolist()], dtype=object)

    with pytest.raises(ValueError, match=r"y holds whole numbers beyond float64's"):
        KerasOrdinalRegressor(epochs=1).fit(X, labels)


def test_huge_labels_that_float64_holds_apart_train(ordinal_data):
    X, y, _, _ = ordinal_data
    spaced = 2**60 * y.astype(np.int64)

    est = KerasOrdinalRegressor(epochs=1, random_state=0).fit(X, spaced)

    assert len(est.levels_) == 5
    assert set(est.predict(X[:20]).tolist()) <= set(spaced.tolist())


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        (["Low"], "at least two"),
        (["Low", "High", "Low"], r"each level once; \['Low'\]"),
        ([1, None, 3], "must not contain NaN"),
    ],
)
def test_bad_levels_are_refused(ordinal_data, levels, message):
    X, y, _, _ = ordinal_data

    with pytest.raises(ValueError, match=message):
        KerasOrdinalRegressor(levels=levels, epochs=1).fit(X, y)


def test_labels_outside_the_levels_are_refused(ordinal_data):
    X, y, _, _ = ordinal_data
    labels = np.array(TEXT_LEVELS)[y - 1]
    extreme = np.where(y == 5, "Extreme", labels)

    with pytest.raises(ValueError, match=r"not levels of the scale: \['Extreme'\]"):
        KerasOrdinalRegressor(levels=TEXT_LEVELS, epochs=1).fit(X, extreme)

    est = KerasOrdinalRegressor(levels=TEXT_LEVELS, epochs=1).fit(X, labels)
    with pytest.raises(ValueError, match=r"\['Extreme'\]. The levels are"):
        est.score(X, extreme)
    with pytest.raises(ValueError, match=r"not levels of the scale: \[7\]"):
        KerasOrdinalRegressor(levels=[1, 2, 3, 4, 5], epochs=1).fit(
            X, y, X_val=X[:5], y_val=[1, 2, 7, 4, 5]
        )


def test_level_scorers_read_text_levels_on_the_models_scale(ordinal_data):
    X, y, _, _ = ordinal_data
    names = np.array(["poor", "fair", "fine", "good", "great"])
    labels = names[np.asarray(y, dtype=int) - 1]
    est = KerasOrdinalRegressor(levels=list(names), epochs=5, random_state=0)

    by_name = cross_val_score(est, X, labels, cv=3, scoring="qwk")
    by_score = cross_val_score(est, X, labels, cv=3)

    np.testing.assert_allclose(by_name, by_score)


def test_codes_from_a_label_encoding_tool_are_named_as_such():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 3))
    y = np.digitize(X[:, 0], [-0.5, 0.5]) + 1
    model = KerasOrdinalRegressor(levels=[1, 2, 3], epochs=1, random_state=0)

    with pytest.raises(ValueError, match="look like codes 0..K-1"):
        cross_val_predict(model, X, y, cv=3, method="predict_proba")


def test_log_probabilities_are_the_probabilities_logged():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    y = np.digitize(X[:, 0], [-0.5, 0.5]) + 1
    est = KerasOrdinalRegressor(epochs=2, random_state=0).fit(X, y)

    np.testing.assert_allclose(np.exp(est.predict_log_proba(X)), est.predict_proba(X))
