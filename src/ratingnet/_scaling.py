"""Target scaling: what the regressor trains on, and how predictions map back.

Training on a standardized target (mean 0, standard deviation 1) keeps the
first gradients of a fresh network at a sensible size whatever the scale of
the ratings; predictions are mapped back to the target's own scale.
"""

import numpy as np

SCALINGS = ("standard", "minmax", None)


def fit_scaling(y, scaling, target_range=None):
    """The (shift, scale) that maps y to the training scale: (y - shift) / scale.

    Parameters
    ----------
    y : ndarray of shape (n_samples, n_outputs)
    scaling : {"standard", "minmax", None}
        "standard" gives mean 0 and standard deviation 1; "minmax" maps
        ``target_range`` (or the training range) onto [0, 1]; None keeps y.
    target_range : tuple of float or None
    """
    n_outputs = y.shape[1]
    if scaling is None:
        return np.zeros(n_outputs), np.ones(n_outputs)
    if scaling == "standard":
        return y.mean(axis=0), _nonzero(y.std(axis=0))

    low, high = target_range if target_range is not None else (y.min(0), y.max(0))
    low = np.broadcast_to(np.asarray(low, dtype=np.float64), (n_outputs,))
    high = np.broadcast_to(np.asarray(high, dtype=np.float64), (n_outputs,))
    return low.copy(), _nonzero(high - low)


def _nonzero(scale):
    # A constant target trains on zeros; its scale stays 1.
    return np.where(scale > 0, scale, 1.0)


def check_scaling(scaling):
    if scaling not in SCALINGS:
        raise ValueError(
            f"target_scaling must be one of 'standard', 'minmax' or None; "
            f"got {scaling!r}."
        )


def check_target_range(target_range):
    """Validate ``target_range``: None, "auto" or a (low, high) pair."""
    if target_range is None or (
        isinstance(target_range, str) and target_range == "auto"
    ):
        return target_range
    try:
        low, high = (float(v) for v in target_range)
    except (TypeError, ValueError):
        raise ValueError(
            "target_range must be None, 'auto' or a pair (low, high); got "
            f"{target_range!r}."
        ) from None
    if np.isnan(low) or np.isnan(high):
        raise ValueError(
            f"target_range=({low:g}, {high:g}) holds NaN; give two numbers, "
            "the lowest rating first, e.g. target_range=(1, 5)."
        )
    if not low < high:
        raise ValueError(
            f"target_range=({low:g}, {high:g}) has low >= high; give the "
            "lowest rating first, e.g. target_range=(1, 5)."
        )
    return low, high


def snap(values, levels):
    """Each value replaced by the nearest of the sorted ``levels``."""
    levels = np.asarray(levels, dtype=np.float64)
    if len(levels) == 1:
        return np.full_like(values, levels[0])
    upper = np.searchsorted(levels, values).clip(1, len(levels) - 1)
    lower = upper - 1
    nearer_lower = values - levels[lower] <= levels[upper] - values
    return np.where(nearer_lower, levels[lower], levels[upper])
