"""A Keras model as plain data (its config and weights), for pickle."""

import keras
import numpy as np


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
    return model
