"""KerasOrdinalRegressor: a Keras model that predicts ordered levels (ratings)."""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin
from sklearn.utils.validation import column_or_1d

from ._base import BaseKerasEstimator
from ._model import output_units
from ._ordinal_head import (
    corn_loss,
    level_accuracy,
    level_mae,
    level_probabilities,
    median_level,
    ordinal_builder,
    prior_logits,
)
from ._validation import check_target_values, preview
from ._warnings import warn
from .exceptions import RatingTargetWarning
from .metrics import qwk
from .target import EXACT_LIMIT, MAX_RATING_LEVELS, _grid_points, _grid_step

# What pandas calls an object array that holds only numbers.
_NUMBER_KINDS = {"integer", "floating", "mixed-integer-float"}

# Keras metric names that mean something on ordinal logits, as level metrics.
_LEVEL_METRICS = {"accuracy": level_accuracy, "acc": level_accuracy, "mae": level_mae}


class KerasOrdinalRegressor(ClassifierMixin, BaseKerasEstimator):
    """Keras model with an ordinal head, for ratings; ``score`` is QWK.

    The head is CORN (conditional ordinal regression; Shi, Cao and Raschka,
    2021): K-1 binary tasks, task k asking "is the level above k?" of the
    rows whose level is at least k. Their chances multiply into P(level >
    k), which falls with k whatever the weights, so the predicted
    distribution is rank-consistent by construction. CORN was chosen over
    CORAL (Cao et al., 2020), which gets rank consistency by making all K-1
    thresholds share one weight vector: CORN drops that constraint and is
    usually the more accurate of the two. The loss is minus the
    log-likelihood of each row's level (the sum of the cross-entropies of
    its tasks), on the scale of a classifier's cross-entropy.

    ``predict`` gives the median level, CORN's own rule (the count of
    P(level > k) above one half); it minimises the expected error counted
    in levels, and can differ from the argmax of ``predict_proba`` (the
    mode). ``predict_expected`` gives the mean. ``score`` is the quadratic
    weighted kappa (`ratingnet.metrics.qwk`), the usual score of ordinal
    and rating models, rather than R², which needs a numeric scale that
    text levels lack.

    Parameters
    ----------
    model : callable, keras.Model or None, default=None
        The body: its output is read as features (or a single score), and
        a ``Dense(K-1)`` head named ``"ordinal_head"`` goes on top. A body
        that already ends in K-1 linear units is used as it is; so is the
        default network (``BaseKerasEstimator``'s, ending in K-1 units). A
        build function may ask for ``n_outputs_`` (K-1), ``n_classes_`` (K)
        and ``classes_`` (the levels). A compiled body keeps its optimizer;
        its loss and metrics, meant for its own output, are not used.
    levels : array-like or None, default=None
        The scale's levels, lowest first. Needed to order text labels
        (``["Very Low", "Low", "Medium", "High", "Very High"]``); for
        numbers it fixes the scale when the data may not show every level.
        None infers the levels from the training labels: numbers in their
        order, filling unused points of a regular grid (labels 3, 4, 6 give
        levels 3, 4, 5, 6, as `ratingnet.inspect_target` reads such a
        scale); text in sorted order, with a ``RatingTargetWarning``; a
        pandas ordered categorical in its categories' order. Tools that
        encode classifier labels (``cross_val_predict`` with
        ``method="predict_proba"``, ``StackingClassifier``, soft
        ``VotingClassifier``) hand the model codes in the labels' sorted
        order, so text labels or an ordered categorical lose their order
        there: map them to numbers in scale order first.
    loss : str, keras.losses.Loss, callable or None, default=None
        None uses the CORN loss. Like any loss here it is a function of
        (y_true, y_pred): the level's position 0..K-1 as a float column and
        the K-1 logits.
    metrics : list or None, default=None
        Recorded per epoch in ``history_``; ``"accuracy"`` and ``"mae"``
        mean the share of exact levels and the mean error in levels of the
        predicted (median) level.

    The other parameters (``optimizer``, ``epochs``, ``batch_size``,
    ``shuffle``, ``validation_split``, ``verbose``, ``random_state``,
    ``warm_start``, ``**kwargs``) are those of ``BaseKerasEstimator``.

    Attributes
    ----------
    levels_ : ndarray of shape (n_levels,)
        The levels, lowest first, in the labels' type.
    classes_ : ndarray of shape (n_levels,)
        The same array, under scikit-learn's name for it. It holds the
        whole scale, levels that y lacked included, in scale order, where
        a scikit-learn classifier's holds the sorted labels of y; tools
        that match the two (``CalibratedClassifierCV``) refuse a scale with
        levels y lacked.
    n_classes_ : int
        The number of levels, K.
    model_ : keras.Model
        The trained model, body and head; its outputs are the K-1 logits.
    history_ : dict of list
    n_features_in_ : int

    Notes
    -----
    Levels that a training set lacks (a cross-validation fold without a
    level-3 row) break nothing: with ``levels`` given, or inside the
    inferred grid, the level keeps its place and its tasks learn that it is
    rare; predictions are always levels. A warm start keeps the levels of
    the first fit. Labels off the scale are an error in ``fit`` and
    ``score``, except that ``score`` lets number labels beyond levels that
    were inferred (a fold that lacked the top level) join the scale.

    scikit-learn sees the estimator as a classifier (``is_classifier`` is
    true), so ``cross_val_score`` and ``GridSearchCV`` split integer and text
    labels with ``StratifiedKFold``, which keeps each level in every
    training fold that it has enough rows for. Labels with fractional steps
    (0.5 to 5 by 0.5) are "continuous" to scikit-learn, which splits them
    with ``KFold`` instead.

    Examples
    --------
    >>> import numpy as np
    >>> from ratingnet import KerasOrdinalRegressor
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> y = np.digitize(X @ [1.0, -1.0, 0.5], [-1.5, -0.5, 0.5, 1.5]) + 1
    >>> est = KerasOrdinalRegressor(epochs=20, random_state=0).fit(X, y)
    >>> est.levels_
    array([1, 2, 3, 4, 5])
    >>> est.predict_proba(X[:2]).shape
    (2, 5)
    """

    _requires_numeric_target = False

    def __init__(
        self,
        model=None,
        *,
        levels=None,
        loss=None,
        optimizer=None,
        metrics=None,
        epochs=100,
        batch_size=32,
        shuffle=True,
        validation_split=0.0,
        verbose=0,
        random_state=None,
        warm_start=False,
        **kwargs,
    ):
        self.levels = levels
        super().__init__(
            model,
            loss=loss,
            optimizer=optimizer,
            metrics=metrics,
            epochs=epochs,
            batch_size=batch_size,
            shuffle=shuffle,
            validation_split=validation_split,
            verbose=verbose,
            random_state=random_state,
            warm_start=warm_start,
            **kwargs,
        )

    # Fit ------------------------------------------------------------------

    def _encode_target(self, y, *, reset):
        y = column_or_1d(y, warn=True)
        if reset:
            self.levels_ = self._learn_levels(y)
            self.classes_ = self.levels_
            self.n_classes_ = len(self.levels_)
        return self._positions(y, "y").astype(np.float32).reshape(-1, 1)

    def _learn_levels(self, y):
        present = pd.unique(y)
        if len(present) < 2:
            raise ValueError(
                f"y holds one class only, the level {_plain(present[0])!r}; an "
                "ordinal model needs at least two levels to learn an order "
                "from. Check that the target column is the right one."
            )
        if self.levels is not None:
            return _given_levels(self.levels)
        if self._categories is not None:
            return np.asarray(self._categories)
        if _is_numeric(y):
            return _numeric_levels(y)
        return _text_levels(y)

    def _positions(self, labels, name):
        """Each label's position in ``levels_``; a label off the scale is an error."""
        positions = _find(self.levels_, labels)
        unknown = positions < 0
        if np.any(unknown):
            shown = pd.unique(labels[unknown]).tolist()[:5]
            raise ValueError(
                f"{name} contains labels that are not levels of the scale: "
                f"{shown}. The levels are {_show(self.levels_)}. Pass every "
                "level the labels can take as levels=[...], lowest first."
                + _encoded_hint(labels, len(self.levels_))
            )
        return positions

    def _initialize(self, params, target):
        # The user's model (or the default network) is the body; the build
        # function handed to the base puts the ordinal head on top of it.
        body = params["model"]
        build = ordinal_builder(
            self._default_model if body is None else body,
            self.n_classes_,
            initial_bias=prior_logits(target[:, 0].astype(int), self.n_classes_),
            own_body=body is None,
        )
        super()._initialize(dict(params, model=build), target)

    def _meta(self, target):
        return {
            **super()._meta(target),
            "n_outputs_": self.n_classes_ - 1,
            "n_classes_": self.n_classes_,
            "classes_": self.levels_,
        }

    def _check_model(self, model, target):
        del target
        units = output_units(model, self.n_features_in_)
        if units != self.n_classes_ - 1:
            raise ValueError(
                f"The model's output has {units} units, but {self.n_classes_} "
                f"levels need {self.n_classes_ - 1} logits, one per threshold "
                "between two levels. Pass the model without a head, or end "
                f"it with Dense({self.n_classes_ - 1}) and a linear activation."
            )

    def _default_loss(self):
        return corn_loss

    def _metric_aliases(self, loss):
        del loss
        return dict(_LEVEL_METRICS)

    # Predict --------------------------------------------------------------

    def predict_proba(self, X):
        """Level probabilities for X, (n_samples, n_levels), in ``levels_`` order."""
        return level_probabilities(self._forward(X))

    def predict_log_proba(self, X):
        """The logarithm of ``predict_proba(X)``; -inf where a probability is 0."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The median level of each row, in the type of the levels."""
        positions = median_level(self._forward(X))
        return self.levels_[positions]

    def predict_expected(self, X):
        """The expected level of each row, as a float.

        On the numeric scale for number levels (between 1 and 5 for 1-5
        stars); for text levels, on their positions 0 to K-1.
        """
        scale = (
            self.levels_ if _is_numeric(self.levels_) else np.arange(len(self.levels_))
        )
        return self.predict_proba(X) @ np.asarray(scale, dtype=np.float64)

    def score(self, X, y, sample_weight=None):
        """Quadratic weighted kappa of ``predict(X)`` against y: 1 perfect, 0 chance.

        Disagreements cost the squared number of levels between the two.
        """
        y = column_or_1d(y)
        check_target_values(y)
        predicted = median_level(self._forward(X))
        numeric = _is_numeric(self.levels_) and _is_numeric(y)
        if self.levels is None and numeric and _on_grid(y, self.levels_):
            scale = np.union1d(self.levels_.astype(np.float64), y.astype(np.float64))
            return qwk(
                y.astype(np.float64),
                self.levels_[predicted].astype(np.float64),
                sample_weight=sample_weight,
                levels=scale,
            )
        positions = self._positions(y, "y")
        levels = np.arange(self.n_classes_)
        return qwk(positions, predicted, sample_weight=sample_weight, levels=levels)


