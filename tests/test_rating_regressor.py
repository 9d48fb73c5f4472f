import pickle

from ratingnet import RatingRegressor, cross_validate
from ratingnet import _preprocessing as preprocessing
from ratingnet._layers import PeriodicEmbedding
from ratingnet._preprocessing import TablePreprocessor
from ratingnet.exceptions import RatingnetWarning

import keras
import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.compose import make_column_transformer
from sklearn.ensemble import BaggingRegressor


@pytest.fixture(scope="module")
def table():
    """Numbers with gaps, a few-level and a many-level category, a 1-5 rating."""
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame(
        {
            "size": rng.normal(10, 3, n),
            "price": np.where(rng.random(n) < 0.2, np.nan, rng.exponential(5, n)),
            "colour": rng.choice(["red", "white", "rose"], n),
            "shop": rng.choice([f"shop{i}" for i in range(40)], n),
            "empty": np.full(n, np.nan),
        }
    )
    shop_effect = dict(
        zip(sorted(frame.shop.unique()), rng.normal(0, 1, 40), strict=True)
    )
    score = (
        3
        + 0.3 * (frame["size"] - 10)
        + (frame.colour == "red") * 0.8
        + frame.shop.map(shop_effect)
        + rng.normal(0, 0.3, n)
    )
    return frame, np.clip(np.round(score), 1, 5)


@pytest.fixture(scope="module")
def fitted(table):
    X, y = table
    return RatingRegressor(n_models=3, epochs=40, random_state=0).fit(X, y)


def test_learns_a_table_with_categories_and_missing_values(fitted, table):
    X, y = table

    prediction = fitted.predict(X)

    assert prediction.shape == (len(X),)
    assert fitted.score(X, y) > 0.6
    assert prediction.min() >= 1.0 and prediction.max() <= 5.0


def test_preprocessing_is_inside_the_estimator(fitted):
    preprocessor = fitted.preprocessor_

    assert preprocessor.dropped_columns_ == ["empty"]
    assert list(preprocessor.onehot_levels_) == ["colour"]
    assert list(preprocessor.embedded_levels_) == ["shop"]
    assert preprocessor.indicator_columns_ == ["price"]
    assert fitted.n_features_in_ == 5


def test_ensemble_members_differ_and_average(fitted, table):
    X, _ = table
    trainable, _ = fitted._members

    assert trainable[0].shape[0] == 3
    assert not np.allclose(trainable[0][0], trainable[0][1])
    assert len(fitted.history_["val_loss"]) == len(fitted.history_["loss"])


class _KerasInitialized(RatingRegressor):
    """A network whose weights start from Keras's own initializers."""

    @staticmethod
    def _default_model(n_features_in_, n_outputs_, n_dense, **settings):
        del n_features_in_, settings
        return keras.Sequential(
            [keras.Input((n_dense,)), keras.layers.Dense(n_outputs_)]
        )


@pytest.mark.parametrize("estimator", [RatingRegressor, _KerasInitialized])
def test_members_start_from_weights_of_their_own(estimator):
    # RatingRegressor's own network redraws its members' weights; one with
    # Keras's initializers builds a model per member.
    X = np.random.default_rng(0).normal(size=(80, 3))

    plan = estimator(n_models=2, random_state=0)._plan_fit(X, X[:, 0])

    first, second = (spec.initial_state()["trainable"] for spec in plan.specs)
    assert [a.shape for a in first] == [a.shape for a in second]
    assert not np.allclose(first[0], second[0])


def test_unseen_categories_and_reordered_columns_at_predict(fitted, table):
    X, _ = table
    new = X.iloc[:5].copy()
    new["shop"] = "a shop never seen"
    new["colour"] = "blue"

    reordered = X[X.columns[::-1]]

    assert np.isfinite(fitted.predict(new)).all()
    np.testing.assert_array_equal(fitted.predict(reordered), fitted.predict(X))


def test_missing_columns_at_predict_are_named(fitted, table):
    X, _ = table

    with pytest.raises(ValueError, match=r"lacks columns .*\['shop'\]"):
        fitted.predict(X.drop(columns="shop"))


def test_text_in_a_numeric_column_at_predict_is_named(fitted, table):
    X, _ = table
    new = X.iloc[:5].astype({"size": object})
    new.loc[new.index[2], "size"] = "large"

    with pytest.raises(ValueError, match=r"Column 'size' held numbers .* 'large'"):
        fitted.predict(new)


def test_text_labels_as_the_target_are_refused(table):
    X, y = table
    labels = np.array(["low", "mid", "high"])[np.asarray(y, int) % 3]

    with pytest.raises(ValueError, match="KerasOrdinalRegressor"):
        RatingRegressor(epochs=1).fit(X, labels)


