"""Metrics for rating predictions, and their scikit-learn scorer names.

Every metric takes ``(y_true, y_pred, *, sample_weight=None)`` and returns a
Python float. The metrics on levels (`qwk`, `exact_accuracy`,
`within_one_accuracy`) first round continuous predictions to the nearest
level, so a regressor's raw output can be scored as it is.

After `register_scorers` (``import ratingnet`` calls it), the names
``"rmse"``, ``"mae"``, ``"msle"``, ``"qwk"``, ``"exact_accuracy"``,
``"within_one_accuracy"`` and ``"spearman"`` work as ``scoring=`` in
scikit-learn's model selection tools. ``"r2"`` is scikit-learn's own. A
model with levels (``KerasOrdinalRegressor``) is scored on its own scale:
the level metrics count in its levels, as its ``score`` does, so
``scoring="qwk"`` gives the number ``score`` gives, also on levels such as
1, 2, 4, 8. On text levels, ``"rmse"``, ``"mae"`` and ``"spearman"`` score
the levels' positions (an error of 1 is one level), and ``"msle"``, whose
log of a position means nothing, is refused.

Examples
--------
>>> from ratingnet.metrics import qwk, rmse
>>> rmse([1, 2, 3], [1, 2, 5])
1.1547005383792515
>>> qwk([1, 2, 3, 3], [1.2, 2.4, 2.6, 3.1])
1.0
"""

import warnings

from ratingnet._validation import one_per_row
from ratingnet.target import MAX_RATING_LEVELS

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import r2_score

__all__ = [
    "SCORER_NAMES",
    "exact_accuracy",
    "mae",
    "msle",
    "qwk",
    "r2",
    "register_scorers",
    "rmse",
    "spearman",
    "within_one_accuracy",
]


# --- input checks ---------------------------------------------------------


def _as_1d_float(values, name):
    """Return `values` as a 1-D float array, or raise a readable error."""
    try:
        if hasattr(values, "to_numpy"):
            # pandas: nullable dtypes mark missing values with pd.NA.
            array = values.to_numpy(dtype=float, na_value=np.nan)
        else:
            array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must hold numbers. Got values such as "
            f"{np.asarray(values, dtype=object).ravel()[:3].tolist()!r}. "
            "Encode the ratings as numbers before scoring."
        ) from None

    return one_per_row(
        array, name, "Score the output of predict, not of predict_proba."
    )


def _check_finite(array, name):
    """Raise if `array` holds NaN or infinite values."""
    bad = ~np.isfinite(array)
    if bad.any():
        raise ValueError(
            f"{name} contains {bad.sum()} NaN or infinite values "
            f"(first at position {np.flatnonzero(bad)[0]}). "
            "Drop or impute those rows before scoring."
        )


def _check_weights(sample_weight, n):
    """Return the weights as a float array of length `n` (ones when None)."""
    if sample_weight is None:
        return np.ones(n)

    weights = _as_1d_float(sample_weight, "sample_weight")
    _check_finite(weights, "sample_weight")
    if len(weights) != n:
        raise ValueError(
            f"sample_weight must hold one weight per entry of y_true ({n}). "
            f"Got {len(weights)} weights."
        )
    if (weights < 0).any() or weights.sum() == 0:
        raise ValueError(
            "sample_weight must be non-negative with a positive sum. Got a "
            f"minimum of {weights.min():g} and a sum of {weights.sum():g}. "
            "Pass sample_weight=None to weigh all rows equally."
        )
    return weights


def _check_inputs(y_true, y_pred, sample_weight):
    """Validate a metric's inputs; return them as float arrays."""
    y_true = _as_1d_float(y_true, "y_true")
    y_pred = _as_1d_float(y_pred, "y_pred")

    if len(y_true) != len(y_pred):
        raise ValueError(
            "y_true and y_pred must have the same length. Got "
            f"{len(y_true)} and {len(y_pred)} entries. "
            "Pass one prediction per row of y_true."
        )
    if len(y_true) == 0:
        raise ValueError("y_true and y_pred are empty. Pass at least one row.")

    _check_finite(y_true, "y_true")
    _check_finite(y_pred, "y_pred")
    return y_true, y_pred, _check_weights(sample_weight, len(y_true))


