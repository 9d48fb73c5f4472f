"""Models of standard Keras layers train, and behave as in Keras."""

from concurrent.futures import ThreadPoolExecutor

import ratingnet._engine.loop as loop
import ratingnet._engine.program as program_cache
from ratingnet import KerasRegressor
from ratingnet._layers import sin_cos
from ratingnet.exceptions import TrainingInterruptedWarning

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest
from sklearn.base import clone


def test_dropout_and_batch_normalization(regression_data):
    X, y = regression_data

    def build(n_features_in_):
        return keras.Sequential(
            [
                keras.Input((n_features_in_,)),
                keras.layers.Dense(16, activation="relu"),
                keras.layers.BatchNormalization(),
                keras.layers.Dropout(0.3),
                keras.layers.Dense(1),
            ]
        )

    est = KerasRegressor(build, epochs=100, random_state=0).fit(X, y)

    batch_norm = est.model_.layers[1]
    assert not np.allclose(batch_norm.moving_mean.numpy(), 0.0)
    inference = np.asarray(est.model_(X, training=False))[:, 0]
    inference = inference * est.target_scale_[0] + est.target_shift_[0]
    np.testing.assert_allclose(est.predict(X), inference, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(est.predict(X), est.predict(X))
    assert est.score(X, y) > 0.5


def test_several_inputs_with_an_embedding():
    rng = np.random.default_rng(0)
    group = rng.integers(0, 5, size=200)
    numbers = rng.normal(size=(200, 3))
    X = np.column_stack([group, numbers])
    y = group * 1.0 + numbers[:, 0]

    def build():
        code = keras.Input((1,), dtype="int32")
        values = keras.Input((3,))
        embedded = keras.layers.Flatten()(keras.layers.Embedding(5, 2)(code))
        joined = keras.layers.Concatenate()([embedded, values])
        hidden = keras.layers.Dense(16, activation="relu")(joined)
        return keras.Model([code, values], keras.layers.Dense(1)(hidden))

    est = KerasRegressor(build, epochs=40, batch_size=16, random_state=0).fit(X, y)

    assert est.score(X, y) > 0.9


def test_regularization_losses_are_trained(regression_data):
    X, y = regression_data

    def build(n_features_in_, l2):
        return keras.Sequential(
            [
                keras.Input((n_features_in_,)),
                keras.layers.Dense(1, kernel_regularizer=keras.regularizers.L2(l2)),
            ]
        )

    est = KerasRegressor(build, epochs=100, optimizer__learning_rate=0.05)
    free = clone(est).set_params(model__l2=0.0).fit(X, y)
    shrunk = clone(est).set_params(model__l2=1.0).fit(X, y)

    def norm(est):
        return np.abs(est.model_.layers[-1].kernel.numpy()).sum()

    assert norm(shrunk) < 0.75 * norm(free)


def test_ctrl_c_keeps_the_weights_trained_so_far(regression_data, monkeypatch):
    X, y = regression_data
    monkeypatch.setattr(loop, "_STEPS_PER_CHUNK", 1)
    real_program = loop.chunk_program
    calls = []

    def interrupting_program(*args, **kwargs):
        program = real_program(*args, **kwargs)

        def run(*run_args):
            calls.append(1)
            if len(calls) == 4:
                raise KeyboardInterrupt
            return program(*run_args)

        return run

    monkeypatch.setattr(loop, "chunk_program", interrupting_program)

    with pytest.warns(TrainingInterruptedWarning, match="after 3 of 10 epochs"):
        est = KerasRegressor(epochs=10, random_state=0).fit(X, y)

    assert len(est.history_["loss"]) == 3
    assert np.isfinite(est.predict(X)).all()


def test_folds_of_similar_size_reuse_one_compiled_program(regression_data):
    X, y = regression_data
    est = KerasRegressor(epochs=2, random_state=0)
    est.fit(X[:100], y[:100])
    programs = dict(program_cache._PROGRAMS)

    est.fit(X[:99], y[:99])

    assert programs == program_cache._PROGRAMS


def test_each_cached_training_program_holds_one_compilation(
    regression_data, monkeypatch
):
    X, y = regression_data
    monkeypatch.setattr(program_cache, "_PROGRAMS", type(program_cache._PROGRAMS)())
    monkeypatch.setattr(program_cache, "_MAX_PROGRAMS", 2)

    # Row counts in three buckets of padding: three table shapes.
    for rows in (40, 80, 160):
        KerasRegressor(epochs=1, random_state=0).fit(X[:rows], y[:rows])

    training = [p for key, p in program_cache._PROGRAMS.items() if key[0] == "train"]
    assert len(program_cache._PROGRAMS) == 2
    assert training and all(p._cache_size() == 1 for p in training)


def test_learning_rates_share_a_program_and_train_as_alone(
    regression_data, monkeypatch
):
    X, y = regression_data
    monkeypatch.setattr(program_cache, "_PROGRAMS", type(program_cache._PROGRAMS)())

    def fit(rate):
        est = KerasRegressor(epochs=3, optimizer__learning_rate=rate, random_state=0)
        return est.fit(X, y).predict(X[:5])

    fit(0.01)
    programs = dict(program_cache._PROGRAMS)
    shared = fit(0.2)
    assert program_cache._PROGRAMS.keys() == programs.keys()

    program_cache._PROGRAMS.clear()
    np.testing.assert_array_equal(shared, fit(0.2))


def test_fits_in_threads_draw_what_they_would_one_after_another(regression_data):
    X, y = regression_data

    def fit(seed):
        return KerasRegressor(epochs=2, random_state=seed).fit(X, y).predict(X[:5])

    one_by_one = [fit(seed) for seed in range(4)]
    state = np.random.get_state()[1].copy()
    with ThreadPoolExecutor(2) as pool:
        in_threads = list(pool.map(fit, range(4)))

    for alone, threaded in zip(one_by_one, in_threads, strict=True):
        np.testing.assert_array_equal(threaded, alone)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_different_losses_get_different_programs(regression_data):
    X, y = regression_data

    mse = KerasRegressor(loss="mse", epochs=3, random_state=0).fit(X, y)
    mae = KerasRegressor(loss="mae", epochs=3, random_state=0).fit(X, y)
    huber = KerasRegressor(loss="huber", loss__delta=0.1, epochs=3, random_state=0)

    assert mse.history_["loss"] != mae.history_["loss"]
    assert huber.fit(X, y).history_["loss"] != mae.history_["loss"]


def test_periodic_embedding_sine_and_cosine_match_numpy():
    angles = np.linspace(-60.0, 60.0, 100_001, dtype=np.float32)
    exact = angles.astype(np.float64)

    sin, cos = sin_cos(angles)
    slope = jax.grad(lambda a: jnp.sum(2 * sin_cos(a)[0] + sin_cos(a)[1]))(angles)

    np.testing.assert_allclose(sin, np.sin(exact), atol=2e-5)
    np.testing.assert_allclose(cos, np.cos(exact), atol=2e-5)
    np.testing.assert_allclose(slope, 2 * np.cos(exact) - np.sin(exact), atol=5e-5)