# Levels ---------------------------------------------------------------------


def _on_grid(values, levels):
    """Whether numbers lie on the grid of ``levels``, within or beyond it."""
    step = _grid_step(np.asarray(levels, dtype=np.float64))
    if step is None:
        return False
    multiples = (np.asarray(values, dtype=np.float64) - levels[0]) / step
    return bool(np.all(np.abs(multiples - np.round(multiples)) <= 1e-6))


def _is_numeric(values):
    values = np.asarray(values)
    if values.dtype.kind in "biuf":
        return True
    inferred = pd.api.types.infer_dtype(values, skipna=False)
    return values.dtype.kind == "O" and inferred in _NUMBER_KINDS


def _encoded_hint(labels, n_levels):
    """A hint when the labels look like codes 0..K-1 that a tool made."""
    values = pd.unique(np.asarray(labels, dtype=object))
    codes = all(isinstance(v, Integral) and 0 <= v < n_levels for v in values)
    if not codes:
        return ""
    return (
        " These look like codes 0..K-1: scikit-learn tools that encode "
        "classifier labels (cross_val_predict with method='predict_proba', "
        "StackingClassifier, VotingClassifier(voting='soft')) pass codes "
        "instead of levels. Use ratingnet.cross_validate or method='predict' "
        "there, or map the labels to numbers in scale order before fitting."
    )


