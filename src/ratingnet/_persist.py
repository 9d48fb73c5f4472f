"""A Keras model as plain data (its config and weights), for pickle."""

import keras
import numpy as np

from ._engine.spec import adapted_layers


def model_to_state(model):
    """The model's Keras config and weights, with no live objects."""
    return {
        "config": keras.saving.serialize_keras_object(model),
        "weights": [np.asarray(v.value) for v in model.weights],
    }


def model_from_state(state):
    """Rebuild a model saved by ``model_to_state``, weights included."""
    model = keras.saving.deserialize_keras_object(state["config"])
    for variable, value in zip(model.weights, state["weights"], strict=True):
        variable.assign(value)
    # As Keras's loading does: Normalization makes its constants again.
    for layer in adapted_layers(model):
        layer.finalize_state()
    return model


class LossState:
    """A Keras loss as its class, config and function arguments, for pickle.

    Keras pickles a loss through its config, which leaves out the
    arguments of the function it wraps (Huber's ``delta``), so a pickled
    ``Huber(delta=3.0)`` comes back with ``delta=1.0``.
    """

    def __init__(self, loss):
        self.cls = type(loss)
        self.config = loss.get_config()
        self.fn_kwargs = dict(getattr(loss, "_fn_kwargs", {}))

    def rebuild(self):
        loss = self.cls.from_config(self.config)
        if self.fn_kwargs:
            loss._fn_kwargs.update(self.fn_kwargs)
        return loss


def loss_to_state(loss):
    """``loss``, as a LossState when it is a Keras loss."""
    return LossState(loss) if isinstance(loss, keras.losses.Loss) else loss


def loss_from_state(state):
    """The loss that ``loss_to_state`` gave ``state`` for."""
    return state.rebuild() if isinstance(state, LossState) else state
