"""Cross-validation whose folds train together, as replicas of one compiled program.

scikit-learn's ``cross_validate`` fits one fold after another. Here each
fold is cloned and prepared as scikit-learn would (its preprocessing fitted
on its training rows, its model built with the same seed), and then the
folds' trainings run side by side in one vmapped program. Estimators that
cannot train this way go to scikit-learn's ``cross_validate``.
"""

import difflib
import time
import traceback
import warnings
from numbers import Real

import numpy as np
from sklearn import get_config, model_selection
from sklearn.base import clone, is_classifier
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.metrics._scorer import _check_multimetric_scoring
from sklearn.model_selection import check_cv
from sklearn.pipeline import Pipeline
from sklearn.utils import indexable
from sklearn.utils._indexing import _safe_indexing

from . import _engine
from ._base import BaseKerasEstimator
from ._progress import reporter
from ._scorers import SCORER_NAMES
from ._widening import narrowed, widened


def cross_validate(
    estimator,
    X,
    y=None,
    *,
    groups=None,
    scoring=None,
    cv=5,
    n_jobs=None,
    verbose=0,
    params=None,
    pre_dispatch="2*n_jobs",
    return_train_score=False,
    return_estimator=False,
    return_indices=False,
    error_score=np.nan,
):
    """Evaluate by cross-validation, training all folds in one compiled program.

    Takes and returns what ``sklearn.model_selection.cross_validate`` does;
    with the same folds and seeds the scores agree (within float tolerance).
    The folds train together when ``estimator`` is a ratingnet estimator, or
    a Pipeline ending in one, and the folds' models share one structure, or
    differ only in their number of input columns (a one-hot encoder fitted
    per fold) with a ``Sequential`` model that starts with ``Dense``;
    otherwise this calls scikit-learn's ``cross_validate``.

    Parameters
    ----------
    estimator : estimator
    X : array-like or DataFrame of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    groups : array-like, default=None
        Group labels for group-aware splitters. With scikit-learn's metadata
        routing enabled, pass them in ``params`` instead, as there.
    scoring : str, callable, list, dict or None, default=None
        As in scikit-learn; ratingnet's names ("qwk", "rmse", ...) work too.
        A callable may return a dict of scores, each reported by its name.
    cv : int, splitter or iterable, default=5
    n_jobs, verbose, pre_dispatch : default=None, 0, "2*n_jobs"
        Passed to scikit-learn's ``cross_validate`` when the folds do not
        train together; folds that do train together use every core already.
    params : dict, default=None
        Parameters for the estimator's ``fit`` (such as ``sample_weight``,
        or ``step__sample_weight`` for a Pipeline); the folds then go to
        scikit-learn's ``cross_validate``, which splits them by fold.
    return_train_score, return_estimator, return_indices : bool, default=False
    error_score : "raise" or float, default=np.nan
        The score of a fold whose fit or scoring fails, with a warning, as in
        scikit-learn; "raise" raises the error. When a joint training fails,
        scikit-learn's ``cross_validate`` fits the folds one by one, so that
        only the failing folds get ``error_score``.

    Returns
    -------
    dict
        ``fit_time``, ``score_time``, ``test_<name>`` (``test_score`` for a
        single scorer) and, when asked, ``train_<name>``, ``estimator`` and
        ``indices``. ``fit_time`` is each fold's own preparation plus an
        equal share of the joint training time.

    Examples
    --------
    >>> from ratingnet import KerasRegressor, cross_validate
    >>> from ratingnet.datasets import load_wine
    >>> X, y = load_wine(return_X_y=True)
    >>> scores = cross_validate(KerasRegressor(epochs=5), X, y, cv=3)
    >>> sorted(scores)
    ['fit_time', 'score_time', 'test_score']
    """
    if y is None and isinstance(_final_step(estimator), BaseKerasEstimator):
        raise ValueError(
            f"{type(_final_step(estimator)).__name__} learns from a target, but "
            "cross_validate got y=None. Pass the ratings: "
            "cross_validate(estimator, X, y)."
        )
    X, y, groups = indexable(X, y, groups)
    options = dict(
        return_train_score=return_train_score,
        return_estimator=return_estimator,
        return_indices=return_indices,
        error_score=error_score,
    )

    def one_fold_at_a_time(folds, groups):
        return model_selection.cross_validate(
            estimator,
            X,
            y,
            groups=groups,
            scoring=scoring,
            cv=folds,
            n_jobs=n_jobs,
            verbose=verbose,
            params=params,
            pre_dispatch=pre_dispatch,
            **options,
        )

    _check_scoring(scoring)
    # With metadata routing, groups come in params, which scikit-learn routes.
    routing = get_config()["enable_metadata_routing"] and groups is not None
    if params or routing or not _trains_as_replicas(estimator):
        return one_fold_at_a_time(cv, groups)

    scorers = _scorers(estimator, scoring)
    _check_options(**options)
    splitter = check_cv(cv, y, classifier=is_classifier(estimator))
    folds = list(splitter.split(X, y, groups))
    try:
        fitted, fit_times = _fit_folds(estimator, X, y, folds)
    except Exception:
        if error_score == "raise":
            raise
        # Fitted one by one, only the folds that fail score error_score.
        fitted = None
    if fitted is None:
        return one_fold_at_a_time(folds, None)
    return _score_folds(fitted, fit_times, X, y, folds, scorers=scorers, **options)


