import ratingnet._cross_validation as cv_module
from ratingnet import KerasRegressor, cross_validate

import keras
import numpy as np
import pandas as pd
import pytest
import sklearn
from conftest import recipe
from sklearn import model_selection
from sklearn.compose import make_column_transformer
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


@pytest.fixture
def folds():
    return KFold(4, shuffle=True, random_state=0)


def test_scores_agree_with_scikit_learn(regression_data, folds):
    X, y = regression_data
    est = make_pipeline(
        StandardScaler(), KerasRegressor(recipe, epochs=5, batch_size=8, random_state=1)
    )
    scoring = ["neg_root_mean_squared_error", "r2"]

    options = dict(return_train_score=True, return_estimator=True, return_indices=True)

    ours = cross_validate(est, X, y, cv=folds, scoring=scoring, **options)
    theirs = model_selection.cross_validate(
        est, X, y, cv=folds, scoring=scoring, **options
    )

    assert list(ours) == list(theirs)
    for key in ("test_r2", "train_r2", "test_neg_root_mean_squared_error"):
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-4)
    assert type(ours["indices"]["test"]) is type(theirs["indices"]["test"])


def test_folds_of_other_sizes_agree_with_scikit_learn(regression_data):
    # 96 and 48 training rows at batch 8: one fold's epoch has 12 batches of
    # rows, the other's 6 and then padding, which must change nothing.
    X, y = regression_data
    rows = np.arange(len(y))
    folds = [(rows[:96], rows[96:]), (rows[72:], rows[:72])]
    est = KerasRegressor(recipe, epochs=4, batch_size=8, random_state=1)

    ours = cross_validate(est, X, y, cv=folds)
    theirs = model_selection.cross_validate(est, X, y, cv=folds)

    np.testing.assert_allclose(ours["test_score"], theirs["test_score"], rtol=1e-4)


def _counting_runs(monkeypatch):
    runs = []
    real = cv_module._train_together
    monkeypatch.setattr(
        cv_module,
        "_train_together",
        lambda plans: runs.append(len(plans)) or real(plans),
    )
    return runs


def test_folds_train_together_in_one_run(regression_data, folds, monkeypatch):
    X, y = regression_data
    runs = _counting_runs(monkeypatch)

    result = cross_validate(KerasRegressor(epochs=2), X, y, cv=folds)

    assert runs == [4]
    assert result["test_score"].shape == (4,)


def test_returned_estimators_are_fitted_per_fold(regression_data, folds):
    X, y = regression_data

    result = cross_validate(
        KerasRegressor(epochs=3, random_state=0),
        X,
        y,
        cv=folds,
        return_estimator=True,
        return_indices=True,
    )

    first, second = result["estimator"][:2]
    assert not np.array_equal(first.predict(X), second.predict(X))
    assert len(result["indices"]["test"]) == 4


def test_other_estimators_fall_back_to_scikit_learn(regression_data, folds):
    X, y = regression_data

    ours = cross_validate(Ridge(), X, y, cv=folds, scoring="rmse")
    theirs = model_selection.cross_validate(
        Ridge(), X, y, cv=folds, scoring="neg_root_mean_squared_error"
    )

    np.testing.assert_allclose(ours["test_score"], theirs["test_score"])


def test_fewer_rows_than_folds_is_refused(regression_data):
    X, y = regression_data

    with pytest.raises(ValueError, match="n_splits=5 greater than the number of"):
        cross_validate(KerasRegressor(epochs=1), X[:3], y[:3], cv=5)


def _table_with_rare_levels():
    # Levels e and f are on one row each, missing from the training rows of
    # the folds that test that row: a one-hot encoder fitted per fold gives
    # the folds different numbers of columns.
    rng = np.random.default_rng(0)
    n = 120
    level = rng.choice(list("abcd"), size=n, p=[0.4, 0.3, 0.2, 0.1])
    level[:2] = ["e", "f"]
    numbers = rng.normal(size=(n, 2))
    X = pd.DataFrame({"level": level, "x0": numbers[:, 0], "x1": numbers[:, 1]})
    y = numbers[:, 0] + (level == "a") + rng.normal(scale=0.3, size=n)
    return X, y