def _undefined(metric, reason):
    """Warn that `metric` is undefined on this input and return NaN."""
    warnings.warn(
        f"{metric} is undefined because {reason}; returning NaN.",
        UndefinedMetricWarning,
        stacklevel=3,
    )
    return float("nan")


# --- levels -----------------------------------------------------------------


def _resolve_levels(y_true, y_pred, levels):
    """The sorted rating levels: `levels`, or the scale of y_true."""
    if levels is None:
        return _scale(y_true, y_pred)

    levels = np.unique(_as_1d_float(levels, "levels"))
    _check_finite(levels, "levels")
    if len(levels) == 0:
        raise ValueError(
            "levels is empty. Pass the rating scale, e.g. levels=[1, 2, 3, 4, 5], "
            "or levels=None to use the scale of y_true."
        )
    return levels


def _scale(y_true, y_pred):
    """The levels of y_true's scale, out to where the predictions round.

    Whole numbers step by 1, other values by their smallest gap when they
    all lie on that grid (half stars); without a grid, the values seen are
    the levels. A prediction beyond the observed levels rounds to a level
    of its own, at most the observed span (or one step) beyond them. A grid
    of more than `MAX_RATING_LEVELS` points (and more than the values seen)
    is no rating scale; the values seen are the levels then, too.
    """
    seen = np.unique(y_true)
    step = _step(seen)
    if step is None:
        return seen

    low, high = seen[0], seen[-1]
    reach = max(high - low, step)
    rounded = low + np.floor((y_pred - low) / step + 0.5) * step
    rounded = np.clip(rounded, low - reach, high + reach)
    low, high = min(low, rounded.min()), max(high, rounded.max())
    n_levels = int(round((high - low) / step)) + 1
    if n_levels > max(MAX_RATING_LEVELS, len(seen)):
        return seen
    return low + step * np.arange(n_levels)


def _step(levels):
    """1 for whole numbers, else the smallest gap if every level is on its grid."""
    if np.all(levels == np.round(levels)):
        return 1.0
    if len(levels) < 2:
        return None
    step = np.diff(levels).min()
    multiples = (levels - levels[0]) / step
    return step if np.allclose(multiples, np.round(multiples), atol=1e-6) else None


def _nearest_level_index(values, levels):
    """Index of the nearest level for each value; halfway rounds up."""
    if len(levels) == 1:
        return np.zeros(len(values), dtype=int)

    upper = np.clip(np.searchsorted(levels, values), 1, len(levels) - 1)
    lower = upper - 1
    closer_to_upper = levels[upper] - values <= values - levels[lower]
    return np.where(closer_to_upper, upper, lower)


def _level_indices(y_true, y_pred, levels):
    """Map y_true (exactly) and y_pred (rounded) to indices into the levels."""
    levels = _resolve_levels(y_true, y_pred, levels)
    true_index = _nearest_level_index(y_true, levels)

    off_scale = ~np.isclose(levels[true_index], y_true)
    if off_scale.any():
        raise ValueError(
            f"y_true contains {y_true[off_scale][0]:g}, which is not one of the "
            f"levels {tuple(levels.tolist())}. Pass the full rating scale as "
            "levels=, or levels=None to use the scale of y_true."
        )
    return true_index, _nearest_level_index(y_pred, levels), len(levels)


# --- errors -----------------------------------------------------------------


