"""Flat weights: a model's trainable weights as one vector while it trains.

XLA compiles a kernel for each array the optimizer updates and each array
early stopping keeps, at some tens of milliseconds each on CPU: for a model
of ten weight arrays that is most of its training program's compilation.
When the optimizer treats every number on its own (Adam, SGD, RMSprop, ...),
one vector of all the weights trains exactly as the arrays would, and the
program updates and keeps it in a few kernels.

A ``Layout`` says how the engine's state holds the weights: ``pack`` turns
the per-array state (what ``TrainingSpec.initial_state`` and ``Result``
hold) into the training program's, ``unpack`` turns it back, and inside the
program ``weights`` gives the model its arrays. Both directions run in
NumPy, between chunks, and compile nothing.
"""

import warnings
from functools import partial

import jax
import jax.numpy as jnp
import keras
import numpy as np

# Optimizers whose update of a number reads only that number, its gradient
# and its own slots (and scalars such as the step count).
_ELEMENTWISE = (
    keras.optimizers.SGD,
    keras.optimizers.Adam,
    keras.optimizers.AdamW,
    keras.optimizers.Adamax,
    keras.optimizers.Nadam,
    keras.optimizers.RMSprop,
    keras.optimizers.Adagrad,
    keras.optimizers.Adadelta,
    keras.optimizers.Lion,
)

_VECTOR = "ratingnet_flat"


class Layout:
    """Weights as the model holds them: one array each."""

    flat = False

    def __init__(self, optimizer):
        self.optimizer = optimizer

    def pack(self, state):
        return state

    def unpack(self, state):
        return state

    def weights(self, trainable):
        return trainable


class FlatLayout(Layout):
    """All trainable weights in one vector, the optimizer's slots alike.

    ``slots`` maps each variable of ``optimizer`` (built for the vector) to
    the variables of the model's own optimizer it stands for: a list of
    indices, one per weight array, for a slot, or one index for a scalar.
    """

    flat = True

    def __init__(self, shapes, optimizer, slots):
        super().__init__(optimizer)
        self.shapes = tuple(tuple(shape) for shape in shapes)
        self.slots = slots
        self._bounds = np.cumsum([int(np.prod(s)) for s in self.shapes])[:-1]

    def pack(self, state):
        state = dict(state, model=self._pack_model(state["model"]))
        if "best_model" in state:
            best = state["best_model"]
            state["best_model"] = dict(best, trainable=[_join(best["trainable"])])
        return state

    def unpack(self, state):
        state = dict(state, model=self._unpack_model(state["model"]))
        if "best_model" in state:
            best = state["best_model"]
            state["best_model"] = dict(best, trainable=self._split(best["trainable"]))
        return state

    def weights(self, trainable):
        return _split_vector(trainable[0], self.shapes)

    def _pack_model(self, model):
        values = model["optimizer"]
        optimizer = [
            _join([values[i] for i in source])
            if isinstance(source, list)
            else values[source]
            for source in self.slots
        ]
        return dict(model, trainable=[_join(model["trainable"])], optimizer=optimizer)

    def _unpack_model(self, model):
        n_values = sum(len(s) if isinstance(s, list) else 1 for s in self.slots)
        values = [None] * n_values
        for source, value in zip(self.slots, model["optimizer"], strict=True):
            if isinstance(source, list):
                for i, piece in zip(source, self._split([value]), strict=True):
                    values[i] = piece
            else:
                values[source] = value
        return dict(model, trainable=self._split(model["trainable"]), optimizer=values)

    def _split(self, trainable):
        """NumPy arrays with a leading replica axis, back to their shapes."""
        (vector,) = trainable
        pieces = np.split(vector, self._bounds, axis=1)
        return [
            piece.reshape((len(vector), *shape))
            for piece, shape in zip(pieces, self.shapes, strict=True)
        ]


def layout(model, optimizer):
    """A ``FlatLayout`` where training one vector is exact, else a ``Layout``."""
    variables = model.trainable_variables
    if len(variables) < 2 or not _elementwise(optimizer, variables):
        return Layout(optimizer)

    size = sum(int(np.prod(v.shape)) for v in variables)
    try:
        with warnings.catch_warnings():
            # Keras reads the learning rate through a NumPy 1 API.
            warnings.simplefilter("ignore", DeprecationWarning)
            config = optimizer.get_config()
        flat = type(optimizer).from_config(config)
        flat.build([keras.Variable(np.zeros(size, variables[0].dtype), name=_VECTOR)])
        slots = _slot_sources(variables, optimizer, flat)
    except (KeyError, ValueError, TypeError):
        return Layout(optimizer)
    return FlatLayout([v.shape for v in variables], flat, slots)


def _elementwise(optimizer, variables):
    """Whether one vector of ``variables`` trains as the arrays would."""
    if type(optimizer) not in _ELEMENTWISE:
        return False
    # Per-array clipping, weight decay for some arrays only, moving averages
    # and accumulated gradients are each array's own business.
    if optimizer.clipnorm is not None or optimizer.use_ema:
        return False
    if optimizer.gradient_accumulation_steps:
        return False
    if getattr(optimizer, "_exclude_from_weight_decay", None):
        return False
    if getattr(optimizer, "_exclude_from_weight_decay_pattern", None):
        return False
    return all(
        v.dtype == variables[0].dtype
        and v.constraint is None
        and not v.overwrite_with_gradient
        for v in variables
    )


def _slot_sources(variables, optimizer, flat):
    """For each variable of ``flat``, the ones of ``optimizer`` it stands for.

    Keras names a slot after its weight's path and the slot's kind
    (``dense_kernel_momentum``); the other variables (step count, learning
    rate) come in the same order in both. Raises ``KeyError`` or
    ``ValueError`` where the two do not match.
    """
    index = {v.name: i for i, v in enumerate(optimizer.variables)}
    prefix = _VECTOR + "_"
    sources, used = [], set()
    for variable in flat.variables:
        if variable.name.startswith(prefix):
            kind = variable.name[len(prefix) :]
            source = [index[f"{_slot_base(v)}_{kind}"] for v in variables]
            used.update(source)
        else:
            source = None
        sources.append(source)

    others = [i for i in range(len(optimizer.variables)) if i not in used]
    scalars = [i for i, source in enumerate(sources) if source is None]
    if len(others) != len(scalars):
        raise ValueError("the optimizers' other variables differ")
    for position, source in zip(scalars, others, strict=True):
        if flat.variables[position].shape != optimizer.variables[source].shape:
            raise ValueError("the optimizers' other variables differ")
        sources[position] = source
    return sources


def _slot_base(variable):
    return variable.path.replace("/", "_")


def _join(arrays):
    """NumPy arrays with a leading replica axis, as one vector per replica."""
    return np.concatenate([np.reshape(a, (len(a), -1)) for a in arrays], axis=1)


@partial(jax.custom_vjp, nondiff_argnums=(1,))
def _split_vector(vector, shapes):
    bounds = np.cumsum([int(np.prod(s)) for s in shapes])[:-1].tolist()
    pieces = jnp.split(vector, bounds)
    return [piece.reshape(shape) for piece, shape in zip(pieces, shapes, strict=True)]


def _split_forward(vector, shapes):
    return _split_vector(vector, shapes), None


def _split_backward(shapes, _, cotangents):
    # The gradient of the vector is the arrays' gradients end to end: one
    # concatenation, where JAX's own rule pads and adds every piece.
    return (jnp.concatenate([c.reshape(-1) for c in cotangents]),)


_split_vector.defvjp(_split_forward, _split_backward)
