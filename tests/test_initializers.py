import ratingnet  # noqa: F401
from ratingnet._initializers import GlorotUniform, RandomNormal, RandomUniform, Zeros
from ratingnet._layers import PeriodicEmbedding
from ratingnet._model import dense_layer, redrawn_weights, seeded

import keras
import numpy as np
import pytest


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (GlorotUniform(), keras.initializers.GlorotUniform(seed=0)),
        (RandomUniform(), keras.initializers.RandomUniform(seed=0)),
        (RandomNormal(0.5), keras.initializers.RandomNormal(stddev=0.5, seed=0)),
        (Zeros(), keras.initializers.Zeros()),
    ],
)
def test_draws_keras_distributions(ours, theirs):
    shape = (6, 40, 50)

    with seeded(0):
        values = ours(shape, dtype="float32")
    expected = np.asarray(theirs(shape, dtype="float32"))

    assert values.shape == shape and values.dtype == np.float32
    np.testing.assert_allclose(values.std(), expected.std(), rtol=0.05, atol=1e-6)
    np.testing.assert_allclose(
        np.abs(values).max(), np.abs(expected).max(), rtol=0.1, atol=1e-6
    )


def test_same_seed_same_weights_without_touching_the_users_generator():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()

    with seeded(7):
        first = GlorotUniform()((10, 4))
    with seeded(7):
        second = GlorotUniform()((10, 4))

    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def _network(dense):
    return keras.Sequential([keras.Input((3,)), PeriodicEmbedding(), dense])


def test_redrawn_weights_are_new_draws_of_each_weights_initializer():
    model = _network(dense_layer(4))

    first, again, other = (redrawn_weights(model, seed) for seed in (1, 1, 2))

    variables = model.trainable_variables
    assert [w.shape for w in first] == [tuple(v.shape) for v in variables]
    for drawn, same, different, variable in zip(
        first, again, other, variables, strict=True
    ):
        np.testing.assert_array_equal(drawn, same)
        if variable.name == "bias":
            assert not drawn.any()
        else:
            assert not np.allclose(drawn, different)
            assert not np.allclose(drawn, np.asarray(variable.value))
    names = [v.name for v in variables]
    frequencies = first[names.index("frequencies")]
    np.testing.assert_allclose(frequencies.std(), 0.5, rtol=0.5)


def test_no_redrawn_weights_where_an_initializer_is_kerass_own():
    assert redrawn_weights(_network(keras.layers.Dense(4)), 1) is None
