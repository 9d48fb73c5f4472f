"""Keras layers of ratingnet's own networks, registered for saving and loading."""

import math

import jax
import jax.numpy as jnp
import keras
from keras import ops

from ._initializers import GlorotUniform, RandomNormal, Zeros


@keras.saving.register_keras_serializable(package="ratingnet")
class PeriodicEmbedding(keras.layers.Layer):
    """Embed each number by periodic features of learned frequencies.

    Each of the ``d`` input columns becomes ``sin`` and ``cos`` of
    ``2π c x`` for ``n_frequencies`` learned frequencies ``c``, mixed by a
    per-column linear map into ``width`` features with a ReLU (the "PLR"
    embedding of Gorishniy et al., 2022). Networks on tables learn sharp,
    non-monotone effects of single numbers far more easily this way.

    Parameters
    ----------
    n_frequencies : int, default=8
    width : int, default=8
    sigma : float, default=0.5
        Standard deviation of the initial frequencies (inputs are scaled to
        about ±3).
    """

    def __init__(self, n_frequencies=8, width=8, sigma=0.5, **kwargs):
        super().__init__(**kwargs)
        self.n_frequencies = n_frequencies
        self.width = width
        self.sigma = sigma
        # Named as Keras's layers name theirs: ``<weight>_initializer``.
        self.frequencies_initializer = RandomNormal(stddev=sigma)
        self.mixing_initializer = GlorotUniform()
        self.bias_initializer = Zeros()

    def build(self, input_shape):
        d = input_shape[-1]
        self.frequencies = self.add_weight(
            (d, self.n_frequencies),
            initializer=self.frequencies_initializer,
            name="frequencies",
        )
        self.mixing = self.add_weight(
            (d, 2 * self.n_frequencies, self.width),
            initializer=self.mixing_initializer,
            name="mixing",
        )
        self.bias = self.add_weight(
            (d, self.width), initializer=self.bias_initializer, name="bias"
        )

    def call(self, inputs):
        # Column-major (columns, rows, features) until the mixing is done: a
        # product batched over the leading axis is the layout XLA's CPU
        # kernels run fastest (movies' training step: 5.2 ms to 3.2 ms).
        columns = ops.transpose(inputs)
        angles = 2 * math.pi * columns[..., None] * self.frequencies[:, None, :]
        periodic = ops.concatenate(sin_cos(angles), axis=-1)
        mixed = jax.lax.dot_general(
            periodic, ops.convert_to_tensor(self.mixing), (((2,), (1,)), ((0,), (0,)))
        )
        mixed = ops.transpose(mixed, (1, 0, 2)) + self.bias
        return ops.reshape(ops.relu(mixed), (-1, inputs.shape[-1] * self.width))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1] * self.width)

    def get_config(self):
        return {
            **super().get_config(),
            "n_frequencies": self.n_frequencies,
            "width": self.width,
            "sigma": self.sigma,
        }


@jax.custom_jvp
def sin_cos(angles):
    """``(sin(angles), cos(angles))`` to within 2e-5, at a third of XLA's cost.

    The periodic embedding evaluates both on every number of every batch,
    forwards and backwards, and on a CPU XLA's own sine and cosine were most
    of a tabular network's training step. Here the angle is reduced to
    [-π, π] and halved, its sine and cosine come from short Taylor
    polynomials (accurate on [-π/2, π/2]), and the double-angle formulas
    give the result. The derivative reuses the two values instead of
    differentiating the polynomials.
    """
    turns = jnp.round(angles * (0.5 / math.pi))
    half = 0.5 * (angles - (2 * math.pi) * turns)
    h2 = half * half
    sin_half = half * (
        1 + h2 * (-1 / 6 + h2 * (1 / 120 + h2 * (-1 / 5040 + h2 / 362880)))
    )
    cos_half = 1 + h2 * (
        -1 / 2 + h2 * (1 / 24 + h2 * (-1 / 720 + h2 * (1 / 40320 - h2 / 3628800)))
    )
    return 2 * sin_half * cos_half, 1 - 2 * sin_half * sin_half


@sin_cos.defjvp
def _sin_cos_jvp(primals, tangents):
    (angles,), (tangent,) = primals, tangents
    sin, cos = sin_cos(angles)
    return (sin, cos), (cos * tangent, -sin * tangent)