def _quick():
    return RatingRegressor(n_models=1, epochs=1, random_state=0)


def test_text_columns_with_only_rare_levels_or_pandas_na():
    n = 60
    X = pd.DataFrame(
        {
            "x": np.arange(n, dtype=float),
            "name": [f"n{i}" for i in range(n)],
            "shade": pd.array(["dark", "light", None] * (n // 3), dtype="string"),
        }
    )
    new = pd.DataFrame(
        {"x": [1.0, 2.0], "name": ["q", None], "shade": pd.array([pd.NA, "dark"])}
    )

    with pytest.warns(RatingnetWarning, match="Column 'name'"):
        est = _quick().fit(X, np.arange(n) % 5 + 1.0)

    assert est.preprocessor_.onehot_levels_["name"] == []
    assert np.isfinite(est.predict(new)).all()


def test_a_category_column_without_a_frequent_level_is_warned_about():
    X = pd.DataFrame({"x": np.arange(60.0), "id": [f"n{i}" for i in range(60)]})

    with pytest.warns(RatingnetWarning, match="Column 'id' is a category column"):
        _quick().fit(X, np.arange(60) % 5 + 1.0)


def test_numbers_held_as_objects_are_numbers():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=60), "shade": ["dark", "light"] * 30})
    # A ColumnTransformer passing numbers through beside text gives objects.
    passed = make_column_transformer(
        ("passthrough", ["x", "shade"]), verbose_feature_names_out=False
    ).fit_transform(X)
    assert passed.dtype == object

    est = _quick().fit(passed, 2.0 * X["x"] + 3.0)

    assert est.preprocessor_.numeric_columns_ == ["x0"]
    assert list(est.preprocessor_.onehot_levels_) == ["x1"]


def test_whole_floats_find_the_integer_levels_they_were():
    stores = pd.Series([1, 2, 3] * 20, dtype="category")
    X = pd.DataFrame({"store": stores})
    est = _quick().fit(X, np.arange(60) % 5 + 1.0)

    # A merge that brings in a missing value makes the integers floats.
    as_floats = est.predict(pd.DataFrame({"store": [1.0, 2.0, np.nan]}))

    np.testing.assert_array_equal(as_floats[:2], est.predict(X.head(2)))
    assert as_floats[0] != as_floats[2]


def test_a_table_of_embedded_categories_alone():
    X = pd.DataFrame({"zip": [f"z{i % 30}" for i in range(120)]})

    est = _quick().fit(X, np.arange(120) % 5 + 1.0)

    assert est.preprocessor_.n_dense_ == 8
    assert est.predict(X.head(3)).shape == (3,)


def test_text_levels_that_read_as_numbers_at_predict():
    X = pd.DataFrame({"size": ["1", "2", "3+"] * 20})
    est = _quick().fit(X, np.arange(60) % 5 + 1.0)

    as_text = est.predict(pd.DataFrame({"size": ["1", "2"]}))
    as_numbers = est.predict(pd.DataFrame({"size": [1, 2]}))

    np.testing.assert_array_equal(as_numbers, as_text)
    assert as_text[0] != as_text[1]


def test_arrays_count_columns_by_position():
    X = np.random.default_rng(0).normal(size=(60, 3))
    est = _quick().fit(X, np.arange(60) % 5 + 1.0)

    with pytest.raises(ValueError, match="X has 6 features, but RatingRegressor is"):
        est.predict(np.c_[X, X])
    with pytest.warns(UserWarning, match="X is a DataFrame, but the model"):
        by_position = est.predict(pd.DataFrame(X, columns=list("abc")))
    np.testing.assert_array_equal(by_position, est.predict(X))


def test_duplicate_column_names_are_refused():
    X = pd.DataFrame(np.ones((10, 2)), columns=["a", "a"])

    with pytest.raises(ValueError, match="columns that share a name: 'a'"):
        _quick().fit(X, np.arange(10.0))


def test_predicting_no_rows_is_refused(fitted, table):
    X, _ = table

    with pytest.raises(ValueError, match="X has no rows"):
        fitted.predict(X.iloc[:0])


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"hidden_layer_sizes": 64}, "hidden_layer_sizes must list the units"),
        ({"hidden_layer_sizes": (0,)}, "hidden_layer_sizes must list the units"),
        ({"activation": "swishy"}, "activation must be the name of a Keras"),
        ({"activation": None}, "activation must be the name of a Keras"),
        ({"dropout": 1.0}, "dropout must be a number at least 0 and below 1"),
        ({"learning_rate": 0.0}, "learning_rate must be a number above 0"),
        ({"learning_rate": "0.01"}, "learning_rate must be a number above 0"),
        ({"weight_decay": -1e-4}, "weight_decay must be a number at least 0"),
        ({"patience": None}, "patience must be a whole number of at least 1"),
        ({"max_onehot": -1}, "max_onehot must be a whole number of at least 0"),
    ],
)
def test_settings_that_cannot_work_are_refused(table, setting, message):
    X, y = table

    with pytest.raises(ValueError, match=message):
        RatingRegressor(**setting).fit(X, y)


