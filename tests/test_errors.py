"""Every user-facing message: what was wrong, what was received, what to do."""

from ratingnet import (
    KerasClassifier,
    KerasRegressor,
    NotFittedError,
    RatingRegressor,
    cross_validate,
)

import keras
import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError as SklearnNotFittedError


@pytest.fixture
def data(regression_data):
    X, y = regression_data
    return X.copy(), y.copy()


def test_nan_in_X(data):
    X, y = data
    X[3, 1] = np.nan

    with pytest.raises(ValueError, match="Input X contains NaN"):
        KerasRegressor(epochs=1).fit(X, y)


def test_infinity_in_X(data):
    X, y = data
    X[0, 0] = np.inf

    with pytest.raises(ValueError, match="Input X contains infinity"):
        KerasRegressor(epochs=1).fit(X, y)


def test_missing_values_in_X_are_found_by_column_and_row(data):
    X, y = data
    frame = pd.DataFrame(X, columns=["a", "alcohol", "c", "d"])
    frame.iloc[[3, 5], 0] = np.nan
    frame.iloc[2, 1] = np.inf

    with pytest.raises(ValueError) as error:
        KerasRegressor(epochs=1).fit(frame, y)

    message = str(error.value)
    assert message.startswith(
        "Input X contains NaN and infinity: column 'a' (NaN in 2 rows, "
        "positions 3, 5), column 'alcohol' (infinity at position 2)."
    )
    assert "SimpleImputer" in message and "RatingRegressor" in message


def test_infinity_in_X_is_not_called_missing(data):
    X, y = data
    X[[4, 6], 2] = np.inf
    X[6, 2] = -np.inf

    with pytest.raises(ValueError) as error:
        KerasRegressor(epochs=1).fit(X, y)

    assert (
        "Input X contains infinity: column 2 (infinity in 2 rows, positions 4, 6)"
        in str(error.value)
    )
    assert "NaN" not in str(error.value)


def test_nan_in_y(data):
    X, y = data
    y[5] = np.nan

    with pytest.raises(
        ValueError, match=r"y contains missing .* in 1 of .* at positions 5 "
    ):
        KerasRegressor(epochs=1).fit(X, y)


def test_missing_and_infinite_targets_are_named_by_their_rows(data):
    X, y = data
    missing = pd.Series(y).astype("Float64")
    missing[[2, 9]] = pd.NA
    infinite = y.copy()
    infinite[[0, 4, 6, 7, 8, 11]] = np.inf

    with pytest.raises(ValueError, match=r"2 of .* rows, at positions 2, 9 "):
        RatingRegressor(epochs=1).fit(X, missing)
    with pytest.raises(ValueError, match=r"infinite .* 0, 4, 6, 7, 8, \.\.\. "):
        KerasRegressor(epochs=1).fit(X, infinite)
    with pytest.raises(ValueError, match=r"keep = np.isfinite\(y_val\)"):
        KerasRegressor(epochs=1).fit(X, y, X_val=X[:5], y_val=infinite[:5])


def test_wrong_number_of_features_at_predict(data):
    X, y = data
    est = KerasRegressor(epochs=1).fit(X, y)

    with pytest.raises(ValueError, match="X has 3 features, but KerasRegressor is"):
        est.predict(X[:, :3])


def test_one_dimensional_X(data):
    X, y = data

    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        KerasRegressor(epochs=1).fit(X[:, 0], y)


def test_empty_X():
    with pytest.raises(ValueError, match="0 sample"):
        KerasRegressor(epochs=1).fit(np.empty((0, 3)), np.empty(0))


def test_text_columns_are_named(data):
    X, y = data
    table = pd.DataFrame(X, columns=list("abcd")).assign(colour="red")

    with pytest.raises(ValueError, match="non-numeric columns: colour. Encode"):
        KerasRegressor(epochs=1).fit(table, y)


def test_text_labels_as_a_regression_target_are_refused(data):
    X, _ = data
    y = np.array(["poor", "good", "fair", "3"] * (len(X) // 4))

    with pytest.raises(ValueError, match=r"text labels \('poor', 'good', 'fair'\)"):
        KerasRegressor(epochs=1).fit(X[: len(y)], y)


@pytest.mark.parametrize("setting", [{"epochs": 0}, {"epochs": -1}, {"batch_size": 0}])
def test_counts_below_one_are_refused(data, setting):
    X, y = data
    name = next(iter(setting))

    with pytest.raises(ValueError, match=f"{name} must be a whole number"):
        KerasRegressor(**setting).fit(X, y)


def test_model_output_must_fit_the_target(data):
    X, y = data

    def three_outputs():
        return keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])

    with pytest.raises(ValueError, match=r"3 units, but the target has 1 column"):
        KerasRegressor(three_outputs, epochs=1).fit(X, y)


