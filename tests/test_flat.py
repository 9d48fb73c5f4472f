"""Training the weights as one vector: exact, and only where it is exact."""

from ratingnet import _engine
from ratingnet._compile import make_loss
from ratingnet._engine.flat import FlatLayout, Layout, layout

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


def test_a_flat_vector_trains_as_the_arrays_do():
    optimizer = keras.optimizers.AdamW(
        keras.optimizers.schedules.CosineDecay(0.01, 40), weight_decay=0.01
    )
    flat = _engine.TrainingSpec(_model(), make_loss("mse", {}), optimizer)
    arrays = _engine.TrainingSpec(
        _model(),
        make_loss("mse", {}),
        keras.optimizers.AdamW.from_config(optimizer.get_config()),
    )
    arrays.layout = Layout(arrays.optimizer)

    assert flat.layout.flat
    one, other = _train(flat), _train(arrays)

    np.testing.assert_allclose(
        one.history["val_loss"], other.history["val_loss"], rtol=1e-5
    )
    for part in ("trainable", "optimizer"):
        for a, b in zip(
            one.state["model"][part], other.state["model"][part], strict=True
        ):
            assert a.shape == b.shape
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_packing_and_unpacking_give_the_state_back():
    # Nadam keeps a scalar after its slots; every piece must find its place.
    model = _model()
    optimizer = keras.optimizers.Nadam()
    optimizer.build(model.trainable_variables)
    found = layout(model, optimizer)
    rng = np.random.default_rng(0)

    def replicas(values):
        return [rng.normal(size=(2, *np.shape(v))).astype(np.float32) for v in values]

    state = {
        "model": {
            "trainable": replicas(model.trainable_variables),
            "non_trainable": [],
            "optimizer": replicas(optimizer.variables),
        },
        "best_model": {"trainable": replicas(model.trainable_variables)},
    }
    packed = found.pack(state)
    again = found.unpack(packed)

    assert isinstance(found, FlatLayout)
    assert len(packed["model"]["trainable"]) == 1
    assert len(packed["model"]["optimizer"]) < len(optimizer.variables)
    for name in ("model", "best_model"):
        for part, values in state[name].items():
            for a, b in zip(values, again[name][part], strict=True):
                np.testing.assert_array_equal(a, b)


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
    model = _model(constraint)
    optimizer.build(model.trainable_variables)

    assert not layout(model, optimizer).flat
