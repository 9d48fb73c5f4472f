"""Building the Keras model of a fit: from a function, an instance or the default."""

import contextlib
import difflib
import inspect
import random
import threading
from numbers import Integral

import keras
import numpy as np

from ._engine.spec import adapted_layers
from ._initializers import GlorotUniform, NumpyInitializer, Zeros
from ._threefry import uniform_draws_in_numpy

try:
    from keras.src.models.functional import Functional
except ImportError:  # A Keras that keeps it elsewhere: every model a graph.
    Functional = keras.Model

# What a build function may ask for by keyword, beside its routed settings.
META_NAMES = ("n_features_in_", "n_outputs_", "n_classes_", "classes_", "meta")


def build_model(model, meta, settings, seed):
    """Build the Keras model of one fit, with its initial weights drawn from ``seed``.

    Parameters
    ----------
    model : callable, keras.Model or None
        A build function, a model instance (whose layers are cloned so that
        each fit starts from fresh weights), or None for ``default``.
    meta : dict
        What fit learned: ``n_features_in_``, ``n_outputs_``, and for
        classifiers ``n_classes_`` and ``classes_``.
    settings : dict
        Routed ``model__*`` settings and other keywords the function takes.
    seed : int

    Keras's uniform initializers draw their numbers with NumPy here
    (``ratingnet._threefry``): the same numbers, without compiling JAX's
    generator for each weight shape.
    """
    with seeded(seed), uniform_draws_in_numpy():
        return instantiate(model, meta, settings)


def redrawn_weights(model, seed):
    """New initial weights for ``model``, drawn from ``seed``; None if unknown.

    Each trainable weight is drawn afresh by its layer's initializer (Keras
    layers keep it as ``<weight>_initializer``, ``kernel_initializer`` for
    ``kernel``): what building the model again would draw, in another
    order, at a fraction of the time. A weight whose initializer is not one
    of ratingnet's own (drawn with NumPy) gives None: build the model
    instead.
    """
    owners = {
        id(variable): layer
        for layer in model.layers
        for variable in layer.trainable_weights
    }
    initializers = []
    for variable in model.trainable_variables:
        owner = owners.get(id(variable))
        initializer = getattr(owner, f"{variable.name}_initializer", None)
        if not isinstance(initializer, NumpyInitializer):
            return None
        initializers.append((initializer, variable))

    with seeded(seed):
        return [
            initializer.draw(variable.shape, dtype=variable.dtype)
            for initializer, variable in initializers
        ]


def instantiate(model, meta, settings):
    """A built Keras model from a function or a model instance (cloned)."""
    if isinstance(model, keras.Model):
        built = _clone(model)
    else:
        built = _call_build_function(model, meta, settings)

    if not isinstance(built, keras.Model):
        raise TypeError(
            "The model function must return a Keras model; it returned "
            f"{type(built).__name__}. End it with `return model`."
        )
    _refuse_own_training(built)
    if not built.built:
        _build(built, meta["n_features_in_"])
    if isinstance(model, keras.Model):
        _copy_adapted_state(model, built)
    return built


# What Keras's model.fit calls on a model; ratingnet's training program
# calls the model itself, its loss and its optimizer, and none of these.
_TRAINING_METHODS = ("train_step", "test_step", "compute_loss", "compute_metrics")


def _refuse_own_training(model):
    """Refuse a model that trains its own way: it would train as any other."""
    for name in _TRAINING_METHODS:
        if getattr(type(model), name, None) is not getattr(keras.Model, name, None):
            raise TypeError(
                f"The model {type(model).__name__} overrides {name}, which "
                "ratingnet never calls: it trains every batch in one compiled "
                "program from the model's call, the loss and the optimizer. "
                "Give a custom loss as loss= (a function of y_true and "
                "y_pred), and add other terms with self.add_loss in call; or "
                "train this model with Keras's model.fit."
            )


def _copy_adapted_state(model, clone):
    """Give the clone what the instance's preprocessing layers learned by ``adapt``.

    Cloning starts every weight afresh, but a Normalization layer's adapted
    mean and variance are the data's, not something training starts from.
    """
    pairs = zip(adapted_layers(model), adapted_layers(clone), strict=False)
    for layer, copy in pairs:
        if type(layer) is not type(copy) or not layer.built:
            continue
        for source, target in zip(layer.weights, copy.weights, strict=True):
            target.assign(source)
        copy.finalize_state()


def _build(model, n_features):
    """Create the model's weights for rows of ``n_features`` numbers.

    A subclassed model builds its layers in its first call, so it gets one
    (on a row of zeros); Sequential and Functional models know their build.
    """
    if is_layer_graph(model):
        model.build((None, n_features))
    else:
        model(np.zeros((1, n_features), np.float32))


def is_layer_graph(model):
    """Whether the model is a graph of layers (Sequential or Functional).

    Such a model's last layer makes its output; a subclassed model's
    ``call`` may do anything.
    """
    return isinstance(model, (keras.Sequential, Functional))