@pytest.mark.parametrize(
    "name", ["optimizer__learning_rate", "model__units", "nb_epoch", "alpha"]
)
def test_set_params_refuses_what_it_has_no_use_for(name):
    with pytest.raises(ValueError, match=f"RatingRegressor has no parameter '{name}'"):
        RatingRegressor().set_params(**{name: 1})


def test_a_warm_start_is_refused_with_the_estimator_that_has_one():
    with pytest.raises(ValueError, match=r"each fit trains its ensemble afresh"):
        RatingRegressor().set_params(warm_start=True)


def test_one_row_is_refused():
    with pytest.raises(ValueError, match="needs at least 2 rows, got 1 sample"):
        _quick().fit(pd.DataFrame({"x": [1.0]}), [3.0])


def test_tools_that_read_its_tags_pass_it_missing_values():
    X = pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0) % 7})
    X.iloc[::5, 0] = np.nan

    bagged = BaggingRegressor(_quick(), n_estimators=2, random_state=0).fit(
        X, np.arange(40) % 5 + 1.0
    )

    assert np.isfinite(bagged.predict(X)).all()


def test_a_column_of_one_value_in_training_is_left_out():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=60), "k": 1.0, "shop": "main"})
    X["gap"] = np.where(np.arange(60) % 3, 2.0, np.nan)
    X["edge"] = np.where(np.arange(60) % 2, 1.0, np.inf)  # two values
    est = _quick().fit(X, 2.0 * X["x"] + 3.0)

    assert est.preprocessor_.dropped_columns_ == ["k", "shop"]
    assert "edge" in est.preprocessor_.numeric_columns_
    assert est.preprocessor_.indicator_columns_ == ["gap"]
    assert "gap" not in est.preprocessor_.numeric_columns_
    changed = X.assign(k=1000.0, shop="other", gap=-25 * X["gap"])
    np.testing.assert_array_equal(est.predict(changed), est.predict(X))


def test_embedding_tables_have_a_ceiling(monkeypatch):
    monkeypatch.setattr(preprocessing, "_MAX_CODES", 64)
    ids = pd.Series([f"id{i}" for i in range(100)] * 3)
    unused = [f"c{i}" for i in range(500)]
    declared = pd.Categorical(["a", "b"] * 20, categories=["a", "b", *unused])

    encoded = TablePreprocessor().fit(pd.DataFrame({"id": ids}))
    sparse_categories = TablePreprocessor(max_onehot=1).fit(
        pd.DataFrame({"grade": declared})
    )

    assert encoded.cardinalities_ == [64] and len(encoded.embedded_levels_["id"]) == 63
    assert sparse_categories.cardinalities_ == [16]


def test_ids_beyond_float_precision_stay_apart():
    ids = pd.Series([10**17 + 1, 10**17 + 2] * 30, dtype="category")
    encoded = TablePreprocessor().fit(pd.DataFrame({"store": ids}))

    one_hot = encoded.transform(pd.DataFrame({"store": ids.head(2)}))[:, :2]

    np.testing.assert_array_equal(one_hot.sum(axis=1), [1.0, 1.0])


@pytest.mark.parametrize("setting", [{"n_models": 0}, {"batch_size": 0}])
def test_counts_below_one_are_refused(table, setting):
    X, y = table
    name = next(iter(setting))

    with pytest.raises(
        ValueError, match=f'{name} must be a whole number of at least 1, or "auto"'
    ):
        RatingRegressor(**setting).fit(X, y)


def test_same_seed_same_predictions_also_after_pickle(fitted, table):
    X, y = table

    again = clone(fitted).fit(X, y)
    restored = pickle.loads(pickle.dumps(fitted))

    np.testing.assert_array_equal(again.predict(X), fitted.predict(X))
    np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))


def test_cross_validate_trains_folds_and_members_together(table):
    X, y = table

    result = cross_validate(
        RatingRegressor(n_models=2, epochs=5, random_state=0),
        X,
        y,
        cv=3,
        scoring="neg_root_mean_squared_error",
    )

    assert result["test_score"].shape == (3,)
    assert np.all(result["test_score"] < 0)


