"""ratingnet's saved-model format: round trips, no pickle, atomic replacement."""

import json
import os
import pickle

from ratingnet import (
    KerasClassifier,
    KerasRegressor,
    NotFittedError,
    RatingRegressor,
    _saving,
)
from ratingnet._saving import load, read_manifest, save
from ratingnet.cli.models import make_model
from ratingnet.evaluation import column_kinds

import keras
import numpy as np
import pandas as pd
import pytest
from conftest import recipe
from sklearn.base import clone


def _rating_table(n=80, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "color": rng.choice(["red", "white", "rose"], n),
            "grade": rng.integers(1, 4, n),
        }
    )
    X.loc[[2, 5], "a"] = np.nan
    X.loc[7, "color"] = None
    y = np.clip(np.round(3 + X["b"] + (X["color"] == "red")), 1, 5).astype(int)
    return X, y


@pytest.fixture(scope="module")
def regressor(regression_data):
    X, y = regression_data
    return KerasRegressor(epochs=2, random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def classifier(classification_data):
    X, y = classification_data
    return KerasClassifier(epochs=2, random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def pipeline():
    X, y = _rating_table()
    kinds = column_kinds(X, categorical=["grade"])
    model = make_model("recipe", kinds, seed=0, epochs=2)
    return model.fit(X, y), X, y


def test_regressor_round_trip(tmp_path, regressor, regression_data):
    X, _ = regression_data
    save(regressor, tmp_path / "model")
    loaded = load(tmp_path / "model")

    assert type(loaded) is KerasRegressor
    np.testing.assert_array_equal(loaded.predict(X), regressor.predict(X))
    assert loaded.history_ == regressor.history_
    assert loaded.get_params()["epochs"] == 2


def test_classifier_round_trip_keeps_string_labels(
    tmp_path, classifier, classification_data
):
    X, _ = classification_data
    save(classifier, tmp_path / "model")
    loaded = load(tmp_path / "model")

    np.testing.assert_array_equal(loaded.predict(X), classifier.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), classifier.predict_proba(X))
    assert loaded.classes_.dtype == classifier.classes_.dtype
    assert read_manifest(tmp_path / "model")["target"]["classes"] == ["high", "low"]


def test_cli_pipeline_round_trip(tmp_path, pipeline):
    model, X, y = pipeline
    save(model, tmp_path / "model", y=y, info={"model": "recipe"})
    loaded = load(tmp_path / "model")

    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    manifest = read_manifest(tmp_path / "model")
    assert manifest["features"]["columns"] == ["a", "b", "color", "grade"]
    assert manifest["features"]["kinds"]["color"] == "categorical"
    assert manifest["target"]["kind"] == "rating"
    assert manifest["target"]["range"] == [1, 5]
    assert manifest["info"] == {"model": "recipe"}
    assert {"ratingnet", "keras", "jax", "scikit-learn"} <= set(manifest["versions"])


def test_rating_regressor_round_trip(tmp_path):
    X, y = _rating_table()
    X = X.astype({"grade": "category"})
    est = RatingRegressor(n_models=2, hidden_layer_sizes=(8,), epochs=2, random_state=0)
    est.fit(X, y)
    save(est, tmp_path / "model")
    loaded = load(tmp_path / "model")

    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    text = (tmp_path / "model" / "ratingnet.json").read_text()
    assert "ratingnet._preprocessing:TablePreprocessor" in text
    assert clone(loaded).get_params() == est.get_params()

    # Earlier files held a model entry, which RatingRegressor lacks.
    manifest = json.loads((tmp_path / "model" / "ratingnet.json").read_text())
    manifest["estimator"]["state"]["model"] = None
    (tmp_path / "model" / "ratingnet.json").write_text(json.dumps(manifest))
    assert clone(load(tmp_path / "model")).get_params() == est.get_params()


def test_an_estimator_built_with_the_old_spelling_saves(tmp_path, regression_data):
    X, y = regression_data
    with pytest.warns(FutureWarning, match="build_fn"):
        est = KerasRegressor(build_fn=recipe, epochs=2, random_state=0).fit(X, y)

    save(est, tmp_path / "model")

    loaded = load(tmp_path / "model")
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    assert isinstance(loaded.model, keras.Model)


def test_function_is_kept_by_name_and_the_model_refits(tmp_path, pipeline):
    model, X, y = pipeline
    save(model, tmp_path / "model")
    text = (tmp_path / "model" / "ratingnet.json").read_text()
    assert "ratingnet.cli.models:recipe_network" in text

    loaded = load(tmp_path / "model")
    loaded.fit(X, y)
    assert loaded.predict(X).shape == (len(X),)


def test_load_uses_no_pickle(tmp_path, pipeline, monkeypatch):
    model, X, _ = pipeline
    save(model, tmp_path / "model")

    def refuse(*args, **kwargs):
        raise AssertionError("load used pickle")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    np.testing.assert_array_equal(load(tmp_path / "model").predict(X), model.predict(X))


def test_crash_during_save_keeps_the_previous_model(tmp_path, regressor, monkeypatch):
    folder = tmp_path / "model"
    save(regressor, folder)
    before = (folder / "ratingnet.json").read_text()

    def crash(staging, manifest, encoder):
        (staging / "ratingnet.json").write_text("{half written")
        raise KeyboardInterrupt

    monkeypatch.setattr(_saving, "_write", crash)
    with pytest.raises(KeyboardInterrupt):
        save(regressor, folder)

    assert (folder / "ratingnet.json").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    load(folder)


def test_save_replaces_a_model_but_not_other_folders(tmp_path, regressor, classifier):
    folder = tmp_path / "model"
    save(regressor, folder)
    save(classifier, folder)
    assert type(load(folder)) is KerasClassifier
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]

    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="not a saved ratingnet model"):
        save(regressor, tmp_path / "notes")
    assert (tmp_path / "notes" / "todo.txt").exists()