def _check_options(error_score, **flags):
    """Refuse the options scikit-learn's ``cross_validate`` refuses."""
    for name, flag in flags.items():
        if not isinstance(flag, bool | np.bool_):
            raise ValueError(f"{name} must be True or False; got {flag!r}.")
    is_raise = isinstance(error_score, str) and error_score == "raise"
    is_number = isinstance(error_score, Real) and not isinstance(error_score, bool)
    if not (is_raise or is_number):
        raise ValueError(
            "error_score must be the string 'raise' or a number, such as "
            f"np.nan; got {error_score!r}."
        )


def _final_step(estimator):
    return estimator[-1] if isinstance(estimator, Pipeline) else estimator


def _trains_as_replicas(estimator):
    final = _final_step(estimator)
    return isinstance(final, BaseKerasEstimator) and not final.warm_start


def _fit_folds(estimator, X, y, folds):
    """Fit every fold's clone together; (None, None) when their plans differ.

    Folds whose only difference is the width of their inputs train at the
    widest (``ratingnet._widening``).
    """
    start = time.perf_counter()
    prepared = [_prepare_fold(estimator, X, y, train) for train, _ in folds]
    plans = [plan for _, _, plan in prepared]
    preparation = (time.perf_counter() - start) / len(folds)
    if not _compatible(plans):
        plans = widened(plans)
        if plans is None or not _compatible(plans):
            return None, None

    start = time.perf_counter()
    result = _train_together(plans)
    training = (time.perf_counter() - start) / len(folds)

    offset = 0
    for (_, final, own), plan in zip(prepared, plans, strict=True):
        members = slice(offset, offset + len(plan.seeds))
        fold_result = result.select(members)
        if plan is not own:
            fold_result = narrowed(fold_result, own, wide=plan.specs[0])
        final._keep(fold_result)
        offset = members.stop
    fitted = [fold_estimator for fold_estimator, _, _ in prepared]
    return fitted, [preparation + training] * len(folds)


def _prepare_fold(estimator, X, y, train):
    """Clone the estimator, fit its preprocessing and plan its final fit."""
    fold_estimator = clone(estimator)
    X_train, y_train = _safe_indexing(X, train), _safe_indexing(y, train)
    if isinstance(fold_estimator, Pipeline):
        X_train = fold_estimator[:-1].fit_transform(X_train, y_train)
        final = fold_estimator[-1]
    else:
        final = fold_estimator
    return fold_estimator, final, final._plan_fit(X_train, y_train)


def _compatible(plans):
    first = plans[0]
    return all(
        plan.specs[0].key == first.specs[0].key
        and plan.settings == first.settings
        and _input_shapes(plan) == _input_shapes(first)
        for plan in plans
    )


def _input_shapes(plan):
    return [x.shape[1:] for x in plan.data["inputs"]] + [plan.data["y"].shape[1:]]


def _train_together(plans):
    """One engine run over all plans' replicas, each plan's table a group."""
    groups = [i for i, plan in enumerate(plans) for _ in plan.seeds]
    replicas = _engine.make_replicas(
        [rows for plan in plans for rows in plan.train_rows],
        [rows for plan in plans for rows in plan.val_rows],
        [seed for plan in plans for seed in plan.seeds],
        plans[0].settings.batch_size,
        groups=groups,
    )
    return _engine.train(
        [spec for plan in plans for spec in plan.specs],
        plans[0].settings,
        [plan.data for plan in plans],
        replicas,
        on_epochs=reporter(plans[0].verbose, plans[0].settings.epochs),
    )