def _one_hot_pipeline(model):
    encoder = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["level"]),
        remainder=StandardScaler(),
    )
    regressor = KerasRegressor(model, epochs=4, batch_size=8, random_state=1)
    return make_pipeline(encoder, regressor)


def test_folds_of_other_widths_train_together_and_agree(folds, monkeypatch):
    X, y = _table_with_rare_levels()
    runs = _counting_runs(monkeypatch)

    ours = cross_validate(
        _one_hot_pipeline(recipe), X, y, cv=folds, return_estimator=True
    )
    theirs = model_selection.cross_validate(_one_hot_pipeline(recipe), X, y, cv=folds)

    assert runs == [4]
    np.testing.assert_allclose(ours["test_score"], theirs["test_score"], rtol=1e-4)
    widths = [fold[-1].model_.input_shape[1] for fold in ours["estimator"]]
    assert len(set(widths)) > 1
    assert widths == [fold[-1].n_features_in_ for fold in ours["estimator"]]


def test_folds_of_other_widths_without_a_dense_first_layer_fall_back(
    folds, monkeypatch
):
    def rescaled_recipe(n_features_in_):
        model = keras.Sequential(
            [
                keras.Input((n_features_in_,)),
                keras.layers.GaussianNoise(0.1),
                keras.layers.Dense(10, activation="relu"),
                keras.layers.Dense(1),
            ]
        )
        model.compile(loss="mse", optimizer="adam")
        return model

    X, y = _table_with_rare_levels()
    runs = _counting_runs(monkeypatch)

    ours = cross_validate(_one_hot_pipeline(rescaled_recipe), X, y, cv=folds)
    theirs = model_selection.cross_validate(
        _one_hot_pipeline(rescaled_recipe), X, y, cv=folds
    )

    assert runs == []
    np.testing.assert_allclose(ours["test_score"], theirs["test_score"], rtol=1e-4)


def test_widened_folds_keep_their_optimizers_state(folds):
    X, y = _table_with_rare_levels()
    options = dict(cv=folds, return_estimator=True, return_indices=True)

    ours = cross_validate(_one_hot_pipeline(recipe), X, y, **options)
    theirs = model_selection.cross_validate(_one_hot_pipeline(recipe), X, y, **options)

    # Training on from each fold's state: Adam's slots and step count decide
    # the next steps.
    for mine, reference, rows in zip(
        ours["estimator"], theirs["estimator"], ours["indices"]["train"], strict=True
    ):
        encoded = mine[:-1].transform(X.iloc[rows])
        for fold in (mine, reference):
            fold[-1].set_params(warm_start=True, epochs=2).fit(encoded, y[rows])
        np.testing.assert_allclose(
            mine.predict(X), reference.predict(X), rtol=1e-4, atol=1e-5
        )


def _recipe_with(**settings):
    regularizer = settings.pop("kernel_regularizer", None)

    def model(n_features_in_):
        hidden = keras.layers.Dense(
            10, activation="relu", kernel_regularizer=regularizer
        )
        model = keras.Sequential(
            [keras.Input((n_features_in_,)), hidden, keras.layers.Dense(1)]
        )
        model.compile(loss="mse", **settings)
        return model

    return model


@pytest.mark.parametrize(
    "settings",
    [
        {"optimizer": "adafactor"},
        {"optimizer": "adam", "kernel_regularizer": "orthogonal_regularizer"},
    ],
)
def test_folds_of_other_widths_whose_training_sees_zero_rows_fall_back(
    folds, monkeypatch, settings
):
    X, y = _table_with_rare_levels()
    runs = _counting_runs(monkeypatch)
    model = _recipe_with(**settings)

    ours = cross_validate(_one_hot_pipeline(model), X, y, cv=folds)
    theirs = model_selection.cross_validate(_one_hot_pipeline(model), X, y, cv=folds)

    assert runs == []
    np.testing.assert_allclose(ours["test_score"], theirs["test_score"], rtol=1e-4)


