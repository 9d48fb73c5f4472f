from ratingnet import KerasClassifier, KerasRegressor, RatingRegressor
from ratingnet.testing import expected_failed_checks

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks


@parametrize_with_checks(
    [
        KerasRegressor(epochs=20, random_state=0),
        KerasClassifier(epochs=20, random_state=0),
        RatingRegressor(n_models=1, epochs=30, random_state=0),
    ],
    expected_failed_checks=expected_failed_checks,
)
# The checks fit classifiers on small integer labels, which look like ratings.
@pytest.mark.filterwarnings("ignore::ratingnet.RatingTargetWarning")
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_expected_failures_give_reasons():
    failures = expected_failed_checks(KerasRegressor())

    assert "check_sample_weight_equivalence_on_dense_data" in failures
    assert all(len(reason) > 40 for reason in failures.values())
