"""The loss, optimizer and metrics of a fit.

Settings given to the estimator win over what the model was compiled with;
what neither gives falls back to the estimator's defaults. Each fit gets
fresh objects, so nothing trained carries over between fits or clones.
"""

import warnings

import jax.numpy as jnp
import keras


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

    if isinstance(loss, keras.losses.Loss):
        if settings:
            loss = loss.__class__.from_config({**loss.get_config(), **settings})
        name = getattr(getattr(loss, "fn", None), "__name__", type(loss).__name__)
        return _per_row(loss.call, name, loss.get_config().get("from_logits"))
    if callable(loss):
        if settings:
            wrapped = keras.losses.LossFunctionWrapper(loss, **settings)
            return _per_row(wrapped.call, loss.__name__, settings.get("from_logits"))
        return _per_row(loss, getattr(loss, "__name__", "loss"), False)
    raise TypeError(
        f"loss must be a Keras loss name (such as 'mse'), a keras.losses.Loss "
        f"or a function of (y_true, y_pred); got {loss!r}."
    )


def _per_row(function, name, from_logits):
    """Wrap a loss so it returns one value per row; keep its name and logits flag."""

    def per_row(y_true, y_pred):
        values = function(y_true, y_pred)
        return jnp.mean(values, axis=tuple(range(1, jnp.ndim(values))))

    per_row.name = name
    per_row.from_logits = bool(from_logits)
    return per_row


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