def _score_folds(
    fitted,
    fit_times,
    X,
    y,
    folds,
    *,
    scorers,
    return_train_score,
    return_estimator,
    return_indices,
    error_score,
):
    """The results dict, keyed and ordered as scikit-learn's ``cross_validate``."""
    test, train, score_times = [], [], []
    for fold_estimator, (train_rows, test_rows) in zip(fitted, folds, strict=True):
        start = time.perf_counter()
        test.append(_fold_scores(scorers, fold_estimator, X, y, test_rows, error_score))
        score_times.append(time.perf_counter() - start)
        if return_train_score:
            train.append(
                _fold_scores(scorers, fold_estimator, X, y, train_rows, error_score)
            )

    results = {"fit_time": np.array(fit_times), "score_time": np.array(score_times)}
    if return_estimator:
        results["estimator"] = fitted
    if return_indices:
        results["indices"] = {
            "train": tuple(rows for rows, _ in folds),
            "test": tuple(rows for _, rows in folds),
        }
    test = _by_name(test, error_score)
    train = _by_name(train, error_score) if return_train_score else {}
    for name, scores in test.items():
        results[f"test_{name}"] = scores
        if return_train_score:
            results[f"train_{name}"] = train[name]
    return results


def _scorers(estimator, scoring):
    """A dict of name -> scorer, named "score" for a single scorer."""
    if scoring is None or isinstance(scoring, str) or callable(scoring):
        return {"score": check_scoring(estimator, scoring=scoring)}
    return _check_multimetric_scoring(estimator, scoring)


def _check_scoring(scoring):
    """Refuse a scorer that is neither a known name nor a callable, by place."""
    if scoring is None or isinstance(scoring, str) or callable(scoring):
        _check_scorer_entry(scoring, "scoring", single=True)
        return
    if not isinstance(scoring, list | tuple | dict):
        raise ValueError(
            "scoring must be a scorer name, a callable, a list or tuple of "
            f"names, or a dict of names to scorers; got {scoring!r}."
        )
    entries = scoring.items() if isinstance(scoring, dict) else enumerate(scoring)
    for key, entry in entries:
        _check_scorer_entry(entry, f"scoring[{key!r}]", single=False)


def _check_scorer_entry(entry, where, *, single):
    # None is the estimator's own score, as one scorer but not in a list.
    if callable(entry) or (entry is None and single):
        return
    names = get_scorer_names()
    if isinstance(entry, str) and entry in names:
        return

    if not isinstance(entry, str):
        raise ValueError(
            f"{where} is {entry!r}, which is not a scorer. Give a scorer name "
            "(such as 'rmse' or 'r2') or a callable (make_scorer(...))."
        )
    close = difflib.get_close_matches(entry, names, n=3, cutoff=0.6)
    hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
    raise ValueError(
        f"{where} is {entry!r}, which is not a scorer name.{hint} ratingnet's "
        f"are {', '.join(map(repr, SCORER_NAMES))}; sklearn.metrics."
        "get_scorer_names() lists scikit-learn's."
    )


def _fold_scores(scorers, estimator, X, y, rows, error_score):
    """Each scorer's score on ``rows``: a number, a dict of them, or a failure."""
    X_part, y_part = _safe_indexing(X, rows), _safe_indexing(y, rows)
    scores = {
        name: _score(scorer, estimator, X_part, y_part, error_score)
        for name, scorer in scorers.items()
    }
    return {name: _as_number(name, score) for name, score in scores.items()}


def _as_number(name, score):
    """A score as a Python float (a dict's scores each), as scikit-learn keeps it."""
    if score is _FAILED:
        return score
    if isinstance(score, dict):
        return {key: _as_number(key, value) for key, value in score.items()}
    if isinstance(score, np.ndarray | np.generic) and score.size == 1:
        score = score.item()
    if not isinstance(score, Real):
        raise ValueError(
            f"The scorer {name!r} returned {score!r} ({type(score).__name__}), "
            "which is not a number. A scorer returns one number, or a dict of "
            "names to numbers."
        )
    return float(score)


def _by_name(fold_scores, error_score):
    """Per score name, its array over the folds.

    A scorer that returns a dict reports each of its scores by its own name;
    where it failed on a fold, each of them is ``error_score`` there.
    """
    columns = {}
    for name in fold_scores[0]:
        scores = [fold[name] for fold in fold_scores]
        dicts = [score for score in scores if isinstance(score, dict)]
        keys = dict.fromkeys(key for score in dicts for key in score) or [name]
        for key in keys:
            columns[key] = np.array(
                [_pick(score, key, error_score) for score in scores]
            )
    return columns


def _pick(score, key, error_score):
    if score is _FAILED:
        return error_score
    return score[key] if isinstance(score, dict) else score


# The score of a fold whose scoring failed (reported as error_score).
_FAILED = object()


def _score(scorer, estimator, X, y, error_score):
    """The scorer's score, or `_FAILED` with a warning if it fails."""
    try:
        return scorer(estimator, X, y)
    except Exception:
        if error_score == "raise":
            raise
        warnings.warn(
            f"Scoring failed on a fold, whose score is set to {error_score}. "
            f"The error:\n{traceback.format_exc()}",
            UserWarning,
            stacklevel=2,
        )
        return _FAILED
