"""Compile settings and layers that hold state train as Keras trains them."""

import functools
import pickle

from ratingnet import KerasRegressor
from ratingnet.exceptions import RatingnetWarning

import keras
import numpy as np
import pytest


def normalized_network(data):
    """A build function whose Normalization layer is adapted on ``data``."""
    return functools.partial(_normalized_network, data=data)


def _normalized_network(n_features_in_, data):
    normalization = keras.layers.Normalization()
    normalization.adapt(data)
    return keras.Sequential(
        [
            keras.Input((n_features_in_,)),
            normalization,
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(1),
        ]
    )


@pytest.fixture(scope="module")
def shifted(regression_data):
    """The regression data, and the same rows shifted and stretched."""
    X, y = regression_data
    return X, X * 10.0 + 100.0, y


def fit(build, X, y, **params):
    settings = {"epochs": 10, "random_state": 0, **params}
    return KerasRegressor(build, **settings).fit(X, y)


def test_an_adapted_normalization_keeps_its_statistics_through_pickle(shifted):
    _, X, y = shifted
    est = fit(normalized_network(X), X, y)

    restored = pickle.loads(pickle.dumps(est))

    np.testing.assert_allclose(restored.predict(X), est.predict(X), rtol=1e-6)


def test_models_adapted_on_other_data_do_not_share_a_program(shifted):
    X, X_shifted, y = shifted
    fit(normalized_network(X), X, y)

    est = fit(normalized_network(X_shifted), X_shifted, y)

    expected = est.model_.predict(X_shifted[:20], verbose=0)[:, 0]
    np.testing.assert_allclose(est._forward(X_shifted[:20])[:, 0], expected, rtol=1e-5)
    np.testing.assert_allclose(
        est.history_["loss"],
        fit(normalized_network(X), X, y).history_["loss"],
        rtol=1e-4,
    )


def test_a_model_instance_keeps_what_its_normalization_learned(shifted):
    _, X, y = shifted
    instance = _normalized_network(X.shape[1], X)

    est = fit(instance, X, y)

    layer = est.model_.layers[0]
    np.testing.assert_allclose(
        np.asarray(layer.mean).ravel(), X.mean(axis=0), rtol=1e-4
    )


def test_loss_weights_scale_the_loss(regression_data):
    X, y = regression_data

    def build(n_features_in_, loss_weights):
        model = keras.Sequential(
            [keras.Input((n_features_in_,)), keras.layers.Dense(1)]
        )
        model.compile(loss="mse", loss_weights=loss_weights)
        return model

    # With a learning rate of 0 the weights stay, and so does the loss.
    still = {"optimizer": "sgd", "optimizer__learning_rate": 0.0, "epochs": 1}
    once = fit(build, X, y, model__loss_weights=1.0, **still).history_["loss"]
    thrice = fit(build, X, y, model__loss_weights=[3.0], **still).history_["loss"]

    np.testing.assert_allclose(thrice, 3.0 * np.asarray(once), rtol=1e-5)


def test_a_loss_reduced_otherwise_is_warned_about(regression_data):
    X, y = regression_data
    loss = keras.losses.MeanSquaredError(reduction="sum")

    with pytest.warns(RatingnetWarning, match="reduction='sum'"):
        KerasRegressor(loss=loss, epochs=1).fit(X, y)


def test_under_mixed_precision_the_loss_is_computed_in_float32(regression_data):
    X, y = regression_data
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        # Squared errors of a target near 1,000 overflow float16 (max 65,504).
        est = KerasRegressor(epochs=2, target_scaling=None, random_state=0)
        est.fit(X, 1000.0 + y)
    finally:
        keras.config.set_dtype_policy(previous)

    assert np.all(np.isfinite(est.history_["loss"]))


def test_a_model_of_several_outputs_is_refused(regression_data):
    X, y = regression_data

    def two_outputs(n_features_in_):
        inputs = keras.Input((n_features_in_,))
        heads = [keras.layers.Dense(1)(inputs), keras.layers.Dense(1)(inputs)]
        return keras.Model(inputs, heads)

    with pytest.raises(ValueError, match="has several outputs"):
        KerasRegressor(two_outputs, epochs=1).fit(X, y)


def test_an_output_without_a_units_axis_is_refused(regression_data):
    X, y = regression_data

    def flat_output(n_features_in_):
        inputs = keras.Input((n_features_in_,))
        outputs = keras.layers.Reshape(())(keras.layers.Dense(1)(inputs))
        return keras.Model(inputs, outputs)

    with pytest.raises(ValueError, match=r"output has shape \(None,\)"):
        KerasRegressor(flat_output, epochs=1).fit(X, y)
