"""warm_start=True: a fit continues the last one, as Keras's fit does."""

from ratingnet import KerasRegressor

import numpy as np
import pytest
from conftest import small_model


def test_warm_start_continues_training(regression_data):
    X, y = regression_data
    est = KerasRegressor(epochs=3, warm_start=True, random_state=0)

    est.fit(X, y)
    first_weights = [w.copy() for w in est.model_.get_weights()]
    est.fit(X, y)

    assert len(est.history_["loss"]) == 6
    assert not np.allclose(first_weights[0], est.model_.get_weights()[0])


def test_warm_start_histories_keep_one_value_per_epoch(regression_data):
    X, y = regression_data
    est = KerasRegressor(epochs=2, validation_split=0.2, warm_start=True)

    est.set_params(random_state=0).fit(X, y)
    est.set_params(validation_split=0.0).fit(X, y)

    assert len(est.history_["val_loss"]) == len(est.history_["loss"]) == 4
    assert np.isnan(est.history_["val_loss"][2:]).all()
    assert np.isfinite(est.history_["val_loss"][:2]).all()


def test_warm_start_equals_one_longer_fit_without_shuffle(regression_data):
    X, y = regression_data

    twice = KerasRegressor(epochs=2, warm_start=True, shuffle=False, random_state=0)
    twice.fit(X, y).fit(X, y)
    once = KerasRegressor(epochs=4, shuffle=False, random_state=0).fit(X, y)

    np.testing.assert_allclose(twice.predict(X), once.predict(X), rtol=1e-5)


def test_a_warm_refit_takes_a_new_loss_and_optimizer(regression_data):
    X, y = regression_data
    est = KerasRegressor(small_model, epochs=2, warm_start=True, random_state=0).fit(
        X, y
    )
    before = [w.copy() for w in est.model_.get_weights()]

    est.set_params(optimizer__learning_rate=0.0, loss="mae").fit(X, y)

    for old, new in zip(before, est.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)
    assert len(est.history_["loss"]) == 4
    with pytest.raises(ValueError, match="y has 2 column"):
        est.fit(X, np.c_[y, -y])


def test_a_warm_refit_on_other_columns_changes_nothing(regression_data):
    X, y = regression_data
    est = KerasRegressor(small_model, epochs=1, warm_start=True, random_state=0).fit(
        X, y
    )
    before = est.predict(X)

    with pytest.raises(ValueError, match="is expecting"):
        est.fit(np.c_[X, X], y)

    assert est.n_features_in_ == X.shape[1]
    np.testing.assert_array_equal(est.predict(X), before)


def test_a_warm_refit_that_fails_after_training_keeps_weights_and_history(
    regression_data, monkeypatch
):
    X, y = regression_data
    est = KerasRegressor(epochs=2, warm_start=True, random_state=0).fit(X, y)
    weights = [w.copy() for w in est.model_.get_weights()]
    history = {name: list(values) for name, values in est.history_.items()}

    def failing(*args, **kwargs):
        raise MemoryError("no room for the prediction program")

    monkeypatch.setattr("ratingnet._base._engine.predict_program", failing)
    with pytest.raises(MemoryError):
        est.fit(X, y)

    assert est.history_ == history
    for kept, now in zip(weights, est.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(kept, now)
