"""Parameters beyond ``__init__``'s: routed ``prefix__name`` settings and old names.

Routed parameters travel to the object named by their prefix:
``model__units=32`` to the build function, ``optimizer__learning_rate=0.01``
to the optimizer, ``loss__delta=2.0`` to the loss.
"""

import difflib
import inspect
from numbers import Integral

import numpy as np

from ._warnings import warn

ROUTED_PREFIXES = ("model", "optimizer", "loss")

# Old spelling -> current parameter, from the recipe's Keras 1 era wrapper.
RENAMED = {"build_fn": "model", "nb_epoch": "epochs"}


def is_extra(name):
    """Whether ``name`` is an extra parameter the estimator keeps as given."""
    return name in RENAMED or name.split("__", 1)[0] in ROUTED_PREFIXES


def routed(params, prefix):
    """The ``prefix__*`` settings of ``params``, without their prefix."""
    start = prefix + "__"
    return {k[len(start) :]: v for k, v in params.items() if k.startswith(start)}


def renamed_by(params):
    """The old spellings of the current names in ``params``."""
    return [old for old, new in RENAMED.items() if new in params]


def resolve_renamed(estimator, params):
    """Apply old spellings (with a FutureWarning) to a copy of ``params``.

    An old spelling beside its current name set to another value than the
    default is refused: which of the two was meant is unclear.
    """
    params = dict(params)
    for old, new in RENAMED.items():
        if params.get(old) is None:
            continue
        default = _default(estimator, new)
        if params[new] is not default and params[new] != default:
            raise ValueError(
                f"{type(estimator).__name__} got both {old}={_short(params[old])} "
                f"and {new}={_short(params[new])}, two spellings of one "
                f"setting. Keep {new}= only."
            )
        warn(
            f"{type(estimator).__name__}({old}=...) is the old spelling of "
            f"{new}=...; write {new}={_short(params[old])} instead.",
            FutureWarning,
        )
        params[new] = params.pop(old)
    return params


# Settings of Keras's model.fit that users bring, and what to do instead.
_NO_CALLBACKS = (
    "ratingnet trains every epoch in one compiled program and calls no Keras "
    "callbacks. Leave them out: history_ holds each epoch's loss and metrics, "
    "and RatingRegressor stops early on held-out rows (patience=)."
)
KERAS_FIT_SETTINGS = {
    "callbacks": _NO_CALLBACKS,
    "initial_epoch": (
        "To train a fitted estimator on, set warm_start=True and call fit "
        "again; history_ then continues."
    ),
    "class_weight": (
        "Weigh rows instead: fit(X, y, sample_weight=w), with w from "
        "sklearn.utils.class_weight.compute_sample_weight('balanced', y)."
    ),
    "validation_data": "Give validation rows to fit as X_val= and y_val=.",
    **dict.fromkeys(
        (
            "steps_per_epoch",
            "validation_steps",
            "validation_freq",
            "validation_batch_size",
        ),
        "Every epoch trains on all training rows and evaluates all validation "
        "rows, once per epoch; leave it out.",
    ),
}


def check_keras_fit_setting(owner, name):
    """Refuse a setting of Keras's model.fit by name, saying what to do."""
    if name in KERAS_FIT_SETTINGS:
        raise TypeError(
            f"{owner} got {name}=, a setting of Keras's model.fit that "
            f"ratingnet does not take. {KERAS_FIT_SETTINGS[name]}"
        )


def check_fit_params(estimator, fit_params):
    """Refuse keywords that ``fit`` does not take, saying where settings go."""
    owner = f"{type(estimator).__name__}.fit"
    for name in fit_params:
        check_keras_fit_setting(owner, name)
        raise TypeError(
            f"{owner} got an unexpected keyword argument {name!r}. It takes X, "
            "y, sample_weight, X_val and y_val; settings go to the estimator, "
            f"such as {type(estimator).__name__}(epochs=10)."
        )


def check_unknown(estimator, params, build_function):
    """Refuse parameters nothing will read, suggesting the closest name."""
    accepted = set(estimator._get_param_names()) | set(RENAMED)
    takes = _keyword_names(build_function)
    for name in params:
        if name in accepted or is_extra(name) or name in takes:
            continue
        check_keras_fit_setting(type(estimator).__name__, name)
        close = difflib.get_close_matches(name, sorted(accepted), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise TypeError(
            f"{type(estimator).__name__} got an unknown parameter {name!r}.{hint} "
            "Settings for the model, optimizer or loss take a prefix: "
            "model__units, optimizer__learning_rate, loss__delta."
        )


def check_counts(estimator, params):
    """Refuse epochs, batch_size or n_models below 1 before any work starts."""
    for name in ("epochs", "batch_size", "n_models"):
        value = params.get(name)
        if value is None or isinstance(value, str) and value == "auto":
            continue
        whole = isinstance(value, Integral) and not isinstance(value, bool)
        if whole and value >= 1:
            continue
        auto = ', or "auto"' if _default(estimator, name) == "auto" else ""
        raise ValueError(
            f"{type(estimator).__name__}({name}={value!r}): {name} must be a "
            f"whole number of at least 1{auto}."
        )


def check_switches(estimator, params):
    """Refuse a verbose other than 0, 1 or 2, and a round_predictions not a bool."""
    name = type(estimator).__name__
    verbose = params.get("verbose", 0)
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise ValueError(
            f"{name}(verbose={verbose!r}): verbose must be 0 (silent), 1 (a "
            "progress bar) or 2 (one line per epoch), as in Keras."
        )
    rounding = params.get("round_predictions", False)
    if not isinstance(rounding, bool | np.bool_):
        raise ValueError(
            f"{name}(round_predictions={rounding!r}): round_predictions must "
            "be True or False."
        )


def _default(estimator, name):
    parameter = inspect.signature(type(estimator)).parameters.get(name)
    return None if parameter is None else parameter.default


def _keyword_names(function):
    if function is None or not callable(function):
        return set()
    try:
        return set(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return set()


def _short(value):
    return getattr(value, "__name__", repr(value))
