"""K-fold cross-validation of several models on the same folds, with metrics.

Every model is fitted on the same training rows of each fold and predicts
the fold's held-out rows. The metrics are computed per fold and over all
held-out predictions together ("overall"). A Keras model also reports its
loss on the held-out rows after each epoch (``val_loss`` in ``history_``),
which draws its learning curve; the held-out rows never steer its training.
"""

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.model_selection import KFold
from sklearn.pipeline import Pipeline

from .. import metrics
from .._base import BaseKerasEstimator
from ..target import TargetProfile, inspect_target

# The metrics of every numeric target, and those added for ratings.
METRICS = {"rmse": metrics.rmse, "mae": metrics.mae, "r2": metrics.r2}
RATING_METRICS = {"qwk": metrics.qwk, "within_one": metrics.within_one_accuracy}

# How tables head each column, and which metrics are better when higher.
LABELS = {
    "rmse": "RMSE",
    "mae": "MAE",
    "r2": "R²",
    "qwk": "QWK",
    "within_one": "within one",
    "seconds": "seconds",
}
HIGHER_IS_BETTER = {"r2", "qwk", "within_one"}


@dataclass
class Evaluation:
    """What `cross_validate` measured.

    Attributes
    ----------
    y : ndarray of shape (n_samples,)
        The target.
    target : TargetProfile
        What kind of target y is (see `ratingnet.target.inspect_target`).
    folds : ndarray of shape (n_samples,)
        The fold (0-based) in which each row was held out.
    predictions : dict of str to ndarray
        Each model's held-out predictions, one per row.
    fold_scores : list of dict
        One row per model and fold: ``model``, ``fold`` (1-based), the
        metrics, and ``seconds`` (time to fit and predict).
    overall : dict of str to dict
        Each model's metrics over all held-out predictions, and its
        ``seconds`` summed over folds.
    histories : dict of str to list of dict
        Each Keras model's ``history_`` per fold.
    warnings : list of str
        The distinct warnings raised while fitting, as ``"Category: text"``.
    """

    y: np.ndarray
    target: TargetProfile
    folds: np.ndarray
    predictions: dict = field(default_factory=dict)
    fold_scores: list = field(default_factory=list)
    overall: dict = field(default_factory=dict)
    histories: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)

    @property
    def metric_names(self):
        """The metrics scored on this target, in display order."""
        names = list(METRICS)
        if self.target.kind == "rating":
            names += list(RATING_METRICS)
        return names


def cross_validate(models, X, y, *, cv=5, seed=0, on_step=None):
    """Fit and score each model on the same K folds.

    Parameters
    ----------
    models : dict of str to estimator
        The models, by the name to report them under; each is cloned per
        fold.
    X : pandas.DataFrame of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        A numeric target without missing values.
    cv : int, default=5
        The number of folds; rows are shuffled before they are split.
    seed : int, default=0
        Seeds the shuffling of rows into folds.
    on_step : callable, default=None
        Called as ``on_step(model_name, fold)`` before each fit, and as
        ``on_step(None, None)`` when all are done.

    Returns
    -------
    Evaluation
    """
    y = np.asarray(y, dtype=float)
    splits = list(KFold(cv, shuffle=True, random_state=seed).split(X))
    result = Evaluation(y=y, target=inspect_target(y), folds=_fold_of_rows(splits))
    seen = {}

    for name, model in models.items():
        result.predictions[name] = np.full(len(y), np.nan)
        for fold, (train, test) in enumerate(splits):
            if on_step is not None:
                on_step(name, fold)
            _run_fold(result, name, clone(model), X, fold, train, test, seen)
        result.overall[name] = _overall(result, name)

    if on_step is not None:
        on_step(None, None)
    result.warnings = list(seen)
    return result


def nearest_level(values, levels):
    """The index of the level nearest each value; halfway rounds up.

    Parameters
    ----------
    values : array-like of shape (n_samples,)
    levels : array-like, sorted
    """
    values, levels = np.asarray(values, dtype=float), np.asarray(levels, dtype=float)
    # Reversed, so that argmin's first match is the upper of two tied levels.
    distance = np.abs(values[:, None] - levels[None, ::-1])
    return len(levels) - 1 - np.argmin(np.nan_to_num(distance, nan=np.inf), axis=1)


def _fold_of_rows(splits):
    folds = np.empty(sum(len(test) for _, test in splits), dtype=int)
    for fold, (_, test) in enumerate(splits):
        folds[test] = fold
    return folds


def _run_fold(result, name, model, X, fold, train, test, seen):
    """Fit on the training rows, predict the held-out ones, and score them."""
    y = result.y
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _fit(model, X.iloc[train], y[train], X.iloc[test], y[test])
        predicted = np.asarray(model.predict(X.iloc[test]), dtype=float)
    seconds = time.perf_counter() - start

    seen.update(dict.fromkeys(_shown(caught)))
    result.predictions[name][test] = predicted
    scores = _scores(y[test], predicted, result.metric_names, result.target)
    result.fold_scores.append(
        {"model": name, "fold": fold + 1, **scores, "seconds": seconds}
    )

    network = _keras_step(model)
    if network is not None:
        result.histories.setdefault(name, []).append(dict(network.history_))


def _shown(caught):
    """The warnings meant for users; deprecations are for developers."""
    for w in caught:
        if not issubclass(w.category, DeprecationWarning | PendingDeprecationWarning):
            yield f"{w.category.__name__}: {w.message}"


def _fit(model, X_train, y_train, X_test, y_test):
    """Fit; a Keras model also records its loss on the held-out rows."""
    network = _keras_step(model)
    if network is None:
        model.fit(X_train, y_train)
        return

    steps = model[:-1] if isinstance(model, Pipeline) else None
    if steps is not None:
        X_train = steps.fit_transform(X_train, y_train)
        X_test = steps.transform(X_test)

    # A classifier cannot score held-out labels it never saw in training.
    known = np.isin(y_test, y_train) if is_classifier(network) else slice(None)
    network.fit(X_train, y_train, X_val=X_test[known], y_val=y_test[known])


def _keras_step(model):
    """The ratingnet estimator of a model or of its pipeline's last step."""
    final = model[-1] if isinstance(model, Pipeline) else model
    return final if isinstance(final, BaseKerasEstimator) else None


def _scores(y_true, y_pred, names, target):
    """Each metric of the predictions; NaN where it is undefined."""
    if not np.all(np.isfinite(y_pred)):
        # A diverged model; its row shows NaN rather than stopping the rest.
        return dict.fromkeys(names, float("nan"))

    scores = {}
    for name in names:
        function = METRICS.get(name) or RATING_METRICS[name]
        kwargs = {"levels": target.levels} if name in RATING_METRICS else {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scores[name] = function(y_true, y_pred, **kwargs)
    return scores


def _overall(result, name):
    predicted = result.predictions[name]
    scores = _scores(result.y, predicted, result.metric_names, result.target)
    seconds = [row["seconds"] for row in result.fold_scores if row["model"] == name]
    return {**scores, "seconds": float(np.sum(seconds))}