def test_a_scorer_may_return_several_scores(regression_data, folds):
    X, y = regression_data
    est = KerasRegressor(recipe, epochs=2, batch_size=8, random_state=1)

    def scores(estimator, X, y):
        predicted = estimator.predict(X)
        return {"mse": np.mean((predicted - y) ** 2), "mean": np.mean(predicted)}

    ours = cross_validate(est, X, y, cv=folds, scoring=scores)
    theirs = model_selection.cross_validate(est, X, y, cv=folds, scoring=scores)

    assert (
        set(ours) == set(theirs) == {"fit_time", "score_time", "test_mse", "test_mean"}
    )
    np.testing.assert_allclose(ours["test_mse"], theirs["test_mse"], rtol=1e-4)


def test_scores_are_python_numbers_as_in_scikit_learn(regression_data, folds):
    X, y = regression_data
    est = KerasRegressor(recipe, epochs=1, batch_size=8, random_state=1)

    def single_precision(estimator, X, y):
        return np.float32(np.mean((estimator.predict(X) - y) ** 2))

    ours = cross_validate(est, X, y, cv=folds, scoring=single_precision)
    theirs = model_selection.cross_validate(
        est, X, y, cv=folds, scoring=single_precision
    )

    assert ours["test_score"].dtype == theirs["test_score"].dtype == np.float64


@pytest.mark.parametrize("returned", ["bad", np.array([1.0, 2.0]), {"a": "bad"}])
def test_a_scorer_that_returns_no_number_is_refused(regression_data, returned):
    X, y = regression_data
    est = KerasRegressor(recipe, epochs=1, batch_size=8, random_state=1)

    with pytest.raises(ValueError, match="which is not a number"):
        cross_validate(est, X, y, cv=3, scoring=lambda *_: returned)


@pytest.mark.parametrize(
    ("scoring", "message"),
    [
        ("rmsee", r"scoring is 'rmsee', which is not a scorer name. Did you mean"),
        (["r2", "neg_rmse"], r"scoring\[1\] is 'neg_rmse', which is not a scorer"),
        (["r2", None], r"scoring\[1\] is None, which is not a scorer"),
        ({"a": "r2", "b": 3}, r"scoring\['b'\] is 3, which is not a scorer"),
    ],
)
@pytest.mark.parametrize("one_at_a_time", [False, True])
def test_an_unknown_scorer_is_refused_by_its_place(
    regression_data, scoring, message, one_at_a_time
):
    X, y = regression_data
    est = KerasRegressor(recipe, epochs=1, batch_size=8, random_state=1)
    # Sample weights send the folds to scikit-learn's cross_validate.
    params = {"sample_weight": np.ones(len(y))} if one_at_a_time else None

    with pytest.raises(ValueError, match=message):
        cross_validate(est, X, y, cv=3, scoring=scoring, params=params)


def test_a_failing_scorer_scores_error_score_or_raises(regression_data, folds):
    X, y = regression_data
    est = KerasRegressor(recipe, epochs=1, batch_size=8, random_state=1)

    def broken(estimator, X, y):
        raise RuntimeError("broken scorer")

    with pytest.warns(UserWarning, match="Scoring failed(.|\n)*broken scorer"):
        result = cross_validate(est, X, y, cv=folds, scoring=broken)
    assert np.isnan(result["test_score"]).all()
    with pytest.raises(RuntimeError, match="broken scorer"):
        cross_validate(est, X, y, cv=folds, scoring=broken, error_score="raise")


