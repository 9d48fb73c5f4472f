"""K-fold cross-validation of several models on the same folds, with metrics.

Every model is fitted on the same training rows of each fold and predicts
the fold's held-out rows; a ratingnet model trains all its folds together
(`ratingnet.cross_validate`). The metrics are computed per fold and over
all held-out predictions together ("overall").

A learning curve needs a loss on rows the model did not train on. Where a
Keras model records none (no ``val_loss`` in ``history_``), its first fold
is fitted once more with the fold's held-out rows as validation data; they
are only watched, never used to steer training.
"""

import contextlib
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.model_selection import KFold
from sklearn.pipeline import Pipeline

from .. import metrics
from .._base import BaseKerasEstimator
from .._cross_validation import cross_validate as cross_validate_model
from ..exceptions import TrainingInterruptedWarning
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
        metrics, and ``seconds`` (time to fit and predict; folds trained
        together share their training time equally).
    overall : dict of str to dict
        Each model's metrics over all held-out predictions, and its
        ``seconds`` summed over folds.
    histories : dict of str to list of dict
        Each Keras model's ``history_`` per fold (the first fold's from its
        refit, when ``curves`` asked for one).
    warnings : list of str
        The distinct warnings raised while fitting, as ``"Category: text"``.
    left_out : dict of str to str
        The optional models that failed, and why: they have no scores.
    scale : tuple or None
        The levels that QWK and within-one accuracy count on: those given to
        `cross_validate`, or the target's (``target.scale``); None without
        levels.
    """

    y: np.ndarray
    target: TargetProfile
    folds: np.ndarray
    scale: tuple | None = None
    predictions: dict = field(default_factory=dict)
    fold_scores: list = field(default_factory=list)
    overall: dict = field(default_factory=dict)
    histories: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    left_out: dict = field(default_factory=dict)

    @property
    def metric_names(self):
        """The metrics scored on this target, in display order."""
        names = list(METRICS)
        if self.target.kind == "rating":
            names += list(RATING_METRICS)
        return names


def cross_validate(
    models, X, y, *, cv=5, seed=0, scale=None, curves=False, on_step=None, optional=()
):
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
    scale : sequence of float, default=None
        Every level of the rating scale, for QWK and within-one accuracy,
        when it is known (the positions 1..K of named levels): y may lack
        some. By default, the levels of y with their regular step.
    curves : bool, default=False
        Record a held-out loss per epoch for Keras models that record none
        (see the module docstring); costs one more fit per such model.
    on_step : callable, default=None
        Called as ``on_step(model_name)`` before each model, and as
        ``on_step(None)`` when all are done.
    optional : collection of str, default=()
        Models (such as baselines) that are left out, with a warning, when
        they fail to fit; any other model's failure is raised.

    Returns
    -------
    Evaluation
    """
    y = np.asarray(y, dtype=float)
    splits = list(KFold(cv, shuffle=True, random_state=seed).split(X))
    target = inspect_target(y)
    levels = target.scale if scale is None else scale
    result = Evaluation(
        y=y,
        target=target,
        folds=_fold_of_rows(splits),
        scale=None if levels is None else tuple(levels),
    )
    seen = {}

    for name, model in models.items():
        if on_step is not None:
            on_step(name)
        with recorded_warnings() as caught:
            try:
                _run_model(result, name, model, X, splits)
            except ValueError as error:
                if name not in optional:
                    raise
                result.left_out[name] = str(error)
                continue
            if curves:
                _add_curve(result, name, model, X, splits[0])
        seen.update(dict.fromkeys(user_warnings(caught)))

    if on_step is not None:
        on_step(None)
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


def _run_model(result, name, model, X, splits):
    """Fit the model's folds, predict their held-out rows, and score them."""
    y = result.y
    try:
        fitted = cross_validate_model(
            model,
            X,
            y,
            cv=splits,
            scoring="r2",
            return_estimator=True,
            error_score="raise",
        )
    except TrainingInterruptedWarning:
        raise
    except Exception as error:  # whatever the model raised, said with its name
        cause = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise ValueError(
            f"{name} failed to fit on a fold of the cross-validation: "
            f"{type(error).__name__}: {cause}"
        ) from error
    result.predictions[name] = np.full(len(y), np.nan)

    estimators = fitted["estimator"]
    for fold, (estimator, (_, test)) in enumerate(zip(estimators, splits, strict=True)):
        start = time.perf_counter()
        predicted = np.asarray(estimator.predict(X.iloc[test]), dtype=float)
        seconds = fitted["fit_time"][fold] + time.perf_counter() - start

        result.predictions[name][test] = predicted
        scores = _scores(y[test], predicted, result.metric_names, result.scale)
        result.fold_scores.append(
            {"model": name, "fold": fold + 1, **scores, "seconds": float(seconds)}
        )
        network = _keras_step(estimator)
        if network is not None:
            result.histories.setdefault(name, []).append(dict(network.history_))
    result.overall[name] = _overall(result, name)


@contextlib.contextmanager
def recorded_warnings():
    """Record every warning, to show each once later; a Ctrl-C in training raises.

    A model that a Ctrl-C cut short must not be scored or saved as if
    trained, so its ``TrainingInterruptedWarning`` is raised as an error.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("error", TrainingInterruptedWarning)
        yield caught


def user_warnings(caught):
    """``"Category: message"`` of the warnings meant for users.

    Deprecations are left out: they are for developers of the libraries.
    """
    for w in caught:
        if not issubclass(w.category, DeprecationWarning | PendingDeprecationWarning):
            yield f"{w.category.__name__}: {w.message}"


def _add_curve(result, name, model, X, split):
    """Refit the first fold, watching its held-out rows, if nothing was."""
    histories = result.histories.get(name)
    if not histories or "val_loss" in histories[0]:
        return

    train, test = split
    y = result.y
    model = clone(model)
    network = _keras_step(model)
    X_train, X_test = X.iloc[train], X.iloc[test]
    if isinstance(model, Pipeline):
        X_train = model[:-1].fit_transform(X_train, y[train])
        X_test = model[:-1].transform(X_test)

    # A classifier cannot score held-out labels it never saw in training.
    known = np.isin(y[test], y[train]) if is_classifier(network) else slice(None)
    network.fit(X_train, y[train], X_val=X_test[known], y_val=y[test][known])
    histories[0] = dict(network.history_)


def _keras_step(model):
    """The ratingnet estimator of a model or of its pipeline's last step."""
    final = model[-1] if isinstance(model, Pipeline) else model
    return final if isinstance(final, BaseKerasEstimator) else None


def _scores(y_true, y_pred, names, scale):
    """Each metric of the predictions; NaN where it is undefined."""
    if not np.all(np.isfinite(y_pred)):
        # A diverged model; its row shows NaN rather than stopping the rest.
        return dict.fromkeys(names, float("nan"))

    scores = {}
    for name in names:
        function = METRICS.get(name) or RATING_METRICS[name]
        kwargs = {"levels": scale} if name in RATING_METRICS else {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scores[name] = function(y_true, y_pred, **kwargs)
    return scores


def _overall(result, name):
    predicted = result.predictions[name]
    scores = _scores(result.y, predicted, result.metric_names, result.scale)
    seconds = [row["seconds"] for row in result.fold_scores if row["model"] == name]
    return {**scores, "seconds": float(np.sum(seconds))}