def _given_levels(levels):
    array = np.asarray(levels)
    if array.ndim != 1 or len(array) < 2:
        raise ValueError(
            "levels must list the scale's levels, lowest first, at least two "
            f"of them; got {levels!r}."
        )
    if np.any(pd.isna(array)):
        raise ValueError(f"levels must not contain NaN or None; got {_show(array)}.")
    if len(pd.unique(array)) != len(array):
        repeated = pd.Series(array)[pd.Series(array).duplicated()].tolist()
        raise ValueError(
            f"levels must list each level once; {repeated[:5]} appear more "
            f"than once in {_show(array)}."
        )
    if _is_numeric(array):
        _refuse_merged_numbers(array, "levels")
    return array


def _numeric_levels(y):
    """The levels of number labels: their values, with grid gaps filled."""
    _refuse_merged_numbers(y, "y")
    values = np.asarray(y, dtype=np.float64)
    distinct = np.unique(values)
    if len(distinct) > MAX_RATING_LEVELS:
        raise ValueError(
            f"y looks continuous: it has {len(distinct)} distinct values, more "
            f"than the {MAX_RATING_LEVELS} levels of the longest rating scale, "
            "and an ordinal model learns a threshold between each two. Use "
            "KerasRegressor for a continuous target, or pass levels=[...] to "
            "model it as ordinal all the same."
        )
    dtype = y.dtype if y.dtype.kind in "biuf" else np.float64
    step = _grid_step(distinct)
    if step is None or _grid_points(distinct, step) > MAX_RATING_LEVELS:
        return distinct.astype(dtype)

    # The observed values stay exact; the unused grid points fill the gaps.
    grid = distinct[0] + step * np.arange(_grid_points(distinct, step))
    nearest = np.abs(grid[:, None] - distinct[None, :]).argmin(axis=1)
    seen = np.isclose(distinct[nearest], grid, rtol=0.0, atol=step * 1e-6)
    grid = np.where(seen, distinct[nearest], np.round(grid, 12))
    return grid.astype(dtype)


