"""The loss, optimizer and metrics of a fit.

Settings given to the estimator win over what the model was compiled with;
what neither gives falls back to the estimator's defaults. Each fit gets
fresh objects, so nothing trained carries over between fits or clones.
"""

import warnings

import jax.numpy as jnp
import keras
from keras.src.losses.losses import LossFunctionWrapper

from ._warnings import warn
from .exceptions import RatingnetWarning


def compiled_setting(model, name):
    """What ``model.compile`` was given for ``name``, or None."""
    config = getattr(model, "_compile_config", None)
    if config is None:
        return None
    return config.config.get(name)


def make_loss(loss, settings):
    """A function of (y_true, y_pred) returning one loss value per row."""
    if isinstance(loss, str):
        loss = keras.losses.get(loss)
    elif isinstance(loss, type) and issubclass(loss, keras.losses.Loss):
        loss = loss(**settings)
        settings = {}

    if callable(loss) and not isinstance(loss, keras.losses.Loss):
        loss = LossFunctionWrapper(loss, **settings)
        settings = {}
    if isinstance(loss, keras.losses.Loss):
        if settings:
            loss = loss.__class__.from_config({**loss.get_config(), **settings})
        return _per_row(loss)
    raise TypeError(
        f"loss must be a Keras loss name (such as 'mse'), a keras.losses.Loss "
        f"or a function of (y_true, y_pred); got {loss!r}."
    )


BATCH_LOSS = (
    "The loss {name!r} returns one number per batch, not one per row, so "
    "sample weights cannot weigh its rows, and the repeated rows that pad a "
    "partial batch count in it. Reduce over the last axis only (such as "
    "keras.ops.mean(..., axis=-1)) to give one value per row, as Keras's "
    "own losses do."
)


def _per_row(loss):
    """The loss as a function returning one value per row.

    It carries the loss's ``name``, whether it takes ``from_logits``, and a
    ``structure_key`` that tells losses apart for the program cache.
    """

    def per_row(y_true, y_pred):
        values = loss.call(y_true, y_pred)
        if jnp.ndim(values) == 0:
            warn(BATCH_LOSS.format(name=per_row.name), RatingnetWarning)
        return jnp.mean(values, axis=tuple(range(1, jnp.ndim(values))))

    function = getattr(loss, "fn", None)
    per_row.name = getattr(function, "__name__", type(loss).__name__)
    per_row.from_logits = bool(loss.get_config().get("from_logits"))
    per_row.structure_key = _loss_key(loss, function)
    return per_row


def _loss_key(loss, function):
    """Keras's own losses by config; a user's function by its identity.

    The keywords a Keras loss passes its function count too: Huber's
    ``delta`` is one, and Keras leaves it out of the config.
    """
    config = {k: v for k, v in loss.get_config().items() if k != "name"}
    config.update(getattr(loss, "_fn_kwargs", None) or {})
    if function is not None and not function.__module__.startswith("keras"):
        return f"id:{id(function)}"
    if function is None and not type(loss).__module__.startswith("keras"):
        return f"id:{id(loss)}:{sorted(config.items())!r}"
    return f"{type(loss).__name__}:{getattr(function, '__name__', '')}:{config!r}"


def make_optimizer(optimizer, settings):
    """A fresh Keras optimizer, with routed ``optimizer__*`` settings applied."""
    if isinstance(optimizer, str):
        return keras.optimizers.get({"class_name": optimizer, "config": settings})
    if isinstance(optimizer, type):
        return optimizer(**settings)
    if isinstance(optimizer, keras.optimizers.Optimizer):
        with warnings.catch_warnings():
            # Keras reads its learning-rate variable through a NumPy 1 API.
            warnings.simplefilter("ignore", DeprecationWarning)
            config = {**optimizer.get_config(), **settings}
        config.pop("name", None)
        return optimizer.__class__.from_config(config)
    raise TypeError(
        "optimizer must be a Keras optimizer name (such as 'adam'), class or "
        f"instance; got {optimizer!r}."
    )


def make_metrics(metrics, aliases=None):
    """Fresh Keras metrics named as the user wrote them ('mae' stays 'mae')."""
    aliases = aliases or {}
    return tuple(_make_metric(metric, aliases) for metric in metrics or ())


def _make_metric(metric, aliases):
    name = metric if isinstance(metric, str) else None
    if isinstance(metric, str):
        metric = keras.metrics.get(aliases.get(metric, metric))

    if isinstance(metric, keras.metrics.Metric):
        config = metric.get_config()
        return metric.__class__.from_config({**config, "name": name or config["name"]})
    if callable(metric):
        return keras.metrics.MeanMetricWrapper(metric, name=name or metric.__name__)
    raise TypeError(
        "metrics must be a list of Keras metric names (such as 'mae'), "
        f"keras.metrics.Metric objects or functions; got {metric!r}."
    )
