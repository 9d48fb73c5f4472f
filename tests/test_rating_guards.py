"""The classic mistakes on rating targets are stopped, and scaling helps."""

from pathlib import Path

from ratingnet import KerasClassifier, KerasRegressor, RatingTargetWarning
from ratingnet.exceptions import RatingnetWarning

import keras
import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import cross_val_score


@pytest.fixture(scope="module")
def ratings():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(150, 4)).astype(np.float32)
    score = 3 + X @ np.array([1.0, -0.7, 0.4, 0.0]) + 0.3 * rng.normal(size=150)
    return X, np.clip(np.round(score), 1, 5)


def dense_head(units, activation):
    def build(n_features_in_):
        return keras.Sequential(
            [
                keras.Input((n_features_in_,)),
                keras.layers.Dense(8, activation="relu"),
                keras.layers.Dense(units, activation=activation),
            ]
        )

    return build


def test_classifier_on_ratings_warns_with_the_one_line_fix(ratings):
    X, y = ratings

    with pytest.warns(RatingTargetWarning, match="KerasOrdinalRegressor") as record:
        KerasClassifier(epochs=1).fit(X, y)

    message = str(record[0].message)
    assert "looks like a rating (ordered levels 1, 2, 3, 4, 5)" in message
    assert "KerasRegressor(...)" in message


def test_classifier_on_names_does_not_warn(ratings, recwarn):
    X, y = ratings

    KerasClassifier(epochs=1).fit(X, np.where(y > 3, "yes", "no"))

    assert not [w for w in recwarn if w.category is RatingTargetWarning]


def test_class_codes_0_1_2_do_not_warn(ratings, recwarn):
    X, y = ratings

    KerasClassifier(epochs=1).fit(X, np.digitize(y, [2.5, 3.5]))

    assert not [w for w in recwarn if w.category is RatingTargetWarning]


def test_a_warning_under_cross_validation_points_at_the_users_line(ratings):
    X, y = ratings

    with pytest.warns(RatingTargetWarning) as record:
        cross_val_score(KerasClassifier(epochs=1), X, y, cv=2)

    assert {Path(w.filename).name for w in record} == {Path(__file__).name}


@pytest.mark.parametrize("metric", ["accuracy", "sparse_categorical_accuracy"])
def test_classification_metric_on_a_regressor_is_an_error(ratings, metric):
    X, y = ratings

    with pytest.raises(ValueError, match="classification metric"):
        KerasRegressor(metrics=[metric], epochs=1).fit(X, y)


def test_compiled_accuracy_is_also_caught(ratings):
    X, y = ratings

    def build(n_features_in_):
        model = dense_head(1, "linear")(n_features_in_)
        model.compile(loss="mse", optimizer="adam", metrics=["accuracy"])
        return model

    with pytest.raises(ValueError, match="'accuracy', a classification metric"):
        KerasRegressor(build, epochs=1).fit(X, y)


def test_softmax_head_on_a_regressor_is_an_error(ratings):
    X, y = ratings

    with pytest.raises(ValueError, match="ends in a softmax"):
        KerasRegressor(dense_head(1, "softmax"), epochs=1).fit(X, y)


def test_many_output_units_for_one_target_is_an_error(ratings):
    X, y = ratings

    with pytest.raises(ValueError, match="5 units, but the target has 1 column"):
        KerasRegressor(dense_head(5, "linear"), epochs=1).fit(X, y)


@pytest.mark.parametrize("loss", ["binary_crossentropy", "hinge", "kl_divergence"])
def test_classification_loss_on_a_regressor_is_an_error(ratings, loss):
    X, y = ratings

    with pytest.raises(ValueError, match="is a classification loss"):
        KerasRegressor(loss=loss, epochs=1).fit(X, y)


def test_sigmoid_output_needs_minmax_scaling(ratings):
    X, y = ratings
    est = KerasRegressor(dense_head(1, "sigmoid"), epochs=30, random_state=0)

    with pytest.raises(ValueError, match=r"sigmoid, whose outputs lie in \[0, 1\]"):
        est.fit(X, y)

    prediction = est.set_params(target_scaling="minmax").fit(X, y).predict(X)
    assert prediction.min() >= 1.0 and prediction.max() <= 5.0


@pytest.mark.parametrize("activation", ["relu", "softplus"])
def test_a_non_negative_output_needs_a_non_negative_target(ratings, activation):
    X, y = ratings
    est = KerasRegressor(dense_head(1, activation), epochs=3, random_state=0)

    with pytest.raises(
        ValueError, match=rf"ends in {activation}, .* standardized .* \[-"
    ):
        est.fit(X, y)

    assert est.set_params(target_scaling="minmax").fit(X, y).predict(X).min() >= 1.0
    assert est.set_params(target_scaling=None).fit(X, y).predict(X).min() >= 0.0


