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


def _fixed_start(optimizer, metrics=()):
    """A build function whose models all start from one set of weights."""

    def build():
        model = keras.Sequential(
            [keras.Input((4,)), keras.layers.Dense(8, "relu"), keras.layers.Dense(1)]
        )
        model.compile(loss="mse", optimizer=optimizer(), metrics=list(metrics))
        return model

    weights = build().get_weights()

    def fixed():
        model = build()
        model.set_weights(weights)
        return model

    return fixed


def _keras_and_ratingnet(build, y):
    X = np.random.default_rng(0).normal(size=(len(y), 4)).astype("float32")
    settings = dict(epochs=3, batch_size=20, shuffle=False, target_scaling=None)
    ours = KerasRegressor(build, **settings).fit(X, y)
    theirs = build()
    history = theirs.fit(X, y, epochs=3, batch_size=20, shuffle=False, verbose=0)
    return ours, history.history


def _targets():
    rng = np.random.default_rng(1)
    return rng.normal(size=(200, 4)).astype("float32").sum(axis=1)


def test_a_loss_scale_optimizer_trains_as_in_keras():
    def scaled():
        return keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.05))

    ours, theirs = _keras_and_ratingnet(_fixed_start(scaled), _targets())

    np.testing.assert_allclose(ours.history_["loss"], theirs["loss"], rtol=1e-4)


def _batch_mae(y_true, y_pred):
    """One number per batch, written for a y of one value per row."""
    return keras.ops.mean(keras.ops.abs(y_true - keras.ops.squeeze(y_pred, -1)))


def _row_mae(y_true, y_pred):
    return keras.ops.mean(keras.ops.abs(y_true - y_pred), axis=-1)


@pytest.mark.parametrize("flat", [True, False])
def test_metric_functions_see_y_true_as_keras_gives_it(flat):
    y = _targets() if flat else _targets()[:, None]
    build = _fixed_start(lambda: "adam", metrics=[_batch_mae, _row_mae])

    with pytest.warns(RatingnetWarning, match="'_batch_mae' returns one number"):
        ours, theirs = _keras_and_ratingnet(build, y)

    for name in ("_batch_mae", "_row_mae"):
        np.testing.assert_allclose(ours.history_[name], theirs[name], rtol=1e-4)


def test_models_with_named_inputs_take_x_in_the_order_of_their_inputs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = X[:, :3].sum(axis=1) + 5 * X[:, 3]

    def named():
        a, b = keras.Input((3,), name="a"), keras.Input((1,), name="b")
        both = keras.layers.Concatenate()([a, keras.layers.Dense(4)(b)])
        model = keras.Model({"b": b, "a": a}, keras.layers.Dense(1)(both))
        model.compile(loss="mse", optimizer=keras.optimizers.Adam(0.05))
        return model

    est = KerasRegressor(named, epochs=30, random_state=0).fit(X, y)

    assert [tensor.name for tensor in est.model_.inputs] == ["a", "b"]
    assert np.sqrt(np.mean((est.predict(X) - y) ** 2)) < 0.05 * y.std()


class _OwnLoss(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1)

    def call(self, x):
        return self.dense(x)

    def compute_loss(self, *args, **kwargs):
        return super().compute_loss(*args, **kwargs) * 2.0


def test_a_model_that_trains_its_own_way_is_refused(regression_data):
    X, y = regression_data

    with pytest.raises(TypeError, match="overrides compute_loss, which ratingnet"):
        KerasRegressor(_OwnLoss, epochs=1).fit(X, y)


def test_moving_averages_of_the_weights_are_refused(regression_data):
    X, y = regression_data
    optimizer = keras.optimizers.Adam(use_ema=True)

    with pytest.raises(ValueError, match="use_ema=True, which ratingnet"):
        KerasRegressor(optimizer=optimizer, epochs=1).fit(X, y)


@pytest.mark.parametrize(
    ("where", "setting", "advice"),
    [
        ("init", {"callbacks": []}, "calls no Keras callbacks"),
        ("init", {"initial_epoch": 2}, "warm_start=True"),
        ("init", {"class_weight": {0: 2.0}}, "compute_sample_weight"),
        ("fit", {"validation_data": None}, "X_val= and y_val="),
        ("fit", {"epochs": 3}, "settings go to the estimator"),
    ],
)
def test_settings_of_keras_fit_say_what_to_do_instead(
    regression_data, where, setting, advice
):
    X, y = regression_data
    init, fit_params = (setting, {}) if where == "init" else ({}, setting)

    with pytest.raises(TypeError, match=advice):
        KerasRegressor(epochs=1, **init).fit(X, y, **fit_params)


def test_one_metric_may_be_given_without_a_list(regression_data):
    X, y = regression_data

    est = KerasRegressor(epochs=1, metrics="mae", random_state=0).fit(X, y)

    assert "mae" in est.history_