def test_classifier_output_must_fit_the_classes(classification_data):
    X, y = classification_data

    def five_outputs():
        return keras.Sequential(
            [keras.Input((3,)), keras.layers.Dense(5, activation="softmax")]
        )

    with pytest.raises(ValueError, match="5 units, but y has 2 classes"):
        KerasClassifier(five_outputs, epochs=1).fit(X, y)


def test_model_inputs_must_cover_the_columns(data):
    X, y = data

    def two_columns():
        return keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])

    with pytest.raises(ValueError, match=r"widths \[2\] \(2 columns in all\), but X"):
        KerasRegressor(two_columns, epochs=1).fit(X, y)


def test_build_function_must_return_a_model(data):
    X, y = data

    with pytest.raises(TypeError, match="returned NoneType. End it with"):
        KerasRegressor(lambda: None, epochs=1).fit(X, y)


def test_unknown_parameter_suggests_the_closest(data):
    X, y = data

    with pytest.raises(TypeError, match="unknown parameter 'epoch'. Did you mean"):
        KerasRegressor(epoch=3).fit(X, y)


def test_bad_validation_split(data):
    X, y = data

    with pytest.raises(ValueError, match=r"validation_split must be in \[0, 1\)"):
        KerasRegressor(epochs=1, validation_split=1.5).fit(X, y)


def test_single_class(classification_data):
    X, _ = classification_data

    with pytest.raises(ValueError, match="only one class"):
        KerasClassifier(epochs=1).fit(X, np.zeros(len(X)))


def test_predict_before_fit_is_also_sklearns_error(data):
    X, _ = data

    with pytest.raises(NotFittedError, match="not fitted yet. Call 'fit'"):
        KerasRegressor().predict(X)
    assert issubclass(NotFittedError, SklearnNotFittedError)


def test_bad_optimizer_and_loss(data):
    X, y = data

    with pytest.raises(TypeError, match="optimizer must be a Keras optimizer"):
        KerasRegressor(optimizer=3, epochs=1).fit(X, y)
    with pytest.raises(TypeError, match="loss must be a Keras loss name"):
        KerasRegressor(loss=3, epochs=1).fit(X, y)


@pytest.mark.parametrize("estimator", [KerasRegressor, RatingRegressor])
def test_a_refused_refit_leaves_the_fitted_estimator_as_it_was(data, estimator):
    X, y = data
    est = estimator(epochs=2, random_state=0).fit(X, y)
    before = est.predict(X[:5])
    refused = y.copy()
    refused[0] = np.nan

    with pytest.raises(ValueError, match="y contains missing"):
        est.fit(X[:, :2], refused)

    assert est.n_features_in_ == 4
    np.testing.assert_array_equal(est.predict(X[:5]), before)
    with pytest.raises(ValueError, match="X has 2 features"):
        est.predict(X[:5, :2])


def test_cross_validate_without_a_target_says_to_pass_one(data):
    X, _ = data

    with pytest.raises(ValueError, match="cross_validate got y=None. Pass the"):
        cross_validate(RatingRegressor(epochs=1), X, None, error_score="raise")


@pytest.mark.parametrize("estimator", [KerasRegressor, KerasClassifier])
def test_negative_sample_weights_are_refused(data, estimator):
    X, y = data
    labels = (y > 0).astype(int)
    weights = np.ones(len(y))
    weights[[2, 7]] = -1.0

    with pytest.raises(
        ValueError, match="negative in 2 of 120 rows, at positions 2, 7"
    ):
        estimator(epochs=1).fit(X, labels, sample_weight=weights)


def test_unseen_labels_are_listed_as_python_writes_them(data):
    X, _ = data
    labels = np.array(["a", "b"] * 60)
    est = KerasClassifier(epochs=1, warm_start=True, random_state=0).fit(X, labels)

    with pytest.raises(
        ValueError, match="not seen in fit: 'c'. The classes are 'a', 'b'"
    ):
        est.fit(X, np.array(["a", "c"] * 60))


def test_a_model_function_parameter_nothing_fills_is_named(data):
    X, y = data

    def build(n_features):
        return keras.Sequential([keras.Input((n_features,)), keras.layers.Dense(1)])

    hint = r"needs 'n_features', which nothing gives it\. Did you mean n_features_in_"
    with pytest.raises(TypeError, match=hint):
        KerasRegressor(build, epochs=1).fit(X, y)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"verbose": "x"}, r"verbose must be 0 \(silent\), 1 \(a progress bar\) or 2"),
        ({"verbose": -1}, "verbose must be 0"),
        ({"round_predictions": "yes"}, "round_predictions must be True or False"),
    ],
)
@pytest.mark.parametrize("estimator", [KerasRegressor, RatingRegressor])
def test_switches_take_only_their_values(data, estimator, setting, message):
    X, y = data

    with pytest.raises(ValueError, match=message):
        estimator(epochs=1, **setting).fit(X, y)