def test_folds_with_different_rare_levels_still_train_together(table, monkeypatch):
    X, y = table
    X = X.assign(shop=X["shop"].astype("category"))
    shops = X["shop"].cat.categories
    halves = [X[X["shop"].isin(shops[:20])], X[X["shop"].isin(shops[4:])]]

    rooms = [TablePreprocessor().fit(half).cardinalities_ for half in halves]
    monkeypatch.setattr(
        "ratingnet._cross_validation.model_selection.cross_validate",
        lambda *args, **kwargs: pytest.fail("the folds fell back to scikit-learn"),
    )
    result = cross_validate(
        RatingRegressor(n_models=2, epochs=3, random_state=0), X, y, cv=3
    )

    assert rooms[0] == rooms[1] == [64]
    assert result["test_score"].shape == (3,)


def test_a_table_without_anything_to_learn_is_refused_column_by_column():
    X = pd.DataFrame({"a": [np.nan] * 10, "b": [None] * 10, "c": [3.0] * 10})

    with pytest.raises(ValueError) as error:
        RatingRegressor(epochs=1).fit(X, np.arange(10.0))

    assert str(error.value).startswith(
        "No column of X has anything to learn from: 'a' (all missing), "
        "'b' (all missing), 'c' (one value, 3.0)."
    )


def test_constant_target_predicts_the_constant(table):
    X, _ = table

    est = RatingRegressor(n_models=2, epochs=3, random_state=0)
    with pytest.warns(RatingnetWarning, match="holds one value only"):
        prediction = est.fit(X, np.full(len(X), 4.0)).predict(X)

    np.testing.assert_allclose(prediction, 4.0)


def test_soft_clipping_bounds_outliers():
    X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0, 1e6]})

    encoded = TablePreprocessor().fit(X).transform(X)

    assert np.abs(encoded).max() <= 3.0
    assert np.all(np.diff(encoded[:, 0]) > 0)


def test_long_tailed_numbers_are_scaled_as_logarithms():
    counts = np.random.default_rng(0).lognormal(3, 2, 200)
    X = pd.DataFrame({"votes": counts, "score": np.linspace(-1, 1, 200)})

    preprocessor = TablePreprocessor().fit(X)
    logged = np.log1p(counts)
    q1, median, q3 = np.percentile(logged, [25, 50, 75])
    scaled = (logged - median) / (q3 - q1)

    assert preprocessor.log_columns_ == [0]
    np.testing.assert_allclose(
        preprocessor.transform(X)[:, 0],
        scaled / np.sqrt(1 + (scaled / 3) ** 2),
        rtol=1e-5,
        atol=1e-6,
    )


def test_infinite_numbers_take_the_clipping_limits():
    finite = np.linspace(0.0, 10.0, 21)
    X = pd.DataFrame({"x": np.r_[finite, np.inf, -np.inf], "never": np.inf})

    preprocessor = TablePreprocessor().fit(X)
    encoded = preprocessor.transform(X)[:, 0]
    finite_only = TablePreprocessor().fit(X.iloc[:21]).transform(X.iloc[:21])

    assert preprocessor.dropped_columns_ == ["never"]
    np.testing.assert_allclose(encoded[-2:], [3.0, -3.0])
    np.testing.assert_allclose(encoded[:21], finite_only[:, 0])


@pytest.mark.parametrize("as_frame", [False, True])
def test_preprocessing_leaves_the_callers_table_as_it_was(as_frame):
    rng = np.random.default_rng(0)
    X = rng.lognormal(0, 2, size=(50, 3))
    X[::7, 0], X[3, 1], X[4, 2] = np.nan, np.inf, -np.inf
    X = pd.DataFrame(X, columns=["a", "b", "c"]) if as_frame else X
    before = np.array(X, copy=True)

    TablePreprocessor().fit(X).transform(X)

    np.testing.assert_array_equal(np.asarray(X), before)


def test_two_valued_numbers_skip_the_periodic_embedding():
    X = pd.DataFrame(
        {
            "flag": [0, 1, 1, 0, 1, 0],
            "size": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "votes": [10, 20, 30, 40, 50, 60],
        }
    )

    pre = TablePreprocessor().fit(X)
    encoded = pre.transform(X)
    est = RatingRegressor(n_models=1, epochs=1, random_state=0)
    est.fit(X, [1, 2, 3, 4, 5, 5])

    assert pre.numeric_columns_ == ["size", "votes", "flag"]
    assert pre.n_periodic_ == 2
    assert np.all(np.diff(encoded[:, 0]) > 0) and len(set(encoded[:, 2])) == 2
    (periodic,) = [
        layer for layer in est.model_.layers if isinstance(layer, PeriodicEmbedding)
    ]
    assert periodic.frequencies.shape[0] == 2


