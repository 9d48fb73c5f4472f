"""Weight initializers of ratingnet's own networks, drawn with NumPy.

Keras draws initial weights with JAX, which compiles a small program for
each new weight shape: about 0.3 s apiece on a CPU, several seconds for a
tabular network with a dozen shapes, all before training starts. These
initializers draw Keras's distributions with NumPy instead, from NumPy's
global generator, which ``build_model`` seeds from the fit's random_state
(and restores afterwards). Keras's own uniform initializers in a user's
model keep their numbers, computed with NumPy too (``ratingnet._threefry``).
"""

import math

import jax
import keras
import numpy as np


class NumpyInitializer(keras.initializers.Initializer):
    """An initializer whose ``draw`` gives a NumPy array; called, a JAX one.

    Keras would convert a NumPy array with ``jnp.asarray``, which compiles a
    small program for each new shape (0.2 s of a first build); code that
    keeps the weights in NumPy (``ratingnet._model.redrawn_weights``) calls
    ``draw`` and sends nothing to the device.
    """

    def __call__(self, shape, dtype=None):
        return jax.device_put(self.draw(shape, dtype))

    def draw(self, shape, dtype=None):
        raise NotImplementedError


@keras.saving.register_keras_serializable(package="ratingnet")
class GlorotUniform(NumpyInitializer):
    """Uniform in ±sqrt(6 / (fan_in + fan_out)), as Keras's ``glorot_uniform``."""

    def draw(self, shape, dtype=None):
        fan_in, fan_out = _fans(shape)
        limit = math.sqrt(6.0 / max(fan_in + fan_out, 1))
        return _cast(np.random.uniform(-limit, limit, shape), dtype)


@keras.saving.register_keras_serializable(package="ratingnet")
class RandomUniform(NumpyInitializer):
    """Uniform in [minval, maxval); Keras's ``uniform`` is ±0.05."""

    def __init__(self, minval=-0.05, maxval=0.05):
        self.minval = minval
        self.maxval = maxval

    def draw(self, shape, dtype=None):
        return _cast(np.random.uniform(self.minval, self.maxval, shape), dtype)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval}


@keras.saving.register_keras_serializable(package="ratingnet")
class RandomNormal(NumpyInitializer):
    """Normal with mean 0 and standard deviation ``stddev``."""

    def __init__(self, stddev=0.05):
        self.stddev = stddev

    def draw(self, shape, dtype=None):
        return _cast(np.random.normal(0.0, self.stddev, shape), dtype)

    def get_config(self):
        return {"stddev": self.stddev}


@keras.saving.register_keras_serializable(package="ratingnet")
class Zeros(NumpyInitializer):
    """All zeros."""

    def draw(self, shape, dtype=None):
        return _cast(np.zeros(shape), dtype)


def _fans(shape):
    """Keras's fans: the last two axes, times the receptive field before them."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


def _cast(values, dtype):
    return values.astype(keras.backend.standardize_dtype(dtype or "float32"))
