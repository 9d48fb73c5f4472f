import warnings

from ratingnet import KerasRegressor
from ratingnet.compat import Dense, Dropout

import keras
import numpy as np
import pytest
from sklearn.model_selection import KFold, cross_val_score


def keras1_recipe():
    model = keras.Sequential()
    model.add(Dense(13, input_dim=4, init="normal", activation="relu"))
    model.add(Dropout(p=0.1))
    model.add(Dense(1, init="normal"))
    model.compile(loss="mean_squared_error", optimizer="adam")
    return model


def test_keras1_arguments_run_with_warnings(regression_data):
    X, y = regression_data

    with pytest.warns(FutureWarning) as record:
        est = KerasRegressor(model=keras1_recipe, epochs=3, batch_size=5).fit(X, y)

    messages = " ".join(str(w.message) for w in record)
    assert "kernel_initializer" in messages
    assert "keras.Input" in messages
    assert "rate=" in messages
    assert est.predict(X).shape == (len(X),)


def test_layers_are_plain_keras_layers():
    with pytest.warns(FutureWarning):
        layer = Dense(output_dim=3, init="zeros")

    assert type(layer) is keras.layers.Dense
    assert layer.units == 3
    layer.build((None, 2))
    np.testing.assert_array_equal(layer.kernel.numpy(), np.zeros((2, 3)))


def test_the_recipe_warns_once_per_line_across_folds(regression_data):
    X, y = regression_data
    est = KerasRegressor(build_fn=keras1_recipe, nb_epoch=1, batch_size=16)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        cross_val_score(est, X, y, cv=KFold(3))

    # One per message and line, not per fold: build_fn, nb_epoch, and the
    # recipe's input_dim, p and init (init on two of its lines).
    shown = [(str(w.message), w.lineno) for w in caught if w.category is FutureWarning]
    assert len(shown) == len(set(shown)) == 6