def output_units(model, n_features):
    """How many numbers the model outputs per row; refuses other output shapes."""
    try:
        shape = model.output_shape
    except AttributeError:
        # A subclassed model has no output_shape: trace its call.
        spec = model.compute_output_spec(keras.KerasTensor((None, n_features)))
        shape = getattr(spec, "shape", [s.shape for s in keras.tree.flatten(spec)])
    if isinstance(shape, list | dict) or any(isinstance(s, tuple) for s in shape):
        raise ValueError(
            f"The model has several outputs (shapes {shape}), but ratingnet "
            "trains models with one output. Concatenate them into one, such as "
            "keras.layers.Concatenate()([...]), for several target columns."
        )
    shape = tuple(shape)
    if len(shape) != 2 or shape[-1] is None:
        raise ValueError(
            f"The model's output has shape {shape}, but ratingnet trains "
            "models whose output holds one row of units per input row, shape "
            "(None, units), as Dense(1) gives (None, 1). End the model with a "
            "Dense layer, or reshape its output with keras.layers.Reshape."
        )
    return shape[-1]


def _call_build_function(function, meta, settings):
    if not callable(function):
        raise TypeError(
            "model must be a function that returns a Keras model, a Keras "
            f"model, or None for the default network; got {function!r}."
        )
    accepted = inspect.signature(function).parameters
    takes_all = any(p.kind is p.VAR_KEYWORD for p in accepted.values())
    unknown = [name for name in settings if name not in accepted]
    if unknown and not takes_all:
        _refuse_setting(function, unknown[0], accepted)
    offered = {**{k: meta[k] for k in META_NAMES[:-1] if k in meta}, "meta": meta}
    kwargs = {
        name: value
        for name, value in {**offered, **settings}.items()
        if name in accepted or (takes_all and name not in offered)
    }
    _refuse_unfilled(function, accepted, kwargs)
    return function(**kwargs)


def _refuse_unfilled(function, accepted, kwargs):
    """Refuse a parameter without a default that nothing gives a value."""
    needed = [
        p.name
        for p in accepted.values()
        if p.default is p.empty
        and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        and p.name not in kwargs
    ]
    if not needed:
        return
    name = needed[0]
    close = difflib.get_close_matches(name, META_NAMES, n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]}?" if close else ""
    raise TypeError(
        f"The model function {getattr(function, '__name__', function)!r} needs "
        f"{name!r}, which nothing gives it.{hint} It is called with what fit "
        f"learned, by name ({', '.join(META_NAMES)}), and with settings given "
        f"as model__<name>=...: rename the parameter, give it a default, or "
        f"set model__{name}=..."
    )


def _refuse_setting(function, name, accepted):
    own = [p for p in accepted if p not in META_NAMES]
    close = difflib.get_close_matches(name, own, n=1)
    hint = f" Did you mean model__{close[0]}?" if close else ""
    raise TypeError(
        f"model__{name} is set, but the model function "
        f"{getattr(function, '__name__', function)!r} has no parameter "
        f"{name!r}.{hint} It takes: {', '.join(own) or 'nothing but what fit learned'}."
    )


def _clone(model):
    try:
        return keras.models.clone_model(model)
    except Exception:
        return model.__class__.from_config(model.get_config())


# Seeding sets process-wide generators; fits in threads take turns.
_SEEDING = threading.RLock()


@contextlib.contextmanager
def seeded(seed):
    """Seed Keras's weight initializers without touching the user's global RNGs.

    The generators are the process's own, so one thread at a time seeds and
    draws from them: fits in threads (joblib's threading backend, a
    StackingRegressor's folds) draw what they would one after another.
    """
    with _SEEDING:
        python_state, numpy_state = random.getstate(), np.random.get_state()
        keras.utils.set_random_seed(int(seed))
        try:
            yield
        finally:
            random.setstate(python_state)
            np.random.set_state(numpy_state)


def default_model(
    n_features_in_,
    n_outputs_,
    hidden_layer_sizes=(100,),
    activation="relu",
    output_activation="linear",
    dropout=0.0,
):
    """A small dense network: what the estimators build when ``model=None``.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
        Units of each hidden ``Dense`` layer (set as ``model__hidden_layer_sizes``).
    activation : str, default="relu"
    output_activation : str, default="linear"
    dropout : float, default=0.0
        Dropout rate after each hidden layer.
    """
    layers = [keras.Input((n_features_in_,))]
    for units in hidden_layer_sizes:
        layers.append(dense_layer(units, activation))
        if dropout:
            layers.append(keras.layers.Dropout(dropout))
    layers.append(dense_layer(n_outputs_, output_activation))
    return keras.Sequential(layers)


def dense_layer(units, activation=None):
    """Keras's Dense with its default initializers, drawn with NumPy.

    ``units`` may be a NumPy integer (a grid made with ``np.arange``), which
    Keras itself refuses.
    """
    return keras.layers.Dense(
        int(units) if isinstance(units, Integral) else units,
        activation=activation,
        kernel_initializer=GlorotUniform(),
        bias_initializer=Zeros(),
    )
