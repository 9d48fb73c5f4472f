import pickle
import warnings

from ratingnet import KerasRegressor
from ratingnet.exceptions import RatingnetWarning

import keras
import numpy as np
import pytest
import sklearn
from conftest import recipe, small_model
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


@pytest.fixture(scope="module")
def fitted(regression_data):
    X, y = regression_data
    est = KerasRegressor(recipe, epochs=30, batch_size=8, random_state=7)
    return est.fit(X, y)


def test_recipe_learns(fitted, regression_data):
    X, y = regression_data

    prediction = fitted.predict(X)

    assert prediction.shape == (len(X),)
    assert prediction.dtype == np.float64
    assert fitted.score(X, y) > 0.8


def test_history_records_loss_per_epoch(fitted):
    assert list(fitted.history_) == ["loss"]
    assert len(fitted.history_["loss"]) == 30
    assert fitted.history_["loss"][-1] < fitted.history_["loss"][0]


def test_same_seed_gives_identical_predictions(fitted, regression_data):
    X, y = regression_data

    again = KerasRegressor(recipe, epochs=30, batch_size=8, random_state=7).fit(X, y)

    np.testing.assert_array_equal(again.predict(X), fitted.predict(X))


def test_clone_refits_to_identical_predictions(fitted, regression_data):
    X, y = regression_data

    cloned = clone(fitted).fit(X, y)

    np.testing.assert_array_equal(cloned.predict(X), fitted.predict(X))


def test_pickle_keeps_predictions(fitted, regression_data):
    X, _ = regression_data

    restored = pickle.loads(pickle.dumps(fitted))

    np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))
    assert restored.history_ == fitted.history_


def test_different_seeds_differ(fitted, regression_data):
    X, y = regression_data

    other = KerasRegressor(recipe, epochs=30, batch_size=8, random_state=8).fit(X, y)

    assert not np.array_equal(other.predict(X), fitted.predict(X))


def test_cross_val_score_matches_plain_fits(regression_data):
    X, y = regression_data
    est = KerasRegressor(recipe, epochs=10, batch_size=8, random_state=3)
    folds = list(KFold(3, shuffle=True, random_state=0).split(X))

    scores = cross_val_score(est, X, y, cv=folds)

    by_hand = [clone(est).fit(X[tr], y[tr]).score(X[te], y[te]) for tr, te in folds]
    np.testing.assert_array_equal(scores, by_hand)


def test_grid_search_over_batch_size_and_routed_settings(regression_data):
    X, y = regression_data
    est = KerasRegressor(epochs=5, random_state=0, model__hidden_layer_sizes=(8,))
    grid = {"batch_size": [16, 32], "optimizer__learning_rate": [0.01, 0.001]}

    search = GridSearchCV(est, grid, cv=2).fit(X, y)

    assert set(search.best_params_) == {"batch_size", "optimizer__learning_rate"}
    assert search.best_estimator_.model_.layers[0].units == 8


def test_pipeline(regression_data):
    X, y = regression_data
    pipe = make_pipeline(StandardScaler(), KerasRegressor(recipe, epochs=5))

    assert pipe.fit(X, y).predict(X).shape == (len(X),)


def test_default_model_constructs_with_no_arguments(regression_data):
    X, y = regression_data

    est = KerasRegressor().fit(X, y)

    assert est.model_.layers[0].units == 100
    assert est.predict(X).shape == (len(X),)


def test_model_instance_gets_fresh_weights_each_fit(regression_data):
    X, y = regression_data
    model = recipe(X.shape[1])
    before = [w.copy() for w in model.get_weights()]
    est = KerasRegressor(model, epochs=3, random_state=0)

    first = est.fit(X, y).predict(X)
    second = clone(est).fit(X, y).predict(X)

    np.testing.assert_array_equal(first, second)
    for w, w0 in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(w, w0)
    assert est.model_ is not model
    assert clone(est).model is model


