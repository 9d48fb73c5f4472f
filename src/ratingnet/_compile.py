"""The loss, optimizer and metrics of a fit.

Settings given to the estimator win over what the model was compiled with;
what neither gives falls back to the estimator's defaults. A compiled
``loss_weights`` weighs the loss, whichever of the two gave it. Each fit gets
fresh objects, so nothing trained carries over between fits or clones.
"""

import functools
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


def make_loss(loss, settings, weight=1.0):
    """A function of (y_true, y_pred) returning one loss value per row.

    ``weight`` multiplies it, as ``compile(loss_weights=...)`` does.
    """
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
        _warn_reduction(loss)
        return _per_row(loss, float(weight))
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


BATCH_METRIC = (
    "The metric {name!r} returns one number per batch, not one per row, so "
    "the repeated rows that pad a partial batch count in it, and it is "
    "averaged over batches by their rows. Reduce over the last axis only "
    "(such as keras.ops.mean(..., axis=-1)) to give one value per row, as "
    "Keras's own metrics do."
)


def _metric_per_row(function, flat_target):
    """A metric function that gives one value per row, as the engine averages.

    A function that returns one number for the whole batch is warned about,
    and its number counts once for each row.
    """

    @functools.wraps(function)
    def per_row(y_true, y_pred, **kwargs):
        if flat_target:
            y_true = y_true[:, 0]
        values = function(y_true, y_pred, **kwargs)
        if jnp.ndim(values) == 0:
            warn(BATCH_METRIC.format(name=function.__name__), RatingnetWarning)
            values = jnp.broadcast_to(values, jnp.shape(y_true)[:1])
        return values

    return per_row


def loss_weight(loss_weights):
    """The one weight ``compile(loss_weights=...)`` gives a one-output model."""
    if loss_weights is None:
        return 1.0
    values = loss_weights
    if isinstance(loss_weights, dict):
        values = list(loss_weights.values())
    if isinstance(values, list | tuple):
        if len(values) != 1:
            raise ValueError(
                f"The model was compiled with loss_weights={loss_weights!r}, "
                "one per output, but ratingnet trains models with one output. "
                "Give a single weight, or none."
            )
        values = values[0]
    return float(values)


REDUCTION = (
    "The loss {name!r} has reduction={reduction!r}, which ratingnet ignores: "
    "it reduces every loss as Keras's default does, 'sum_over_batch_size', "
    "the weighted sum over the rows of a batch divided by their number. "
    "Leave reduction at its default; to train with larger steps (as 'sum' "
    "would), raise the optimizer's learning rate."
)


def _warn_reduction(loss):
    reduction = getattr(loss, "reduction", "sum_over_batch_size")
    if reduction not in ("sum_over_batch_size", "mean"):
        name = getattr(loss, "name", type(loss).__name__)
        warn(REDUCTION.format(name=name, reduction=reduction), RatingnetWarning)


def _per_row(loss, weight):
    """The loss as a function returning one value per row, times ``weight``.

    It computes in the loss's dtype (float32 under a mixed precision
    policy, as Keras's losses do). It carries the loss's ``name``, whether
    it takes ``from_logits``, and a ``structure_key`` that tells losses
    apart for the program cache.
    """

    def per_row(y_true, y_pred):
        dtype = getattr(loss, "dtype", None) or "float32"
        values = loss.call(jnp.asarray(y_true, dtype), jnp.asarray(y_pred, dtype))
        if jnp.ndim(values) == 0:
            warn(BATCH_LOSS.format(name=per_row.name), RatingnetWarning)
        values = jnp.mean(values, axis=tuple(range(1, jnp.ndim(values))))
        return values if weight == 1.0 else values * weight

    function = getattr(loss, "fn", None)
    per_row.name = getattr(function, "__name__", type(loss).__name__)
    per_row.from_logits = bool(loss.get_config().get("from_logits"))
    per_row.structure_key = f"{_loss_key(loss, function)}*{weight!r}"
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
    made = _new_optimizer(optimizer, settings)
    if getattr(made, "use_ema", False):
        raise ValueError(
            f"The optimizer {type(made).__name__} has use_ema=True, which "
            "ratingnet does not support: the trained model would not end on "
            "the weights' moving averages, as it does in Keras. Leave "
            "use_ema off, or train the model with Keras's model.fit."
        )
    return made


def _new_optimizer(optimizer, settings):
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


def make_metrics(metrics, aliases=None, flat_target=False):
    """Fresh Keras metrics named as the user wrote them ('mae' stays 'mae').

    With ``flat_target`` (a target given as one value per row), a metric
    function gets ``y_true`` of shape (batch,), as Keras's ``fit`` gives it.
    """
    aliases = aliases or {}
    if isinstance(metrics, str | keras.metrics.Metric) or (
        callable(metrics) and not isinstance(metrics, type)
    ):
        metrics = [metrics]
    return tuple(_make_metric(metric, aliases, flat_target) for metric in metrics or ())


def _make_metric(metric, aliases, flat_target):
    name = metric if isinstance(metric, str) else None
    if isinstance(metric, str):
        metric = keras.metrics.get(aliases.get(metric, metric))

    if isinstance(metric, keras.metrics.Metric):
        config = metric.get_config()
        return metric.__class__.from_config({**config, "name": name or config["name"]})
    if callable(metric):
        wrapper = keras.metrics.MeanMetricWrapper(
            _metric_per_row(metric, flat_target), name=name or metric.__name__
        )
        # The program cache tells metric functions apart by their identity.
        wrapper.structure_key = f"id:{id(metric)}:{flat_target}"
        return wrapper
    raise TypeError(
        "metrics must be a list of Keras metric names (such as 'mae'), "
        f"keras.metrics.Metric objects or functions; got {metric!r}."
    )
