"""Training the weights as one vector: exact, and only where it is exact."""

from ratingnet import _engine
from ratingnet._compile import make_loss
from ratingnet._engine.flat import FlatLayout, layout

import keras
import numpy as np
import pytest


def _model(constraint=None):
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(8, activation="relu", kernel_constraint=constraint),
            keras.layers.Dense(1),
        ]
    )


def _data(n_rows=48):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n_rows, 3)).astype(np.float32)
    y = (X @ [[1.0], [-0.5], [0.2]] + rng.normal(size=(n_rows, 1))).astype(np.float32)
    return {
        "inputs": [X],
        "y": y,
        "sample_weight": np.ones(n_rows, np.float32),
        "target_shift": np.zeros(1, np.float32),
        "target_scale": np.ones(1, np.float32),
    }


def _train(spec):
    replicas = _engine.make_replicas(
        [np.arange(32), np.arange(16, 48)],
        [np.arange(32, 48), np.arange(16)],
        [3, 4],
        8,
    )
    settings = _engine.Settings(epochs=12, batch_size=8, patience=4)
    return _engine.train(spec, settings, _data(), replicas)


def _adamw():
    schedule = keras.optimizers.schedules.CosineDecay(0.01, 40)
    return keras.optimizers.AdamW(schedule, weight_decay=0.01)


def test_a_flat_vector_trains_as_the_arrays_do():
    flat = _engine.TrainingSpec(_model(), make_loss("mse", {}), _adamw())
    # A built optimizer keeps its slots for the arrays, so they train as such.
    model, optimizer = _model(), _adamw()
    optimizer.build(model.trainable_variables)
    arrays = _engine.TrainingSpec(model, make_loss("mse", {}), optimizer)

    assert flat.layout.flat
    assert not arrays.layout.flat
    one, other = _train(flat), _train(arrays)

    np.testing.assert_allclose(
        one.history["val_loss"], other.history["val_loss"], rtol=1e-5
    )
    for a, b in zip(
        one.state["model"]["trainable"],
        other.state["model"]["trainable"],
        strict=True,
    ):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_packing_and_unpacking_give_the_weights_back():
    model = _model()
    found = layout(model, keras.optimizers.Adam())
    rng = np.random.default_rng(0)

    def replicas(variables):
        return [rng.normal(size=(2, *v.shape)).astype(np.float32) for v in variables]

    state = {
        "model": {
            "trainable": replicas(model.trainable_variables),
            "non_trainable": [],
            "optimizer": replicas(found.optimizer.variables),
        },
        "best_model": {"trainable": replicas(model.trainable_variables)},
        "stopped": np.zeros(2, np.float32),
    }
    packed = found.pack(state)
    again = found.unpack(packed)

    assert isinstance(found, FlatLayout)
    assert [a.shape for a in packed["model"]["trainable"]] == [(2, 3 * 8 + 8 + 8 + 1)]
    assert packed["model"]["optimizer"] is state["model"]["optimizer"]
    for name in ("model", "best_model"):
        for a, b in zip(
            state[name]["trainable"], again[name]["trainable"], strict=True
        ):
            np.testing.assert_array_equal(a, b)


class _Halving(keras.optimizers.schedules.LearningRateSchedule):
    """A schedule without get_config, so its optimizer cannot be copied."""

    def __call__(self, step):
        return 0.01 * 0.5 ** keras.ops.cast(step // 10, "float32")


def test_an_optimizer_that_cannot_be_copied_trains_the_arrays():
    spec = _engine.TrainingSpec(
        _model(), make_loss("mse", {}), keras.optimizers.Adam(_Halving())
    )

    result = _train(spec)

    assert not spec.layout.flat
    assert np.all(np.isfinite(result.history["loss"]))


@pytest.mark.parametrize(
    "optimizer, constraint",
    [
        (keras.optimizers.Adam(clipnorm=1.0), None),
        (keras.optimizers.Adafactor(), None),
        (keras.optimizers.Adam(), keras.constraints.MaxNorm(1.0)),
    ],
    ids=["clipnorm", "adafactor", "constraint"],
)
def test_arrays_stay_arrays_where_one_vector_would_train_otherwise(
    optimizer, constraint
):
    found = layout(_model(constraint), optimizer)

    assert not found.flat
    assert found.optimizer is optimizer and optimizer.built