def test_build_function_receives_meta_and_routed_settings(regression_data):
    X, y = regression_data
    seen = {}

    def build(n_features_in_, n_outputs_, units, meta):
        seen.update(n_features_in_=n_features_in_, n_outputs_=n_outputs_, meta=meta)
        return keras.Sequential(
            [
                keras.Input((n_features_in_,)),
                keras.layers.Dense(units),
                keras.layers.Dense(n_outputs_),
            ]
        )

    KerasRegressor(build, epochs=1, model__units=7).fit(X, y)

    assert seen["n_features_in_"] == 4
    assert seen["n_outputs_"] == 1
    assert seen["meta"]["n_features_in_"] == 4


def test_estimator_settings_override_compiled_ones(regression_data):
    X, y = regression_data

    est = KerasRegressor(
        recipe,
        epochs=2,
        loss="mae",
        optimizer="sgd",
        optimizer__learning_rate=0.05,
        metrics=["mse"],
    ).fit(X, y)

    assert list(est.history_) == ["loss", "mse"]
    assert type(est._spec.optimizer).__name__ == "SGD"
    assert np.isclose(float(est._spec.optimizer.learning_rate), 0.05)


def test_multi_output_target(regression_data):
    X, y = regression_data
    Y = np.column_stack([y, -y])

    est = KerasRegressor(epochs=5, random_state=0).fit(X, Y)

    assert est.predict(X).shape == (len(X), 2)


def test_auto_range_is_each_output_columns_own(regression_data):
    X, y = regression_data
    Y = np.column_stack([y, 100 + 10 * y])

    est = KerasRegressor(epochs=5, target_range="auto", random_state=0).fit(X, Y)
    far = est.predict(np.vstack([X.min(0) - 50, X.max(0) + 50]))

    np.testing.assert_array_equal(est.target_range_[0], Y.min(0))
    np.testing.assert_array_equal(est.target_range_[1], Y.max(0))
    assert np.all((far >= Y.min(0)) & (far <= Y.max(0)))


def test_validation_split_and_validation_data(regression_data):
    X, y = regression_data

    split = KerasRegressor(epochs=4, validation_split=0.25, random_state=0).fit(X, y)
    given = KerasRegressor(epochs=4, random_state=0).fit(
        X[:90], y[:90], X_val=X[90:], y_val=y[90:]
    )

    assert len(split.history_["val_loss"]) == 4
    np.testing.assert_allclose(split.history_["val_loss"], given.history_["val_loss"])


def test_validation_split_holds_out_what_keras_holds_out(regression_data):
    X, y = regression_data
    X, y = X[:30], y[:30]
    weights = np.linspace(0.5, 3.0, 30)

    est = KerasRegressor(small_model, epochs=1, shuffle=False, validation_split=0.15)
    est.set_params(random_state=0, target_scaling=None).fit(X, y, weights)
    held_out = slice(25, None)  # floor(30 * 0.85) = 25 rows train, as in Keras
    errors = (est.predict(X[held_out]) - y[held_out]) ** 2

    expected = np.mean(weights[held_out] * errors)
    assert est.history_["val_loss"][0] == pytest.approx(expected, rel=1e-4)


