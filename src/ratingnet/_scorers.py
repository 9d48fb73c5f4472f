"""ratingnet's metrics as scikit-learn scorers, by name.

`register_scorers` (which ``import ratingnet`` calls) adds the names of
`SCORER_NAMES` to scikit-learn's scorers.

A model with levels (``KerasOrdinalRegressor``, ``levels_``) is scored on
its own scale: the level metrics (``"qwk"``, ``"exact_accuracy"``,
``"within_one_accuracy"``) count distances in its levels, as its ``score``
does, also when number levels are unevenly spaced (1, 2, 4, 8). On text
levels, ``"rmse"``, ``"mae"`` and ``"spearman"`` score the levels'
positions (an error of 1 is one level); ``"msle"`` is refused there.
Models without levels are scored on the numbers they predict.
"""

import sys
import warnings

from ratingnet.exceptions import RatingnetWarning
from ratingnet.metrics import (
    exact_accuracy,
    mae,
    msle,
    qwk,
    rmse,
    spearman,
    within_one_accuracy,
)

import numpy as np
from sklearn.base import is_classifier
from sklearn.metrics import make_scorer
from sklearn.utils._param_validation import StrOptions

try:
    from sklearn.metrics._scorer import _Scorer
except ImportError:  # A scikit-learn without it: level scorers take numbers only.
    _Scorer = None


# Scorer name -> (metric, greater_is_better). Errors are registered negated.
_SCORERS = {
    "rmse": (rmse, False),
    "mae": (mae, False),
    "msle": (msle, False),
    "qwk": (qwk, True),
    "exact_accuracy": (exact_accuracy, True),
    "within_one_accuracy": (within_one_accuracy, True),
    "spearman": (spearman, True),
}

SCORER_NAMES = tuple(_SCORERS)

# Built-in scorer names that identify scikit-learn's "valid scoring" checks.
_BUILTIN_SCORER_SAMPLE = frozenset({"accuracy", "neg_mean_squared_error", "r2"})


# Metrics that count in levels: they score a model that has levels on its
# own scale, so that scoring="qwk" equals the model's own score.
_LEVEL_METRICS = (qwk, exact_accuracy, within_one_accuracy)

# Metrics on numbers that read text levels as their positions, the only
# numbers such a model has (its predict_expected gives them too): an error
# of 1 is one level. A log error of positions has no meaning, so msle is
# refused on text levels.
_POSITION_METRICS = (rmse, mae, spearman)


def _scorer(metric, greater_is_better):
    if _Scorer is not None:
        try:
            sign = 1 if greater_is_better else -1
            return _ModelScaleScorer(metric, sign, {}, "predict")
        except TypeError:
            pass  # A scorer class of another shape: number labels only.
    return make_scorer(metric, greater_is_better=greater_is_better)


if _Scorer is not None:

    class _ModelScaleScorer(_Scorer):
        """A scorer that reads the labels on the scale of a model with levels.

        A ``KerasOrdinalRegressor`` has levels (``levels_``), such as 1, 2, 4,
        8 or "poor" < "fair" < "good"; its ``score`` counts distances in
        those levels. The level metrics here do the same, on the positions
        of the labels in the model's scale, so ``scoring="qwk"`` ranks models
        by the number ``score`` gives. Models without levels (regressors)
        are scored on the numbers as they are.
        """

        def _score(self, method_caller, estimator, X, y_true, **kwargs):
            scale = _scoring_scale(self._score_func, estimator, y_true)
            if scale is None:
                return super()._score(method_caller, estimator, X, y_true, **kwargs)

            def positions_of_predictions(*args, **options):
                return _positions(scale, method_caller(*args, **options))

            on_levels = {}
            if self._score_func in _LEVEL_METRICS:
                on_levels["levels"] = np.arange(len(scale))
            return super()._score(
                positions_of_predictions,
                estimator,
                X,
                _positions(scale, y_true),
                **on_levels,
                **kwargs,
            )


def _scoring_scale(metric, estimator, y_true):
    """The ordered levels to read the labels on, or None to score numbers.

    None for a model without levels, and for the error and rank metrics on
    a model with number levels, which mean the same on the numbers.
    """
    # Imported here: the ordinal model imports the metrics, which import this.
    from ratingnet._ordinal import _is_numeric, _show

    model = _final_model(estimator)
    levels = _predicted_levels(model)
    if levels is None:
        return None

    if metric in _LEVEL_METRICS:
        return _model_scale(model, levels, y_true)
    if _is_numeric(levels):
        return None
    if metric in _POSITION_METRICS:
        return levels
    raise ValueError(
        f"{metric.__name__} needs ratings that are numbers, but the model's "
        f"levels are text ({_show(levels)}), which have positions, not "
        f"values. Score it with one of {_position_scorers()}, or fit it on "
        "number levels."
    )


def _final_model(estimator):
    """The model that makes the predictions, in a pipeline or a search."""
    while True:
        if hasattr(estimator, "steps"):
            estimator = estimator.steps[-1][1]
        elif hasattr(estimator, "best_estimator_"):
            estimator = estimator.best_estimator_
        else:
            return estimator


def _predicted_levels(model):
    """The ordered levels a model predicts (``levels_`` of a classifier), or None.

    A regressor's ``levels_`` (the values seen in training, which
    ``round_predictions`` snaps to) is no scale its predictions are on.
    """
    levels = getattr(model, "levels_", None)
    if levels is None or not is_classifier(model):
        return None
    return np.asarray(levels)


