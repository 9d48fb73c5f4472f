"""Flat weights: a model's trainable weights as one vector while it trains.

XLA compiles a kernel for each array the optimizer updates and each array
early stopping keeps, at some tens of milliseconds each on CPU: for a model
of ten weight arrays that is most of its training program's compilation.
When the optimizer treats every number on its own (Adam, SGD, RMSprop, ...),
one vector of all the weights trains exactly as the arrays would, and the
program updates and keeps it in a few kernels.

A ``Layout`` says how the engine's state holds the weights and which
optimizer trains them: ``pack`` turns the weights as the model holds them
(in ``TrainingSpec.initial_state`` and ``Result``) into the training
program's, ``unpack`` turns them back, and inside the program ``weights``
gives the model its arrays. Both directions run in NumPy, between chunks,
and compile nothing. The optimizer of a flat layout is a copy of the
spec's, built for the vector only: building the spec's own for each array
would compile a small program per weight shape.
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

_VECTOR = "weights"


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
    """All trainable weights in one vector, which ``optimizer`` was built for.

    The state's weights are a list holding the vector, and its optimizer
    variables are that optimizer's, so ``Result`` keeps them as they are.
    """

    flat = True

    def __init__(self, shapes, optimizer):
        super().__init__(optimizer)
        self.shapes = tuple(tuple(shape) for shape in shapes)

    def pack(self, state):
        return self._each_model(state, lambda arrays: [_join(arrays)])

    def unpack(self, state):
        return self._each_model(state, lambda trainable: self.split(*trainable))

    def weights(self, trainable):
        return _split_vector(trainable[0], self.shapes)

    def _each_model(self, state, convert):
        state = dict(state)
        for name in ("model", "best_model"):
            if name in state:
                model = state[name]
                state[name] = dict(model, trainable=convert(model["trainable"]))
        return state

    def split(self, vectors):
        """Vectors with a leading replica axis, back to the weights' shapes.

        An optimizer slot of the vector splits the same way.
        """
        pieces = np.split(vectors, _bounds(self.shapes), axis=1)
        return [
            piece.reshape((len(vectors), *shape))
            for piece, shape in zip(pieces, self.shapes, strict=True)
        ]

    @staticmethod
    def join(arrays):
        """Arrays with a leading replica axis, as one vector per replica."""
        return _join(arrays)


def layout(model, optimizer):
    """A ``FlatLayout`` where training one vector is exact, else a ``Layout``.

    The optimizer that trains comes built: a copy of ``optimizer`` built
    for the vector, or ``optimizer`` itself built for the model's weights.
    """
    variables = model.trainable_variables
    elementwise = len(variables) > 1 and _elementwise(optimizer, variables)
    flat = _copy(optimizer) if elementwise else None
    if flat is not None:
        size = sum(int(np.prod(v.shape)) for v in variables)
        flat.build([keras.Variable(np.zeros(size, variables[0].dtype), name=_VECTOR)])
        return FlatLayout([v.shape for v in variables], flat)

    if not optimizer.built:
        optimizer.build(variables)
    return Layout(optimizer)


def updates_each_number(optimizer):
    """Whether ``optimizer`` updates each number from its own gradient and slots."""
    return type(optimizer) in _ELEMENTWISE


def _elementwise(optimizer, variables):
    """Whether one vector of ``variables`` trains as the arrays would.

    An optimizer built already keeps its slots for the arrays: they train
    from that state.
    """
    if not updates_each_number(optimizer) or optimizer.built:
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


def _copy(optimizer):
    """An unbuilt copy of ``optimizer`` from its config; None if it has none.

    A learning-rate schedule of the user's own without ``get_config``, for
    one, cannot be copied: the optimizer then trains the arrays itself.
    """
    try:
        with warnings.catch_warnings():
            # Keras reads the learning rate through a NumPy 1 API.
            warnings.simplefilter("ignore", DeprecationWarning)
            config = optimizer.get_config()
        return type(optimizer).from_config(config)
    except Exception:
        return None


def _join(arrays):
    """NumPy arrays with a leading replica axis, as one vector per replica."""
    return np.concatenate([np.reshape(a, (len(a), -1)) for a in arrays], axis=1)


def _bounds(shapes):
    """Where each weight ends in the vector, but the last."""
    return np.cumsum([int(np.prod(shape)) for shape in shapes])[:-1].tolist()


@partial(jax.custom_vjp, nondiff_argnums=(1,))
def _split_vector(vector, shapes):
    pieces = jnp.split(vector, _bounds(shapes))
    return [piece.reshape(shape) for piece, shape in zip(pieces, shapes, strict=True)]


def _split_forward(vector, shapes):
    return _split_vector(vector, shapes), None


def _split_backward(shapes, _, cotangents):
    # The gradient of the vector is the arrays' gradients end to end: one
    # concatenation, where JAX's own rule pads and adds every piece.
    return (jnp.concatenate([c.reshape(-1) for c in cotangents]),)


_split_vector.defvjp(_split_forward, _split_backward)
