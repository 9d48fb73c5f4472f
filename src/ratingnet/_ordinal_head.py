"""The CORN ordinal head: K-1 conditional binary tasks on top of any body.

Levels are numbered by position, 0 to K-1. Task k (0 <= k < K-1) asks "is
the level above k?", and only rows whose level is at least k take part in
it. The model's K-1 outputs are the logits of these conditional chances.
The chance that a row's level exceeds k is the product of the conditional
chances of tasks 0..k, so it falls as k rises whatever the weights are:
the predicted distribution is rank-consistent by construction. The method
is CORN (Shi, Cao and Raschka, 2021, "Deep neural networks for
rank-consistent ordinal regression based on conditional probabilities").
"""

import jax
import jax.numpy as jnp
import keras
import numpy as np
from scipy.special import expit, logit

from ._compile import compiled_setting
from ._model import instantiate

HEAD_NAME = "ordinal_head"


# Training: the loss and level metrics on the logits, in JAX ---------------


def corn_loss(y_true, y_pred):
    """Negative log-likelihood of each row's level under the CORN model.

    ``y_true`` holds level positions as floats, shape (n, 1); ``y_pred`` the
    K-1 logits. The value is the sum of the binary cross-entropies of the
    tasks the row takes part in, which is exactly minus the log of the
    chance the model gives the row's level.
    """
    level = jnp.reshape(y_true, (-1, 1)).astype(y_pred.dtype)
    tasks = jnp.arange(y_pred.shape[-1], dtype=y_pred.dtype)
    above = (level > tasks).astype(y_pred.dtype)
    cross_entropy = jax.nn.softplus(y_pred) - y_pred * above
    return jnp.sum(jnp.where(level >= tasks, cross_entropy, 0.0), axis=-1)


def _predicted_level(y_pred):
    exceed = jnp.cumprod(jax.nn.sigmoid(y_pred), axis=-1)
    return jnp.sum(exceed > 0.5, axis=-1).astype(y_pred.dtype)


def level_accuracy(y_true, y_pred):
    """1 where the predicted (median) level is the row's level, else 0."""
    hit = _predicted_level(y_pred) == jnp.reshape(y_true, (-1,))
    return hit.astype(y_pred.dtype)


def level_mae(y_true, y_pred):
    """How many levels the predicted (median) level is off, per row."""
    return jnp.abs(_predicted_level(y_pred) - jnp.reshape(y_true, (-1,)))


# Prediction: the distribution over levels, in NumPy ----------------------


def exceedance(logits):
    """P(level > k) for k = 0..K-2, shape (n, K-1); falls along each row."""
    return np.cumprod(expit(np.asarray(logits, dtype=np.float64)), axis=1)


def level_probabilities(logits):
    """P(level = k) for k = 0..K-1, shape (n, K); rows sum to one."""
    exceed = exceedance(logits)
    ones, zeros = np.ones((len(exceed), 1)), np.zeros((len(exceed), 1))
    return np.hstack([ones, exceed]) - np.hstack([exceed, zeros])


def median_level(logits):
    """The median level's position: how many P(level > k) exceed one half.

    This is CORN's own prediction rule; since P(level > k) falls with k,
    the count is the smallest k with P(level <= k) >= 1/2.
    """
    return np.sum(exceedance(logits) > 0.5, axis=1)


def prior_logits(levels, n_levels):
    """Each task's logit in the training data, smoothed: the head's first bias.

    Starting from the base rates lets training spend its epochs on the
    features; a task with no rows (a level missing from the data) starts
    at even odds.
    """
    tasks = np.arange(n_levels - 1)
    at_least = np.sum(levels[:, None] >= tasks, axis=0)
    above = np.sum(levels[:, None] > tasks, axis=0)
    return logit((above + 0.5) / (at_least + 1.0)).astype(np.float32)


# Building: the body with the head on top ---------------------------------


def ordinal_builder(body, n_levels, *, initial_bias, own_body=False):
    """A build function for ``build_model``: ``body``'s model with the head.

    Parameters
    ----------
    body : callable or keras.Model
        What the user gave as ``model`` (or the estimator's default network).
    n_levels : int
    initial_bias : array of shape (n_levels - 1,)
        The head's first bias; only set on a head ratingnet built.
    own_body : bool, default=False
        ``body`` is the default network, whose last layer is our head.
    """

    def build(meta, **settings):
        model = instantiate(body, meta, settings)
        model, appended = with_head(model, n_levels, meta["n_features_in_"])
        if appended or own_body:
            model.layers[-1].bias.assign(initial_bias)
        return model

    return build


def with_head(body, n_levels, n_features):
    """``body`` with a Dense(K-1) head on top, and whether one was added.

    A body that already ends in K-1 linear units is the whole model, and is
    returned as it is. Otherwise its output is read as features (or a single
    score) and the head turns it into K-1 logits; the body's compiled
    optimizer carries over, its compiled loss, metrics and weighted metrics
    (which were meant for the body's output) do not.
    """
    inputs = _inputs_like(body, n_features)
    outputs = body(inputs[0] if len(inputs) == 1 else inputs)
    if isinstance(outputs, list | tuple | dict):
        raise ValueError(
            f"The model has {len(outputs)} outputs; an ordinal model needs a "
            "body with one output, the features (or score) the head reads."
        )
    is_head = len(outputs.shape) == 2 and outputs.shape[-1] == n_levels - 1
    if is_head and _linear_output(body):
        return body, False

    features = outputs
    if len(outputs.shape) != 2:
        features = keras.layers.Flatten()(outputs)
    logits = keras.layers.Dense(n_levels - 1, name=HEAD_NAME)(features)
    model = keras.Model(inputs[0] if len(inputs) == 1 else inputs, logits)

    optimizer = compiled_setting(body, "optimizer")
    if optimizer is not None:
        model.compile(optimizer=optimizer)
    return model, True


def _inputs_like(model, n_features):
    """Fresh Keras inputs shaped as the model's own (one of n_features if none)."""
    try:
        tensors = list(model.inputs or [])
    except (AttributeError, ValueError):
        tensors = []
    if not tensors:
        return [keras.Input((n_features,))]
    return [keras.Input(t.shape[1:], dtype=t.dtype) for t in tensors]


def _linear_output(model):
    layers = getattr(model, "layers", None) or []
    activation = getattr(layers[-1], "activation", None) if layers else None
    return activation is None or getattr(activation, "__name__", "") == "linear"
