import pickle

from ratingnet import KerasClassifier

import keras
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import cross_val_predict, cross_val_score


@pytest.fixture(scope="module")
def fitted(classification_data):
    X, y = classification_data
    return KerasClassifier(epochs=30, random_state=0, metrics=["accuracy"]).fit(X, y)


def test_labels_come_back_in_the_users_type(fitted, classification_data):
    X, y = classification_data

    prediction = fitted.predict(X)

    assert list(fitted.classes_) == ["high", "low"]
    assert prediction.dtype == y.dtype
    assert fitted.score(X, y) > 0.9


def test_predict_proba_rows_sum_to_one(fitted, classification_data):
    X, _ = classification_data

    proba = fitted.predict_proba(X)

    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(
        fitted.classes_[proba.argmax(axis=1)], fitted.predict(X)
    )


def test_accuracy_metric_matches_the_output(fitted):
    assert fitted.model_.layers[-1].units == 1
    assert fitted.history_["accuracy"][-1] > 0.8


@pytest.mark.filterwarnings("ignore::ratingnet.RatingTargetWarning")
def test_multiclass_integer_labels(classification_data):
    X, _ = classification_data
    y = np.digitize(X[:, 0], [-0.5, 0.5]) * 10

    est = KerasClassifier(epochs=20, random_state=0).fit(X, y)

    assert list(est.classes_) == [0, 10, 20]
    assert est.model_.layers[-1].units == 3
    assert est.predict_proba(X).shape == (len(X), 3)
    assert set(est.predict(X)) <= {0, 10, 20}


@pytest.mark.filterwarnings("ignore::ratingnet.RatingTargetWarning")
def test_logits_and_one_hot_losses(classification_data):
    X, _ = classification_data
    y = np.digitize(X[:, 0], [-0.5, 0.5])

    def logits_model(n_features_in_, n_classes_):
        return keras.Sequential(
            [keras.Input((n_features_in_,)), keras.layers.Dense(n_classes_)]
        )

    est = KerasClassifier(
        logits_model,
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        epochs=100,
        random_state=0,
    ).fit(X, y)

    proba = est.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert est.score(X, y) > 0.7


def test_accuracy_with_a_one_hot_loss_is_categorical_accuracy(classification_data):
    X, _ = classification_data
    y = np.array(["a", "b", "c"])[np.digitize(X[:, 0], [-0.5, 0.5])]

    est = KerasClassifier(
        loss="categorical_crossentropy", metrics=["accuracy"], epochs=30, random_state=0
    ).fit(X, y)

    assert est.history_["accuracy"][-1] > 0.6
    assert type(est._spec.metrics[0]).__name__ == "CategoricalAccuracy"


def test_an_output_without_probabilities_needs_a_logits_loss(classification_data):
    X, y = classification_data

    def linear_output(n_features_in_):
        return keras.Sequential([keras.Input((n_features_in_,)), keras.layers.Dense(1)])

    with pytest.raises(ValueError, match="ends in a linear activation, but the loss"):
        KerasClassifier(linear_output, epochs=1).fit(X, y)


def test_probabilities_with_a_logits_loss_are_refused(classification_data):
    X, _ = classification_data

    def softmax_output(n_features_in_):
        return keras.Sequential(
            [
                keras.Input((n_features_in_,)),
                keras.layers.Dense(3, activation="softmax"),
            ]
        )

    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with pytest.raises(ValueError, match="apply the softmax a second time"):
        KerasClassifier(softmax_output, loss=loss, epochs=1).fit(
            X, np.arange(len(X)) % 3
        )


@pytest.mark.parametrize(
    ("labels", "dtype"),
    [([0, 1], "Int64"), ([False, True], "boolean")],
)
def test_nullable_pandas_labels_keep_their_type(classification_data, labels, dtype):
    X, y = classification_data
    y = pd.Series(np.asarray(labels)[(y == y[0]).astype(int)], dtype=dtype)

    est = KerasClassifier(epochs=1).fit(X, y)

    assert est.classes_.dtype == y.dtype.numpy_dtype
    assert est.predict(X[:3]).dtype == y.dtype.numpy_dtype


def test_missing_labels_are_named(classification_data):
    X, y = classification_data
    labels = np.where(y == 1, "yes", "no").astype(object)
    labels[4] = None

    with pytest.raises(ValueError, match="missing values .* 1 of .* at positions 4 "):
        KerasClassifier(epochs=1).fit(X, labels)


def test_pickle_and_clone(fitted, classification_data):
    X, y = classification_data

    restored = pickle.loads(pickle.dumps(fitted))
    refit = clone(fitted).fit(X, y)

    np.testing.assert_array_equal(restored.predict_proba(X), fitted.predict_proba(X))
    np.testing.assert_array_equal(refit.predict_proba(X), fitted.predict_proba(X))


def test_cross_val_score(classification_data):
    X, y = classification_data

    scores = cross_val_score(KerasClassifier(epochs=10, random_state=0), X, y, cv=3)

    assert scores.shape == (3,)
    assert scores.min() > 0.7


def test_the_default_head_follows_a_categorical_loss(classification_data):
    X, y = classification_data
    two = np.where(y == y[0], "same", "other")

    for loss in ("sparse_categorical_crossentropy", "categorical_crossentropy"):
        est = KerasClassifier(loss=loss, epochs=20, random_state=0).fit(X, two)
        assert est.model_.output_shape[-1] == 2
        assert est.history_["loss"][-1] < est.history_["loss"][0]


def test_a_loss_that_misreads_the_head_is_refused(classification_data):
    X, y = classification_data
    many = np.arange(len(y)) % 3

    def one_unit(n_features_in_):
        return keras.Sequential(
            [keras.Input((n_features_in_,)), keras.layers.Dense(1, "sigmoid")]
        )

    with pytest.raises(ValueError, match="compares one column"):
        KerasClassifier(loss="binary_crossentropy", epochs=1).fit(X, many)
    two = np.where(y == y[0], "same", "other")
    loss = "sparse_categorical_crossentropy"
    with pytest.raises(ValueError, match="over which it is always 0"):
        KerasClassifier(one_unit, loss=loss, epochs=1).fit(X, two)


def test_log_probabilities_for_scikit_learns_tools(classification_data):
    X, y = classification_data
    est = KerasClassifier(epochs=2, random_state=0).fit(X, y)

    logs = cross_val_predict(est, X, y, cv=2, method="predict_log_proba")

    np.testing.assert_allclose(np.exp(est.predict_log_proba(X)), est.predict_proba(X))
    assert logs.shape == (len(y), len(est.classes_))