def test_large_tables_get_finer_frequencies_and_fewer_members():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10_000, 2))
    y = np.round(np.clip(3 + X[:, 0], 1, 5))

    large = RatingRegressor(epochs=2, random_state=0).fit(X, y)
    small = RatingRegressor(n_models=1, epochs=2, random_state=0).fit(X[:500], y[:500])

    def scale(est):
        (layer,) = [la for la in est.model_.layers if isinstance(la, PeriodicEmbedding)]
        return layer.sigma

    assert (scale(large), scale(small)) == (2.0, 0.5)
    assert large._members[0][0].shape[0] == 2


def test_large_tables_stop_early_on_a_smaller_share_and_smaller_gains():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10_000, 2))
    y = np.round(np.clip(3 + X[:, 0], 1, 5))

    large = RatingRegressor(n_models=1, random_state=0)._plan_fit(X, y)
    small = RatingRegressor(n_models=1, random_state=0)._plan_fit(X[:500], y[:500])

    assert [len(rows) for rows in large.val_rows] == [1_000]
    assert [len(rows) for rows in small.val_rows] == [75]
    assert (large.settings.min_delta, small.settings.min_delta) == (1e-4, 1e-3)


def test_tables_below_2000_rows_train_batches_of_64_at_a_higher_rate():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2_000, 2))
    y = np.round(np.clip(3 + X[:, 0], 1, 5))

    def steps(est, rows):
        plan = est._plan_fit(X[:rows], y[:rows])
        return plan.settings.batch_size, est._learning_rate()

    assert steps(RatingRegressor(random_state=0), 1_999) == (64, 4e-3)
    assert steps(RatingRegressor(random_state=0), 2_000) == (128, 2e-3)
    assert steps(RatingRegressor(learning_rate=1e-2), 500) == (64, 1e-2)


def test_hidden_layers_take_the_activation_asked_for():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 2))
    y = np.round(np.clip(3 + X[:, 0], 1, 5))

    def activations(est):
        est._plan_fit(X, y)
        dense = [la for la in est.model_.layers if isinstance(la, keras.layers.Dense)]
        return {la.activation.__name__ for la in dense[:-1]}

    assert activations(RatingRegressor(random_state=0)) == {"silu"}
    assert activations(RatingRegressor(activation="relu")) == {"relu"}


@pytest.mark.parametrize("fraction", [0.0, 1.0, 1.5, "half"])
def test_a_validation_fraction_outside_0_and_1_is_refused(fraction):
    X = np.random.default_rng(0).normal(size=(50, 2))

    with pytest.raises(ValueError, match="validation_fraction must be"):
        RatingRegressor(validation_fraction=fraction).fit(X, X[:, 0])


def test_sparse_rows_are_read_as_their_dense_twin():
    X = sparse.random(80, 4, density=0.5, random_state=0, format="csr")
    y = np.arange(80) % 5 + 1.0

    def fitted(rows):
        return RatingRegressor(n_models=1, epochs=2, random_state=0).fit(rows, y)

    np.testing.assert_array_equal(
        fitted(X).predict(X[:5]), fitted(X.toarray()).predict(X[:5].toarray())
    )


def test_layer_sizes_may_be_numpy_integers():
    X = np.random.default_rng(0).normal(size=(40, 2))
    sizes = tuple(np.arange(8, 17, 8))

    est = RatingRegressor(hidden_layer_sizes=sizes, n_models=1, epochs=1).fit(
        X, X[:, 0]
    )

    units = [layer.units for layer in est.model_.layers if hasattr(layer, "units")]
    assert units == [8, 16, 1]


def test_weights_count_relative_to_each_other(table):
    X, y = table
    est = RatingRegressor(n_models=2, epochs=20, random_state=0)
    unweighted = est.fit(X, y).predict(X.head(5))
    history = est.history_["loss"]

    for scale in (1 / len(y), 3.0):
        weighted = clone(est).fit(X, y, sample_weight=np.full(len(y), scale))
        np.testing.assert_allclose(weighted.predict(X.head(5)), unweighted, atol=1e-5)
        np.testing.assert_allclose(weighted.history_["loss"], history, rtol=1e-4)


def test_history_ends_where_the_last_member_stopped(table):
    X, y = table

    est = RatingRegressor(n_models=2, epochs=300, patience=3, random_state=0).fit(X, y)

    assert 0 < len(est.history_["loss"]) < 300
    assert not np.isnan(est.history_["loss"]).any()
