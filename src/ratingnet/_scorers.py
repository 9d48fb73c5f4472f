"""ratingnet's metrics as scikit-learn scorers, by name.

`register_scorers` (which ``import ratingnet`` calls) adds the names of
`SCORER_NAMES` to scikit-learn's scorers. The level metrics' scorers read an
ordinal model's text levels by their positions on its scale.
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


_LEVEL_METRICS = (qwk, exact_accuracy, within_one_accuracy)


def _scorer(metric, greater_is_better):
    if metric in _LEVEL_METRICS and _Scorer is not None:
        try:
            sign = 1 if greater_is_better else -1
            return _LevelScorer(metric, sign, {}, "predict")
        except TypeError:
            pass  # A scorer class of another shape: number labels only.
    return make_scorer(metric, greater_is_better=greater_is_better)


if _Scorer is not None:

    class _LevelScorer(_Scorer):
        """A level metric's scorer that reads text labels on the model's scale.

        A ``KerasOrdinalRegressor`` on text levels ("poor" < "fair" < "good")
        predicts text; its labels count as their positions on its levels.
        """

        def _score(self, method_caller, estimator, X, y_true, **kwargs):
            scale = _text_levels(estimator)
            if scale is None:
                return super()._score(method_caller, estimator, X, y_true, **kwargs)

            def positions_of_predictions(*args, **options):
                return _positions(scale, method_caller(*args, **options))

            return super()._score(
                positions_of_predictions,
                estimator,
                X,
                _positions(scale, y_true),
                levels=np.arange(len(scale)),
                **kwargs,
            )


def _text_levels(estimator):
    """The ordered text levels of a (pipeline's) ordinal model, or None."""
    final = estimator[-1] if hasattr(estimator, "steps") else estimator
    levels = getattr(final, "levels_", None)
    if levels is None or np.asarray(levels).dtype.kind in "iufb":
        return None
    return list(levels)


def _positions(scale, labels):
    index = {level: i for i, level in enumerate(scale)}
    labels = np.asarray(labels).ravel()
    unknown = [label for label in labels if label not in index]
    if unknown:
        raise ValueError(
            f"y contains {unknown[0]!r}, which is not one of the model's "
            f"levels {scale}."
        )
    return np.array([index[label] for label in labels], dtype=np.float64)


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