def test_a_tampered_class_name_is_refused(tmp_path, regressor):
    save(regressor, tmp_path / "model")
    path = tmp_path / "model" / "ratingnet.json"
    manifest = json.loads(path.read_text())
    manifest["estimator"]["__estimator__"] = "os:system"
    path.write_text(json.dumps(manifest))

    with pytest.raises(ValueError, match="'os:system', which ratingnet does not load"):
        load(tmp_path / "model")


def test_unsupported_steps_are_refused_at_save(tmp_path, regression_data):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X, y = regression_data
    model = make_pipeline(FunctionTransformer(np.tanh), KerasRegressor(epochs=1))
    model.fit(X, y)
    with pytest.raises(TypeError, match="cannot store the function numpy:tanh"):
        save(model, tmp_path / "model")
    assert not (tmp_path / "model").exists()


def test_random_state_object_round_trips(tmp_path, regression_data):
    X, y = regression_data
    state = np.random.RandomState(3)
    est = KerasRegressor(epochs=1, random_state=state).fit(X, y)
    save(est, tmp_path / "model")
    loaded = load(tmp_path / "model").random_state
    assert loaded.randint(1000) == state.randint(1000)


def test_missing_folder_message(tmp_path):
    with pytest.raises(FileNotFoundError, match="no saved model at .*does not exist"):
        load(tmp_path / "nowhere")


def test_an_unfitted_estimator_is_refused(tmp_path):
    with pytest.raises(NotFittedError, match="not fitted, so there is no model"):
        save(KerasRegressor(), tmp_path / "model")

    assert not (tmp_path / "model").exists()


def test_multi_output_ranges_round_trip(tmp_path, regression_data):
    X, y = regression_data
    Y = np.column_stack([y, 10 * y])
    est = KerasRegressor(epochs=2, target_range="auto", random_state=0).fit(X, Y)

    save(est, tmp_path / "model")

    np.testing.assert_array_equal(load(tmp_path / "model").predict(X), est.predict(X))


def test_a_saved_model_is_readable_as_the_users_files_are(tmp_path, regressor):
    umask = os.umask(0o022)
    try:
        save(regressor, tmp_path / "model")
    finally:
        os.umask(umask)

    mode = (tmp_path / "model").stat().st_mode & 0o777
    assert mode == 0o755


def test_a_folder_with_an_unreadable_manifest_is_named_and_kept(tmp_path, regressor):
    folder = tmp_path / "model"
    save(regressor, folder)
    (folder / "ratingnet.json").write_text('{"format": ')

    with pytest.raises(FileExistsError, match="holds a ratingnet.json that cannot be"):
        save(regressor, folder)
    assert (folder / "ratingnet.json").read_text() == '{"format": '


def test_a_model_folder_with_other_keras_files_is_not_replaced(tmp_path, regressor):
    folder = tmp_path / "model"
    save(regressor, folder)
    (folder / "my_tuned_model.keras").write_bytes(b"the user's own model")

    with pytest.raises(FileExistsError, match="files of its own .my_tuned_model"):
        save(regressor, folder)

    assert (folder / "my_tuned_model.keras").read_bytes() == b"the user's own model"


def test_passthrough_columns_save_and_load(tmp_path):
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = _rating_table()
    X = X[["a", "b", "grade"]].fillna(0.0)
    columns = make_column_transformer(
        (StandardScaler(), ["a"]), remainder="passthrough"
    )
    model = make_pipeline(columns, KerasRegressor(epochs=1, random_state=0))
    model.fit(X, y)

    save(model, tmp_path / "model")

    np.testing.assert_array_equal(load(tmp_path / "model").predict(X), model.predict(X))


def test_an_empty_arrays_file_is_damage(tmp_path, regressor):
    save(regressor, tmp_path / "model")
    (tmp_path / "model" / "arrays.npz").write_bytes(b"")

    with pytest.raises(ValueError, match="damaged: arrays.npz is not a readable"):
        load(tmp_path / "model")


def test_paths_that_cannot_be_a_folder(tmp_path, regressor):
    (tmp_path / "file.txt").write_text("a file")

    with pytest.raises(ValueError, match="empty path"):
        save(regressor, "")
    with pytest.raises(NotADirectoryError, match="file.txt is a file"):
        save(regressor, tmp_path / "file.txt" / "model")


def test_numpy_values_are_recorded_as_json(tmp_path, regressor):
    save(regressor, tmp_path / "model", info={"rows": np.int64(120), "x": np.nan})

    info = read_manifest(tmp_path / "model")["info"]

    assert info == {"rows": 120, "x": "nan"}


def test_an_ordinal_models_text_levels_are_recorded_in_order(tmp_path):
    from ratingnet import KerasOrdinalRegressor

    X, _ = _rating_table()
    y = np.array(["poor", "fair", "good"] * 27)[: len(X)]
    model = KerasOrdinalRegressor(levels=["poor", "fair", "good"], epochs=1)
    model.fit(X[["a", "b"]].fillna(0.0), y)

    save(model, tmp_path / "model", y=y)

    target = read_manifest(tmp_path / "model")["target"]
    assert target["kind"] == "rating"
    assert target["levels"] == ["poor", "fair", "good"]


def test_save_never_replaces_the_working_folder(tmp_path, regressor, monkeypatch):
    monkeypatch.chdir(tmp_path)

    with pytest.raises(ValueError, match="is the current folder, or holds it"):
        save(regressor, ".")
    assert tmp_path.is_dir() and not any(tmp_path.iterdir())