def rmse(y_true, y_pred, *, sample_weight=None) -> float:
    """Root mean squared error.

    As a scorer (``scoring="rmse"``) it returns the negated value, because
    scikit-learn maximizes scores.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        The observed ratings.
    y_pred : array-like of shape (n_samples,)
        The predictions, continuous or on the levels.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weight of each row; None weighs all rows equally.

    Returns
    -------
    float
        The error, in the units of the ratings; 0 is perfect.

    Examples
    --------
    >>> rmse([1, 2, 3], [1, 2, 5])
    1.1547005383792515
    """
    y_true, y_pred, weights = _check_inputs(y_true, y_pred, sample_weight)
    return float(np.sqrt(np.average((y_true - y_pred) ** 2, weights=weights)))


def mae(y_true, y_pred, *, sample_weight=None) -> float:
    """Mean absolute error.

    As a scorer (``scoring="mae"``) it returns the negated value, because
    scikit-learn maximizes scores. See `rmse` for the parameters.

    Examples
    --------
    >>> mae([1, 2, 3], [1, 2, 5])
    0.6666666666666666
    """
    y_true, y_pred, weights = _check_inputs(y_true, y_pred, sample_weight)
    return float(np.average(np.abs(y_true - y_pred), weights=weights))


def msle(y_true, y_pred, *, sample_weight=None) -> float:
    """Mean squared logarithmic error, on ``log(1 + y)``.

    Needs every value above -1. As a scorer (``scoring="msle"``) it returns
    the negated value, because scikit-learn maximizes scores. See `rmse` for
    the parameters.

    Examples
    --------
    >>> round(msle([0, 1, 3], [0, 1, 1]), 4)
    0.1602
    """
    y_true, y_pred, weights = _check_inputs(y_true, y_pred, sample_weight)

    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        if values.min() <= -1:
            raise ValueError(
                "msle needs values greater than -1, since it takes log(1 + y). "
                f"{name} has a minimum of {values.min():g}. Use rmse for "
                "targets that can be negative, or clip the predictions at 0."
            )

    squared = (np.log1p(y_true) - np.log1p(y_pred)) ** 2
    return float(np.average(squared, weights=weights))


def r2(y_true, y_pred, *, sample_weight=None) -> float:
    """Coefficient of determination, as `sklearn.metrics.r2_score` computes it.

    1 is perfect and 0 is no better than predicting the mean. The scorer
    ``scoring="r2"`` is scikit-learn's own. See `rmse` for the parameters.

    Examples
    --------
    >>> r2([1, 2, 3], [1, 2, 2])
    0.5
    """
    y_true, y_pred, weights = _check_inputs(y_true, y_pred, sample_weight)
    return float(r2_score(y_true, y_pred, sample_weight=weights))


# --- agreement on levels ------------------------------------------------------


def qwk(y_true, y_pred, *, sample_weight=None, levels=None) -> float:
    """Quadratic weighted kappa: agreement on the levels, beyond chance.

    Predictions are rounded to the nearest level first (halfway rounds up;
    values beyond the scale go to its ends). A disagreement costs the
    squared number of levels between the two ratings, so distances are
    counted in levels, not in rating units.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        The observed ratings; each must be one of the levels.
    y_pred : array-like of shape (n_samples,)
        The predictions, continuous or on the levels.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weight of each row; None weighs all rows equally.
    levels : array-like, default=None
        The rating scale, e.g. ``[0.5, 1, ..., 5]``; predictions round to
        the nearest of them. None uses the scale of y_true: whole numbers
        step by 1 and half stars by 0.5, from its lowest value to its
        highest, and on to where predictions beyond them round (by at most
        the observed span); values on no regular grid are their own
        levels. Pass it when the ends of the scale may be missing from
        y_true, such as in a small cross-validation fold. Whole numbers
        step by 1 even where y_true shows only 1, 3 and 5; for a scale that
        steps by 2 (0, 2, ..., 10), pass ``inspect_target(y).scale``.

    Returns
    -------
    float
        1 for perfect agreement, 0 for chance, negative for worse than
        chance; NaN (with a warning) when chance agreement is already
        perfect, e.g. when y_true and the predictions have one level.

    Examples
    --------
    >>> qwk([3, 4, 5, 8], [3, 4, 5, 8])
    1.0
    >>> qwk([1, 2, 3, 4], [1.4, 2.6, 2.9, 3.2])
    0.75
    """
    y_true, y_pred, weights = _check_inputs(y_true, y_pred, sample_weight)
    true_index, pred_index, n_levels = _level_indices(y_true, y_pred, levels)

    # Observed and chance joint distributions of (true level, predicted level).
    observed = np.zeros((n_levels, n_levels))
    np.add.at(observed, (true_index, pred_index), weights)
    observed /= observed.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))

    grid = np.arange(n_levels)
    cost = (grid[:, None] - grid[None, :]) ** 2
    expected_cost = (cost * expected).sum()
    if expected_cost == 0:
        return _undefined("qwk", "chance agreement is perfect (a single level)")
    return float(1 - (cost * observed).sum() / expected_cost)


