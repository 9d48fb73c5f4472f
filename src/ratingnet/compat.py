"""Keras 1 layer arguments, as in the classic recipe, on Keras 3.

The recipe predates Keras 2 and writes ``Dense(13, input_dim=13,
init="normal")``. Keras 3 refuses ``init``. Import the layers from here
instead of ``keras.layers`` and the old arguments run, each with a
``FutureWarning`` that names its Keras 3 spelling::

    from ratingnet.compat import Dense   # was: from keras.layers import Dense

    model = keras.Sequential()
    model.add(Dense(13, input_dim=13, init="normal", activation="relu"))
    model.add(Dense(1, init="normal"))

The layers are Keras's own classes once built, so models save, load and
clone as usual.
"""

import warnings

import keras

from ._warnings import warn

__all__ = ["Dense", "Dropout"]

# Keras 1 argument -> Keras 3 argument.
_RENAMED = {
    "init": "kernel_initializer",
    "output_dim": "units",
    "W_regularizer": "kernel_regularizer",
    "b_regularizer": "bias_regularizer",
    "W_constraint": "kernel_constraint",
    "b_constraint": "bias_constraint",
    "bias": "use_bias",
    "p": "rate",
}


def _modernize(layer_name, kwargs):
    """Keras 3 keyword arguments for Keras 1 ones, warning once per argument."""
    kwargs = dict(kwargs)
    for old, new in _RENAMED.items():
        if old in kwargs:
            _warn(f"{layer_name}({old}=...) is Keras 1; Keras 3 writes {new}=...")
            kwargs[new] = kwargs.pop(old)
    if "input_dim" in kwargs:
        _warn(
            f"{layer_name}(input_dim=...) is Keras 1; Keras 3 starts the model "
            "with keras.Input((n_features,))"
        )
        kwargs["input_shape"] = (kwargs.pop("input_dim"),)
    return kwargs


def _warn(message):
    warn(message + ".", FutureWarning)


def Dense(*args, **kwargs):
    """``keras.layers.Dense`` that also takes Keras 1's ``init``, ``input_dim`` etc."""
    kwargs = _modernize("Dense", kwargs)
    with warnings.catch_warnings():
        # Keras 3's own advice on input_shape repeats ours.
        warnings.filterwarnings("ignore", message="Do not pass an `input_shape`")
        return keras.layers.Dense(*args, **kwargs)


def Dropout(*args, **kwargs):
    """``keras.layers.Dropout`` that also takes Keras 1's ``p``."""
    return keras.layers.Dropout(*args, **_modernize("Dropout", kwargs))
