"""X's columns as the arrays a Keras model takes, one per input."""

import numpy as np


def model_inputs(model, X):
    """Split X's columns over the model's inputs, in order, by their widths.

    A model of named inputs (a dict) takes them in the order of
    ``model.inputs``, sorted by name.
    """
    specs = _input_specs(model, X.shape[1])
    widths = [int(np.prod(shape)) for shape, _ in specs]
    if sum(widths) != X.shape[1]:
        raise ValueError(
            f"The model takes {len(specs)} input(s) of widths {widths} "
            f"({sum(widths)} columns in all), but X has {X.shape[1]} columns. "
            "Give the model inputs whose widths add up to X's columns."
        )
    edges = np.cumsum([0, *widths])
    return [
        X[:, a:b].reshape((len(X), *shape)).astype(dtype, copy=False)
        for (shape, dtype), a, b in zip(specs, edges[:-1], edges[1:], strict=True)
    ]


def _input_specs(model, n_columns):
    """(shape, dtype) of each model input; one of X's width for a subclassed model."""
    try:
        inputs = model.inputs or []
        width = model.input_shape[-1] if not inputs else None
    except AttributeError:
        return [((n_columns,), "float32")]
    return [
        (tuple(int(d) for d in tensor.shape[1:]), tensor.dtype) for tensor in inputs
    ] or [((width,), "float32")]
