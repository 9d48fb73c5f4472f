"""Helpers for testing ratingnet's estimators with scikit-learn's own checks."""

_WEIGHTS_ARE_NOT_REPEATS = (
    "Training is stochastic gradient descent over shuffled mini-batches: "
    "a repeated row lands in other batches than a weighted one, so the "
    "fits differ although both minimise the same weighted loss."
)

_WEIGHTS = {
    "check_sample_weight_equivalence_on_dense_data": _WEIGHTS_ARE_NOT_REPEATS,
    "check_sample_weight_equivalence_on_sparse_data": _WEIGHTS_ARE_NOT_REPEATS,
}

_SHARED = {
    **_WEIGHTS,
    "check_methods_subset_invariance": (
        "Predictions run in float32 on batches padded to a power of two; "
        "XLA's matrix products round differently for different batch shapes, "
        "so a row's prediction may move in the 7th significant digit."
    ),
}

# Checks of scikit-learn's estimator suite that cannot pass, and why.
_EXPECTED_FAILURES = {
    "KerasRegressor": _SHARED,
    "KerasClassifier": _SHARED,
    "RatingRegressor": _SHARED,
    "KerasOrdinalRegressor": {
        **_SHARED,
        "check_classifiers_train": (
            "predict returns the median level of the ordinal distribution "
            "(CORN's rule, which minimises the expected error in levels), "
            "not its mode, so it can differ from predict_proba's argmax, "
            "which this check requires."
        ),
    },
}


def expected_failed_checks(estimator):
    """The checks ``estimator`` is known to fail, as ``{check name: reason}``.

    Pass it to ``sklearn.utils.estimator_checks.parametrize_with_checks``.

    Examples
    --------
    >>> from sklearn.utils.estimator_checks import parametrize_with_checks
    >>> from ratingnet import KerasRegressor
    >>> from ratingnet.testing import expected_failed_checks
    >>> est = KerasRegressor(epochs=5)
    >>> marks = parametrize_with_checks(
    ...     [est], expected_failed_checks=expected_failed_checks
    ... )
    """
    return dict(_EXPECTED_FAILURES.get(type(estimator).__name__, {}))