def _model_scale(model, levels, y_true):
    """The scale that the model's ``score`` counts levels on, for y_true.

    The model's levels; when they were inferred from numbers (no
    ``levels=`` given), labels on their grid beyond them (a level that a
    cross-validation fold did not train on) join the scale, as in
    ``KerasOrdinalRegressor.score``.
    """
    from ratingnet._ordinal import _is_numeric, _on_grid

    labels = np.asarray(y_true).ravel()
    inferred = getattr(model, "levels", None) is None
    numbers = _is_numeric(levels) and _is_numeric(labels)
    if inferred and numbers and _on_grid(labels, levels):
        return np.union1d(levels.astype(np.float64), labels.astype(np.float64))
    return levels


def _positions(scale, labels):
    """Each label's position in `scale`; numbers match by value (3 and 3.0)."""
    from ratingnet._ordinal import _find, _show

    labels = np.asarray(labels).ravel()
    positions = _find(scale, labels)
    unknown = positions < 0
    if unknown.any():
        raise ValueError(
            f"y contains {labels[unknown].tolist()[0]!r}, which is not one of "
            f"the model's levels {_show(scale)}. Score on labels of the scale the "
            "model was fitted on; to add levels, pass the whole scale as "
            "levels=[...] when fitting."
        )
    return positions.astype(np.float64)


def _position_scorers():
    on_positions = _LEVEL_METRICS + _POSITION_METRICS
    names = [name for name, (metric, _) in _SCORERS.items() if metric in on_positions]
    return ", ".join(repr(name) for name in names)


def _is_ours(scorer, metric):
    """Whether a registered scorer wraps `metric` (also after a reload)."""
    func = getattr(scorer, "_score_func", None)
    return getattr(func, "__module__", None) == metric.__module__ and (
        getattr(func, "__qualname__", None) == metric.__qualname__
    )


def _constraint_tables(obj):
    """The parameter-constraint dicts scikit-learn attached to `obj`, if any."""
    if isinstance(obj, type):
        table = getattr(obj, "_parameter_constraints", None)
    elif callable(obj):
        table = getattr(obj, "_skl_parameter_constraints", None)
    else:
        table = None
    return [table] if isinstance(table, dict) else []


def _is_scoring_name_check(check):
    """Whether `check` is scikit-learn's "a valid scorer name" constraint."""
    return (
        isinstance(check, StrOptions)
        and isinstance(check.options, set)
        and _BUILTIN_SCORER_SAMPLE.issubset(check.options)
    )


def _scoring_name_checks():
    """Yield the scorer-name checks in the scikit-learn modules loaded now."""
    modules = [
        module
        for name, module in list(sys.modules.items())
        if name.split(".")[0] == "sklearn" and module is not None
    ]
    for obj in (obj for module in modules for obj in list(vars(module).values())):
        for table in _constraint_tables(obj):
            checks = [c for cs in table.values() if isinstance(cs, list) for c in cs]
            yield from filter(_is_scoring_name_check, checks)


def register_scorers() -> None:
    """Make ratingnet's metrics available by name as ``scoring=`` strings.

    Adds ``"rmse"``, ``"mae"``, ``"msle"``, ``"qwk"``, ``"exact_accuracy"``,
    ``"within_one_accuracy"`` and ``"spearman"`` to scikit-learn's scorers,
    so that ``cross_val_score(model, X, y, scoring="qwk")`` works. The error
    scorers ``"rmse"``, ``"mae"`` and ``"msle"`` return the negated error,
    as scikit-learn's ``"neg_mean_squared_error"`` does, because
    scikit-learn maximizes scores. Calling it again changes nothing; a name
    that another library already registered is left alone, with a warning.
    ``import ratingnet`` calls it.

    Examples
    --------
    >>> from sklearn.metrics import get_scorer_names
    >>> register_scorers()
    >>> "qwk" in get_scorer_names()
    True
    """
    # TODO: use a public registry once scikit-learn has one (none as of 1.9);
    # until then this writes to the private dict that get_scorer reads.
    try:
        from sklearn.metrics._scorer import _SCORERS as registry
    except ImportError:
        warnings.warn(
            "This scikit-learn version has no scorer registry that ratingnet "
            f"knows, so the names {SCORER_NAMES} are not available as "
            "scoring=. Pass sklearn.metrics.make_scorer(ratingnet.metrics.qwk) "
            "instead.",
            RatingnetWarning,
            stacklevel=2,
        )
        return

    added = []
    for name, (metric, greater_is_better) in _SCORERS.items():
        if name in registry and not _is_ours(registry[name], metric):
            warnings.warn(
                f"A scorer named {name!r} is already registered with "
                "scikit-learn and is kept. Use sklearn.metrics.make_scorer("
                f"ratingnet.metrics.{metric.__name__}) for ratingnet's.",
                RatingnetWarning,
                stacklevel=2,
            )
            continue
        registry[name] = _scorer(metric, greater_is_better)
        added.append(name)

    # scikit-learn copies the valid names into its parameter checks when each
    # module is imported; the checks built before now need the new names too.
    for check in _scoring_name_checks():
        check.options.update(added)