def _refuse_merged_numbers(values, name):
    """Refuse whole numbers that float64, which levels are found in, reads as one.

    Beyond +-2**53, neighbouring whole numbers (10**18 and 10**18 + 1) are
    one float64: as levels they would merge into one.
    """
    values = np.asarray(values)
    if values.dtype.kind in "bf":
        return  # Floats already.
    try:
        # Strictly below: 2**53 + 1 reads as the float 2**53.
        exact_as_floats = np.all(np.abs(values.astype(np.float64)) < EXACT_LIMIT)
    except OverflowError:
        raise ValueError(
            f"{name} holds whole numbers beyond float64's range (about "
            f"1.8e308), such as {preview(max(values.tolist(), key=abs))}. "
            "Subtract a baseline first (y - y.min()), or pass the labels as "
            "text with levels=[...] in scale order."
        ) from None
    if exact_as_floats:
        return

    exact = pd.unique(values.astype(object).ravel())
    as_floats = np.asarray(exact, dtype=np.float64)
    if len(np.unique(as_floats)) == len(exact):
        return

    _, first, counts = np.unique(as_floats, return_index=True, return_counts=True)
    merged = exact[first[counts > 1][0]]
    raise ValueError(
        f"{name} holds whole numbers too large for float64 to tell apart, "
        f"such as {merged!r} and its neighbours: beyond +-2**53 (about "
        "9.0e15), float64 keeps about 16 significant digits, and those labels "
        "would become one level. Subtract a baseline first (y - y.min()), or "
        "pass the labels as text with levels=[...] in scale order."
    )


# How the warning on text levels taken in sorted order begins.
ASSUMED_ORDER = (
    "y holds text labels and no levels were given, so KerasOrdinalRegressor "
    "assumed their sorted order"
)


def _text_levels(y):
    levels = np.unique(y) if y.dtype.kind in "US" else _sorted_objects(y)
    warn(
        f"{ASSUMED_ORDER}: "
        f"{' < '.join(repr(v) for v in levels.tolist()[:12])}"
        f"{' < ...' if len(levels) > 12 else ''}. If the scale runs otherwise, "
        f"pass it lowest first: KerasOrdinalRegressor(levels={_show(levels)}).",
        RatingTargetWarning,
    )
    return levels


def _sorted_objects(y):
    distinct = pd.unique(y).tolist()
    try:
        ordered = sorted(distinct)
    except TypeError:
        ordered = sorted(distinct, key=str)
    array = np.empty(len(ordered), dtype=object)
    array[:] = ordered
    return array


def _find(levels, labels):
    """Position of each label in ``levels``, or -1 where it is none of them."""
    labels = np.asarray(labels)
    if _is_numeric(levels) and _is_numeric(labels):
        # Numbers match by value (3 and 3.0), within float noise.
        scale = np.asarray(levels, dtype=np.float64)
        values = labels.astype(np.float64)
        order = np.argsort(scale, kind="stable")
        ordered = scale[order]
        right = np.clip(np.searchsorted(ordered, values), 1, len(ordered) - 1)
        left = right - 1
        nearer_left = values - ordered[left] <= ordered[right] - values
        nearest = np.where(nearer_left, left, right)
        close = np.isclose(ordered[nearest], values, rtol=1e-9, atol=1e-12)
        return np.where(close, order[nearest], -1)
    index = {level: i for i, level in enumerate(levels.tolist())}
    return np.array([index.get(label, -1) for label in labels.tolist()], dtype=int)


def _plain(value):
    """A NumPy scalar as the Python value it holds, for messages."""
    return value.item() if isinstance(value, np.generic) else value


def _show(levels):
    shown = np.asarray(levels).tolist()[:12]
    return repr(shown)[:-1] + (", ...]" if len(levels) > 12 else "]")