@pytest.mark.parametrize(
    ("layer", "name"),
    [(keras.layers.ReLU, "relu"), (lambda: keras.layers.ReLU(6.0), "relu6")],
)
def test_an_activation_layer_at_the_end_is_checked_too(ratings, layer, name):
    X, y = ratings

    def build(n_features_in_):
        return keras.Sequential(
            [keras.Input((n_features_in_,)), keras.layers.Dense(1), layer()]
        )

    with pytest.raises(ValueError, match=rf"ends in {name}, whose outputs"):
        KerasRegressor(build, epochs=1).fit(X, y)


def test_a_leaky_relu_layer_at_the_end_reaches_every_target(ratings):
    X, y = ratings

    def build(n_features_in_):
        return keras.Sequential(
            [
                keras.Input((n_features_in_,)),
                keras.layers.Dense(1),
                keras.layers.LeakyReLU(),
            ]
        )

    assert KerasRegressor(build, epochs=1).fit(X, y).predict(X).shape == y.shape


def test_classifier_on_ordered_text_categories_warns_in_their_order(ratings):
    X, y = ratings
    names = ["poor", "fair", "good", "very good", "excellent"]
    labels = pd.Series(
        pd.Categorical(
            np.array(names)[y.astype(int) - 1], categories=names, ordered=True
        )
    )

    with pytest.warns(RatingTargetWarning) as record:
        KerasClassifier(epochs=1).fit(X, labels)

    assert "ordered levels poor, fair, good, very good, excellent" in str(
        record[0].message
    )


@pytest.mark.parametrize("loss", ["msle", "mape", "poisson"])
def test_a_loss_on_the_targets_own_values_needs_it_unscaled(ratings, loss):
    X, y = ratings

    with pytest.raises(ValueError, match="Set target_scaling=None for this loss"):
        KerasRegressor(loss=loss, epochs=1).fit(X, y)

    unscaled = KerasRegressor(loss=loss, epochs=1, target_scaling=None).fit(X, y)
    assert len(unscaled.history_["loss"]) == 1


def test_target_range_clips_and_rounding_snaps(ratings):
    X, y = ratings
    far = X * 10

    clipped = KerasRegressor(epochs=5, target_range="auto", random_state=0)
    rounded = KerasRegressor(epochs=5, round_predictions=True, random_state=0)

    assert clipped.fit(X, y).target_range_ == (1.0, 5.0)
    assert clipped.predict(far).min() >= 1.0 and clipped.predict(far).max() <= 5.0
    assert set(rounded.fit(X, y).predict(X)) <= {1.0, 2.0, 3.0, 4.0, 5.0}


def test_rounding_a_continuous_target_is_an_error(ratings):
    X, _ = ratings

    with pytest.raises(ValueError, match="has 150 distinct values"):
        KerasRegressor(round_predictions=True, epochs=1).fit(X, X[:, 0])


@pytest.mark.parametrize(
    ("target_range", "message"),
    [((5, 1), "has low >= high; give the lowest"), ((1, np.nan), "holds NaN")],
)
def test_a_target_range_that_is_no_range_is_an_error(ratings, target_range, message):
    X, y = ratings

    with pytest.raises(ValueError, match=message):
        KerasRegressor(target_range=target_range, epochs=1).fit(X, y)


def test_standard_scaling_is_learned_and_metrics_stay_on_the_scale(ratings):
    X, y = ratings

    est = KerasRegressor(epochs=40, metrics=["mae"], random_state=0).fit(X, y)
    plain = KerasRegressor(
        epochs=40, metrics=["mae"], target_scaling=None, random_state=0
    ).fit(X, y)

    assert est.target_shift_[0] == pytest.approx(y.mean())
    assert est.target_scale_[0] == pytest.approx(y.std())
    mae = np.mean(np.abs(est.predict(X) - y))
    assert est.history_["mae"][-1] == pytest.approx(mae, rel=0.2)
    assert est.history_["mae"][-1] < plain.history_["mae"][-1]


def test_scaling_on_a_wide_scale_reaches_a_lower_error():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5)).astype(np.float32)
    y = np.clip(np.round(50 + 20 * X[:, 0] - 10 * X[:, 1]), 0, 100)

    def rmse(scaling):
        est = KerasRegressor(epochs=20, target_scaling=scaling, random_state=0)
        return np.sqrt(np.mean((est.fit(X, y).predict(X) - y) ** 2))

    assert rmse("standard") < 0.5 * rmse(None)


def test_bad_target_scaling_is_an_error(ratings):
    X, y = ratings

    with pytest.raises(ValueError, match="target_scaling must be one of"):
        KerasRegressor(target_scaling="log", epochs=1).fit(X, y)


def test_a_constant_target_is_warned_about():
    X = np.random.default_rng(0).normal(size=(40, 3))

    with pytest.warns(RatingnetWarning, match=r"one value only \(4 in all 40 rows\)"):
        KerasRegressor(epochs=1).fit(X, np.full(40, 4.0))


def test_a_constant_output_of_several_is_named():
    X = np.random.default_rng(0).normal(size=(40, 3))
    y = np.c_[np.arange(40.0), np.full(40, 2.0)]

    with pytest.warns(RatingnetWarning, match=r"y\[:, 1\] holds one value only"):
        KerasRegressor(epochs=1).fit(X, y)
