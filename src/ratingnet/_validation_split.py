"""The validation rows of a fit: Keras's ``validation_split``, or X_val and y_val.

Keras holds out the last rows for ``validation_split`` (before any
shuffling), and reports ``val_loss`` on them; the engine gets them as
rows of the same table as the training rows.
"""

import math

import numpy as np


def split_validation(split, X, y, sample_weight, X_val, y_val):
    """Hold out the last ``split`` of the rows, as Keras does, unless X_val is given.

    Returns X, y and sample weights to train on, then X_val, y_val and the
    held-out rows' weights (None for validation data given to fit).
    """
    if X_val is not None or not split:
        return X, y, sample_weight, X_val, y_val, None
    if not 0.0 < split < 1.0:
        raise ValueError(f"validation_split must be in [0, 1); got {split!r}.")

    # Keras trains on the first floor(n * (1 - split)) rows.
    n_train = int(math.floor(len(X) * (1.0 - split)))
    if n_train < 1 or n_train == len(X):
        raise ValueError(
            f"validation_split={split} leaves {n_train} of {len(X)} rows for "
            "training; choose a split that keeps rows on both sides."
        )
    train, held_out = slice(None, n_train), slice(n_train, None)
    return (
        X[train],
        y[train],
        sample_weight[train],
        X[held_out],
        y[held_out],
        sample_weight[held_out],
    )


def stack_validation(X, target, sample_weight, validation):
    """One table of training and validation rows, and the row indices of each."""
    n = len(X)
    if validation is None:
        return [X], target, sample_weight, np.arange(n), np.arange(0)

    X_val, target_val, weight_val = validation
    X = np.concatenate([X, X_val])
    target = np.concatenate([target, target_val])
    sample_weight = np.concatenate([sample_weight, weight_val])
    return [X], target, sample_weight, np.arange(n), np.arange(n, len(X))
