import ratingnet  # noqa: F401
from ratingnet._initializers import GlorotUniform, RandomNormal, RandomUniform, Zeros
from ratingnet._model import seeded

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