def test_many_validation_rows_score_as_one_batch_would():
    # 3,000 validation rows: the program evaluates them in chunks.
    rng = np.random.default_rng(3)
    X = rng.normal(size=(6000, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + rng.normal(size=6000)
    weights = rng.uniform(0.5, 2.0, size=6000)

    def regularized(n_features_in_):
        penalty = keras.regularizers.L2(0.1)
        hidden = keras.layers.Dense(8, "relu", kernel_regularizer=penalty)
        model = keras.Sequential(
            [keras.Input((n_features_in_,)), hidden, keras.layers.Dense(1)]
        )
        model.compile(loss="mse", optimizer="adam", metrics=["mae"])
        return model

    est = KerasRegressor(regularized, epochs=1, batch_size=256, validation_split=0.5)
    est.set_params(random_state=0, target_scaling=None).fit(X, y, weights)
    held_out = slice(3000, None)
    kernel = est.model_.layers[0].kernel.numpy()
    errors = est.predict(X[held_out]) - y[held_out]

    expected = np.mean(weights[held_out] * errors**2) + 0.1 * np.sum(kernel**2)
    assert est.history_["val_loss"][0] == pytest.approx(expected, rel=1e-4)
    assert est.history_["val_mae"][0] == pytest.approx(
        np.mean(np.abs(errors)), rel=1e-4
    )


def test_losses_in_the_history_include_the_layers_losses(regression_data):
    X, y = regression_data

    def regularized(n_features_in_):
        penalty = keras.regularizers.L2(0.1)
        hidden = keras.layers.Dense(8, "relu", kernel_regularizer=penalty)
        return keras.Sequential(
            [keras.Input((n_features_in_,)), hidden, keras.layers.Dense(1)]
        )

    est = KerasRegressor(regularized, epochs=1, validation_split=0.2)
    est.set_params(random_state=0, target_scaling=None).fit(X, y)
    held_out = slice(int(len(X) * 0.8), None)
    kernel = est.model_.layers[0].kernel.numpy()

    data_loss = np.mean((est.predict(X[held_out]) - y[held_out]) ** 2)
    expected = data_loss + 0.1 * np.sum(kernel**2)
    assert est.history_["val_loss"][0] == pytest.approx(expected, rel=1e-4)


def test_metrics_count_every_row_as_kerass_metrics_do(regression_data):
    X, y = regression_data
    weights = np.where(np.arange(len(y)) < 10, 0.0, 1.0)
    weights[-1] = 50.0

    # With a learning rate of 0 the weights stay, so predict shows what the
    # metric saw in training.
    est = KerasRegressor(
        small_model, metrics=["mae"], epochs=1, optimizer__learning_rate=0.0
    )
    est.set_params(random_state=0, target_scaling=None).fit(X, y, weights)
    errors = np.abs(est.predict(X) - y)

    assert est.history_["mae"][0] == pytest.approx(np.mean(errors), rel=1e-4)
    assert est.history_["mae"][0] != pytest.approx(np.average(errors, weights=weights))


def test_weighted_metrics_weigh_rows_as_kerass_do(regression_data):
    X, y = regression_data
    weights = np.where(np.arange(len(y)) < 10, 0.0, 1.0)
    weights[-1] = 50.0

    def compiled(n_features_in_):
        model = small_model(n_features_in_)
        model.compile(loss="mse", metrics=["mae"], weighted_metrics=["mae", "mse"])
        return model

    est = KerasRegressor(compiled, epochs=1, optimizer__learning_rate=0.0)
    est.set_params(random_state=0, target_scaling=None, validation_split=0.2)
    est.fit(X, y, weights)
    train = slice(None, int(len(y) * 0.8))
    errors = est.predict(X[train]) - y[train]

    history = est.history_
    assert set(history) >= {"mae", "weighted_mae", "mse", "val_weighted_mae"}
    assert history["mae"][0] == pytest.approx(np.mean(np.abs(errors)), rel=1e-4)
    expected = np.average(np.abs(errors), weights=weights[train])
    assert history["weighted_mae"][0] == pytest.approx(expected, rel=1e-4)
    expected = np.average(errors**2, weights=weights[train])
    assert history["mse"][0] == pytest.approx(expected, rel=1e-4)


def test_metric_names_are_kerass(regression_data):
    X, y = regression_data
    extra = keras.metrics.MeanAbsoluteError(name="weighted_mae_extra")

    def compiled(n_features_in_):
        model = small_model(n_features_in_)
        metrics = ["mae", "mae", extra]
        model.compile(
            loss="mse", metrics=metrics, weighted_metrics=["mae", "mae", "mse"]
        )
        return model

    expected = compiled(X.shape[1]).fit(X, y, epochs=1, verbose=0).history
    est = KerasRegressor(compiled, epochs=1, random_state=0).fit(X, y)

    assert sorted(est.history_) == sorted(expected)


def test_validation_data_needs_both_halves_of_one_length(regression_data):
    X, y = regression_data
    est = KerasRegressor(epochs=1)

    with pytest.raises(ValueError, match="X_val has 7 rows but y_val has 10"):
        est.fit(X, y, X_val=X[:7], y_val=y[:10])
    with pytest.raises(ValueError, match="got X_val without y_val"):
        est.fit(X, y, X_val=X[:7])


def test_sample_weight_changes_the_fit(regression_data):
    X, y = regression_data
    weights = np.where(X[:, 0] > 0, 5.0, 0.1)

    plain = KerasRegressor(epochs=5, random_state=0).fit(X, y)
    weighted = KerasRegressor(epochs=5, random_state=0).fit(X, y, sample_weight=weights)

    assert not np.allclose(plain.predict(X), weighted.predict(X))


def test_verbose_two_prints_a_row_per_epoch(regression_data, capsys):
    X, y = regression_data

    KerasRegressor(epochs=3, verbose=2, validation_split=0.2).fit(X, y)

    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split() == ["epoch", "loss", "val_loss"]
    assert [line.split()[0] for line in lines[1:]] == ["1", "2", "3"]


def test_verbose_one_shows_a_progress_bar_over_epochs(regression_data, capsys):
    X, y = regression_data

    KerasRegressor(epochs=3, verbose=1).fit(X, y)

    out = capsys.readouterr().out
    assert "3/3" in out
    assert "loss" in out


def test_verbose_zero_prints_nothing(regression_data, capsys):
    X, y = regression_data

    KerasRegressor(epochs=2).fit(X, y)

    assert capsys.readouterr().out == ""


def test_normal_fit_emits_no_warnings(regression_data):
    X, y = regression_data

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        KerasRegressor(recipe, epochs=2).fit(X, y).predict(X)


def test_old_spellings_work_with_a_future_warning(regression_data):
    X, y = regression_data
    est = KerasRegressor(build_fn=recipe, nb_epoch=3, batch_size=5)

    with pytest.warns(FutureWarning, match="write model=recipe"):
        est.fit(X, y)

    assert len(est.history_["loss"]) == 3
    assert clone(est).get_params()["nb_epoch"] == 3


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_the_current_name_set_later_takes_over_from_an_old_spelling(regression_data):
    X, y = regression_data
    est = KerasRegressor(build_fn=recipe, nb_epoch=2, batch_size=16)

    search = GridSearchCV(est, {"epochs": [1, 3]}, cv=2).fit(X, y)

    assert len(search.best_estimator_.history_["loss"]) == search.best_params_["epochs"]
    assert search.best_estimator_.get_params()["nb_epoch"] is None


def test_an_old_spelling_beside_its_current_name_is_refused(regression_data):
    X, y = regression_data

    with pytest.raises(ValueError, match="both nb_epoch=3 and epochs=50"):
        KerasRegressor(recipe, nb_epoch=3, epochs=50).fit(X, y)


def test_huber_deltas_train_programs_of_their_own(regression_data):
    X, y = regression_data

    losses = [
        KerasRegressor(
            small_model, loss=keras.losses.Huber, loss__delta=delta, epochs=2
        )
        .set_params(random_state=0, target_scaling=None)
        .fit(X, 10 * y)
        .history_["loss"][-1]
        for delta in (0.01, 100.0)
    ]

    assert losses[1] > 10 * losses[0]


def test_metric_functions_of_one_name_are_told_apart(regression_data):
    X, y = regression_data

    def scaled(k):
        def scaled_mae(y_true, y_pred):
            return k * keras.ops.mean(keras.ops.abs(y_true - y_pred), axis=-1)

        return scaled_mae

    values = [
        KerasRegressor(small_model, metrics=[scaled(k)], epochs=1, random_state=0)
        .fit(X, y)
        .history_["scaled_mae"][-1]
        for k in (1.0, 100.0)
    ]

    assert values[1] == pytest.approx(100 * values[0], rel=1e-4)


def test_a_layer_class_defined_again_gets_its_own_program(regression_data):
    X, y = regression_data
    predictions = []
    for factor in (1.0, 0.0):

        class Scale(keras.layers.Layer):
            scale = factor

            def call(self, x):
                return x * self.scale

        def build(n_features_in_):
            return keras.Sequential(
                [keras.Input((n_features_in_,)), Scale(), keras.layers.Dense(1)]
            )

        est = KerasRegressor(build, epochs=1, random_state=0).fit(X, y)
        predictions.append(est.predict(X[:5]))

    assert np.ptp(predictions[1]) == 0.0
    assert np.ptp(predictions[0]) > 0.0


class _TwoLayers(keras.Model):
    """The recipe's network as a subclassed model, whose call takes no training."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(10, activation="relu")
        self.out = keras.layers.Dense(1)

    def call(self, x):
        return self.out(self.hidden(x))


def test_a_subclassed_model_trains_as_its_sequential_twin(regression_data):
    X, y = regression_data

    subclassed = KerasRegressor(_TwoLayers, epochs=5, random_state=0).fit(X, y)
    sequential = KerasRegressor(recipe, epochs=5, random_state=0).fit(X, y)

    np.testing.assert_allclose(subclassed.predict(X), sequential.predict(X), rtol=1e-5)


def test_a_loss_of_one_number_per_batch_is_warned_about(regression_data):
    X, y = regression_data

    def batch_mse(y_true, y_pred):
        return keras.ops.mean(keras.ops.square(y_true - y_pred))

    with pytest.warns(RatingnetWarning, match="'batch_mse' returns one number per"):
        KerasRegressor(small_model, loss=batch_mse, epochs=1).fit(X, y)


def test_clone_keeps_metadata_requests_and_loss_arguments():
    est = KerasRegressor(loss=keras.losses.Huber(delta=3.0))
    with sklearn.config_context(enable_metadata_routing=True):
        est.set_fit_request(sample_weight=True)
        copied = clone(est)
        requests = copied.get_metadata_routing().fit.requests

    assert requests["sample_weight"] is True
    assert copied.loss._fn_kwargs["delta"] == 3.0


def test_sparse_rows_from_a_one_hot_encoder(regression_data):
    X, y = regression_data
    codes = (X[:, :2] > 0).astype(int)
    pipeline = make_pipeline(OneHotEncoder(), KerasRegressor(epochs=1, random_state=0))

    dense = OneHotEncoder(sparse_output=False).fit_transform(codes)
    expected = KerasRegressor(epochs=1, random_state=0).fit(dense, y).predict(dense)

    np.testing.assert_allclose(pipeline.fit(codes, y).predict(codes), expected)


def test_a_misspelled_model_setting_is_refused(regression_data):
    X, y = regression_data

    def build(n_features_in_, units=10):
        return keras.Sequential(
            [
                keras.Input((n_features_in_,)),
                keras.layers.Dense(units),
                keras.layers.Dense(1),
            ]
        )

    with pytest.raises(TypeError, match="Did you mean model__units"):
        KerasRegressor(build, model__unit=64, epochs=1).fit(X, y)


def test_pickle_keeps_the_arguments_of_a_keras_loss(regression_data):
    X, y = regression_data
    est = KerasRegressor(small_model, loss=keras.losses.Huber(delta=3.0), epochs=2)
    est.set_params(random_state=0).fit(X, y)

    again = pickle.loads(pickle.dumps(est))

    assert again.loss._fn_kwargs["delta"] == 3.0
    np.testing.assert_array_equal(again.predict(X), est.predict(X))
    refit = pickle.loads(pickle.dumps(clone(est))).fit(X, y)
    np.testing.assert_array_equal(refit.predict(X), est.predict(X))


def test_a_diverged_training_is_warned_about(regression_data):
    X, y = regression_data
    est = KerasRegressor(
        recipe, optimizer="sgd", optimizer__learning_rate=1e6, epochs=3, random_state=0
    )

    with pytest.warns(RatingnetWarning, match="Training diverged"):
        est.fit(X, y)