def _share_within(y_true, y_pred, sample_weight, levels, max_steps):
    """Weighted share of rows whose rounded prediction is within max_steps."""
    y_true, y_pred, weights = _check_inputs(y_true, y_pred, sample_weight)
    true_index, pred_index, _ = _level_indices(y_true, y_pred, levels)

    hits = np.abs(true_index - pred_index) <= max_steps
    return float(np.average(hits, weights=weights))


def exact_accuracy(y_true, y_pred, *, sample_weight=None, levels=None) -> float:
    """Share of predictions that round to exactly the observed level.

    See `qwk` for the parameters and the rounding.

    Examples
    --------
    >>> exact_accuracy([1, 2, 3, 4], [1.2, 2.6, 3.0, 1.0])
    0.5
    """
    return _share_within(y_true, y_pred, sample_weight, levels, max_steps=0)


def within_one_accuracy(y_true, y_pred, *, sample_weight=None, levels=None) -> float:
    """Share of predictions that round to the observed level or a neighbour.

    A neighbour is the next level up or down the scale (``levels``, or the
    scale of y_true). See `qwk` for the parameters and the rounding.

    Examples
    --------
    >>> within_one_accuracy([1, 2, 3, 4], [1.2, 2.6, 3.0, 1.0])
    0.75
    """
    return _share_within(y_true, y_pred, sample_weight, levels, max_steps=1)


# --- rank correlation ---------------------------------------------------------


def _weighted_ranks(values, weights):
    """Mid-ranks in cumulative weight; ties share their group's mid-rank."""
    distinct, group = np.unique(values, return_inverse=True)
    group_weight = np.bincount(group, weights=weights, minlength=len(distinct))
    return (np.cumsum(group_weight) - group_weight / 2)[group]


def spearman(y_true, y_pred, *, sample_weight=None) -> float:
    """Spearman rank correlation between the ratings and the predictions.

    Ties get their mid-rank. With integer weights the result equals that on
    the data with each row repeated `weight` times. See `rmse` for the
    parameters.

    Returns
    -------
    float
        Between -1 and 1; NaN (with a warning) when either side is constant.

    Examples
    --------
    >>> round(spearman([1, 2, 3, 4], [0.1, 0.4, 0.3, 0.9]), 4)
    0.8
    """
    y_true, y_pred, weights = _check_inputs(y_true, y_pred, sample_weight)
    true_rank = _weighted_ranks(y_true, weights)
    pred_rank = _weighted_ranks(y_pred, weights)

    true_rank -= np.average(true_rank, weights=weights)
    pred_rank -= np.average(pred_rank, weights=weights)
    covariance = np.average(true_rank * pred_rank, weights=weights)
    true_var = np.average(true_rank**2, weights=weights)
    pred_var = np.average(pred_rank**2, weights=weights)
    if true_var == 0 or pred_var == 0:
        return _undefined("spearman", "y_true or y_pred is constant")
    return float(np.clip(covariance / np.sqrt(true_var * pred_var), -1, 1))


# Last: the scorers are made of the metrics above.
from ratingnet._scorers import SCORER_NAMES, register_scorers  # noqa: E402