def test_a_scorer_of_several_scores_that_fails_on_a_fold_keeps_them_aligned(
    regression_data,
):
    X, y = regression_data
    rows = np.arange(len(y))
    folds = [(rows[20:], rows[:20]), (rows[:-20], rows[-20:])]
    est = KerasRegressor(recipe, epochs=1, batch_size=8, random_state=1)

    def fails_on_the_first_rows(estimator, X_part, y_part):
        if np.array_equal(X_part, X[:20]):
            raise RuntimeError("broken on this fold")
        return {"mean": float(np.mean(estimator.predict(X_part))), "rows": len(y_part)}

    with pytest.warns(UserWarning, match="broken on this fold"):
        result = cross_validate(est, X, y, cv=folds, scoring=fails_on_the_first_rows)

    assert sorted(k for k in result if k.startswith("test_")) == [
        "test_mean",
        "test_rows",
    ]
    assert np.isnan(result["test_rows"][0]) and result["test_rows"][1] == 20


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ({"scoring": []}, "Empty list"),
        ({"scoring": ["r2", "r2"]}, "Duplicate elements"),
        ({"scoring": {"r2", "max_error"}}, "scoring must be a scorer name"),
        ({"error_score": "nan"}, "error_score must be the string 'raise'"),
        ({"return_train_score": "no"}, "return_train_score must be True or False"),
    ],
)
def test_options_scikit_learn_refuses_are_refused(regression_data, option, message):
    X, y = regression_data
    est = KerasRegressor(recipe, epochs=1, batch_size=8)

    with pytest.raises(ValueError, match=message):
        cross_validate(est, X, y, cv=3, **option)


def test_groups_routed_in_params_reach_the_splitter(regression_data):
    X, y = regression_data
    groups = np.arange(len(y)) % 4
    est = KerasRegressor(recipe, epochs=1, batch_size=8, random_state=1)
    cv = model_selection.GroupKFold(2)

    with sklearn.config_context(enable_metadata_routing=True):
        ours = cross_validate(est, X, y, cv=cv, params={"groups": groups})
        theirs = model_selection.cross_validate(
            est, X, y, cv=cv, params={"groups": groups}
        )
        with pytest.raises(ValueError, match="pass `groups` alongside other metadata"):
            cross_validate(est, X, y, cv=cv, groups=groups)

    np.testing.assert_allclose(ours["test_score"], theirs["test_score"], rtol=1e-4)


def test_a_failing_fold_scores_error_score_as_in_scikit_learn(regression_data):
    X, y = regression_data
    y = y.copy()
    y[0] = np.nan
    rows = np.arange(len(y))
    folds = [(rows[10:], rows[:10]), (rows[:-10], rows[-10:])]
    est = KerasRegressor(recipe, epochs=1, batch_size=8, random_state=1)

    with pytest.warns(FitFailedWarning, match="1 fits failed out of a total of 2"):
        ours = cross_validate(est, X, y, cv=folds, scoring=_mse_of_finite_rows)
    theirs = model_selection.cross_validate(
        est, X, y, cv=folds, scoring=_mse_of_finite_rows
    )

    assert np.isnan(ours["test_score"][1]) and np.isfinite(ours["test_score"][0])
    np.testing.assert_allclose(ours["test_score"], theirs["test_score"], rtol=1e-4)
    with pytest.raises(ValueError, match="NaN"):
        cross_validate(est, X, y, cv=folds, error_score="raise")


def _mse_of_finite_rows(estimator, X, y):
    keep = np.isfinite(y)
    return -np.mean((estimator.predict(X[keep]) - y[keep]) ** 2)


def test_fit_params_are_split_by_fold_as_in_scikit_learn(regression_data, folds):
    X, y = regression_data
    weights = np.linspace(0.5, 2.0, len(y))
    est = KerasRegressor(recipe, epochs=2, batch_size=8, random_state=1)
    params = {"sample_weight": weights}

    ours = cross_validate(est, X, y, cv=folds, params=params, n_jobs=1, verbose=0)
    theirs = model_selection.cross_validate(est, X, y, cv=folds, params=params)
    plain = cross_validate(est, X, y, cv=folds)

    np.testing.assert_allclose(ours["test_score"], theirs["test_score"], rtol=1e-4)
    assert not np.allclose(ours["test_score"], plain["test_score"])
