"""Saving a fitted estimator to a folder, and loading it without pickle.

A saved model is a folder:

- ``ratingnet.json``: the format version, the estimator's class and
  parameters, its columns and their kinds, the target's levels and range,
  the library versions, and the whole estimator state (fitted attributes,
  preprocessing steps) as JSON;
- ``arrays.npz``: the numeric arrays of that state (scaler means, imputer
  statistics, history), read with ``allow_pickle=False``;
- ``model.keras``: the trained Keras model, as ``keras.Model.save`` writes
  it, read with ``keras.saving.load_model(..., safe_mode=True)``.

A function given as ``model`` is recorded by name only; the loaded estimator
gets the trained Keras model as its ``model`` parameter instead, so that a
refit rebuilds the same network with fresh weights.
"""

import contextlib
import json
import os
import platform
import warnings
import zipfile
from pathlib import Path

import keras
import numpy as np
import pandas as pd
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.utils.validation import check_is_fitted

from ._codec import Decoder, Encoder, class_path, function_reference
from ._folders import blocking_file, listed, replacing
from .exceptions import NotFittedError

__all__ = ["load", "read_manifest", "save"]

FORMAT = "ratingnet-model"
FORMAT_VERSION = 1
MANIFEST = "ratingnet.json"
ARRAYS = "arrays.npz"


def save(estimator, path, *, y=None, info=None):
    """Save a fitted estimator to the folder ``path``, replacing it atomically.

    The new model is written into a temporary folder beside ``path`` and
    renamed over it only once complete, so a crash during the save leaves
    the previous model in place.

    Parameters
    ----------
    estimator : estimator
        A fitted ratingnet estimator, or a scikit-learn Pipeline of
        preprocessing steps (scalers, imputers, encoders, a
        ColumnTransformer) ending in one.
    path : str or path-like
        The folder to write. An existing folder is replaced only if it holds
        a saved model.
    y : array-like of shape (n_samples,), default=None
        The training target; when given, its kind, levels and range (see
        `ratingnet.target.inspect_target`) are recorded.
    info : dict, default=None
        More facts to record, JSON-able (the CLI stores its settings here).

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from ratingnet import KerasRegressor, load, save
    >>> X = np.random.default_rng(0).normal(size=(32, 2))
    >>> est = KerasRegressor(epochs=2, random_state=0).fit(X, X.sum(axis=1))
    >>> folder = os.path.join(tempfile.mkdtemp(), "model")
    >>> save(est, folder)
    >>> bool(np.all(load(folder).predict(X) == est.predict(X)))
    True
    """
    _check_fitted(estimator)
    path = _folder_path(path)
    check_replaceable(path)
    encoder = Encoder()
    with _quiet_keras():
        manifest = _manifest(estimator, encoder, y, info)

    with replacing(path) as staging:
        _write(staging, manifest, encoder)


def _folder_path(path):
    """The folder to save into, as an absolute path; refused where none can be.

    Absolute, so that "." has a name and a parent to write the new folder
    beside.
    """
    if str(path) == "":
        raise ValueError(
            "ratingnet.save got an empty path. Give the folder to save the "
            "model in, such as 'model'."
        )
    path = Path(path).resolve()
    blocking = blocking_file(path)
    if blocking is not None:
        raise NotADirectoryError(
            f"{path} cannot be a folder: {blocking} is a file. Give another "
            "path to save the model in."
        )
    return path


def _check_fitted(estimator):
    try:
        check_is_fitted(estimator)
    except SklearnNotFittedError:
        raise NotFittedError(
            f"This {type(estimator).__name__} is not fitted, so there is no "
            "model to save. Call 'fit' first, then save."
        ) from None


def load(path):
    """Load an estimator saved by `save`; no code from the files is run.

    Parameters
    ----------
    path : str or path-like
        The folder `save` wrote.

    Returns
    -------
    estimator
        The fitted estimator, ready to ``predict``.
    """
    path = Path(path)
    manifest = read_manifest(path)
    try:
        return _decode(path, manifest)
    except (KeyError, TypeError, ValueError, OSError, zipfile.BadZipFile) as error:
        raise ValueError(
            f"The saved model at {path} is damaged: {_damage(error)}. "
            "Save the model again (or fit it again with `ratingnet fit`)."
        ) from None


def _decode(path, manifest):
    arrays = {} if manifest["files"]["arrays"] is None else _read_arrays(path)
    models = {name: _read_keras(path, name) for name in manifest["files"]["models"]}
    with _quiet_keras():
        return Decoder(arrays, models).decode(manifest["estimator"])


class _DamagedFile(ValueError):
    """A file of a saved model that is missing or cannot be read."""


def _read_arrays(path):
    if not (path / ARRAYS).is_file():
        raise _DamagedFile(f"{ARRAYS} is missing")
    try:
        with np.load(path / ARRAYS, allow_pickle=False) as stored:
            return _Arrays({key: stored[key] for key in stored.files})
    except (ValueError, OSError, EOFError, zipfile.BadZipFile):
        raise _DamagedFile(f"{ARRAYS} is not a readable NumPy archive") from None


class _Arrays(dict):
    """The arrays of a saved model; one the manifest names but lacks is damage."""

    def __missing__(self, key):
        raise _DamagedFile(f"{ARRAYS} lacks the array {key!r}")


def _read_keras(path, name):
    if not (path / name).is_file():
        raise _DamagedFile(f"{name} is missing")
    try:
        return _load_keras(path / name)
    except (ValueError, OSError, zipfile.BadZipFile):
        raise _DamagedFile(f"{name} is not a readable Keras model file") from None


def _damage(error):
    """Which part of a saved model could not be read, in a few words."""
    if isinstance(error, _DamagedFile):
        return str(error)
    if isinstance(error, KeyError):
        return f"{MANIFEST} lacks {error}"
    text = str(error).strip().rstrip(".") or "unreadable file"
    return f"{type(error).__name__}: {text}"


def read_manifest(path):
    """The contents of a saved model's ``ratingnet.json``, as a dict.

    Parameters
    ----------
    path : str or path-like
        The folder `save` wrote.
    """
    path = Path(path)
    if not (path / MANIFEST).is_file():
        raise FileNotFoundError(_missing_message(path))

    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(
            f"{path / MANIFEST} is not valid JSON ({error}); the saved model "
            "is damaged. Save the model again."
        ) from None
    _check_format(path, manifest)
    return manifest


# Writing --------------------------------------------------------------------


def _manifest(estimator, encoder, y, info):
    """Everything ``ratingnet.json`` holds; arrays and models go to encoder."""
    tree = encoder.encode(estimator)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "class": class_path(type(estimator)),
        "params": _params(estimator),
        "features": _features(estimator),
        "target": _target(estimator, y),
        "versions": _versions(),
        "info": _readable(info or {}),
        "files": {
            "arrays": ARRAYS if encoder.arrays else None,
            "models": list(encoder.models),
        },
        "estimator": tree,
    }


def _write(folder, manifest, encoder):
    if encoder.arrays:
        np.savez(folder / ARRAYS, **encoder.arrays)
    for name, model in encoder.models.items():
        with _quiet_keras():
            model.save(folder / name)
    text = json.dumps(manifest, indent=1, allow_nan=False)
    (folder / MANIFEST).write_text(text + "\n", encoding="utf-8")
    _sync(folder)


def _sync(folder):
    """Flush the folder's files to disk before it is renamed into place."""
    for file in folder.iterdir():
        with open(file, "rb") as handle:
            os.fsync(handle.fileno())
    if hasattr(os, "O_DIRECTORY"):
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def check_replaceable(path):
    """Raise FileExistsError unless ``path`` is new, an empty folder or a model.

    A model's folder that holds other files too (predictions written into
    it, notes) is not replaced, nor is a folder whose ``ratingnet.json``
    is not a model's: replacing the folder would delete them.
    """
    if not path.exists() or path.is_dir() and not any(path.iterdir()):
        return
    if path.is_dir() and (path / MANIFEST).is_file() and not _manifest_of(path):
        raise FileExistsError(
            f"{path} holds a {MANIFEST} that cannot be read as a model's "
            "(damaged, or not ratingnet's), so the folder is not replaced: it "
            "may hold more than a model. Remove it first, or choose another "
            "folder."
        )
    if not path.is_dir() or not _is_manifest(path):
        raise FileExistsError(
            f"{path} exists and is not a saved ratingnet model, so it is not "
            "replaced. Choose another folder, or remove it first."
        )

    own = _model_files(path)
    others = sorted(p.name for p in path.iterdir() if p.name not in own)
    if others:
        raise FileExistsError(
            f"{path} holds a saved model and also files of its own "
            f"({listed(others)}), "
            "which replacing the folder would delete, so it is not replaced. "
            "Move them out of it first, or choose another folder."
        )


def _is_manifest(path):
    """Whether the folder's ratingnet.json is a model's.

    Its format says so; its other entries may be damaged.
    """
    return _manifest_of(path).get("format") == FORMAT


def _manifest_of(path):
    """The folder's ratingnet.json as a dict; empty if it is not one."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _model_files(path):
    """The names of the files ``save`` wrote there, as its manifest lists them.

    A manifest too damaged to list them claims the manifest and the arrays.
    """
    files = _manifest_of(path).get("files")
    own = [MANIFEST, ARRAYS]
    if isinstance(files, dict) and isinstance(files.get("models"), list):
        own += [name for name in files["models"] if isinstance(name, str)]
    return set(own)


# What the manifest says ---------------------------------------------------


def _params(estimator):
    """The estimator's parameters, as JSON; functions and objects by name."""
    return {
        name: _readable(value)
        for name, value in estimator.get_params(deep=False).items()
    }


def _readable(value):
    if isinstance(value, np.generic | np.ndarray):
        return _readable(value.tolist())
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if np.isfinite(value) else str(value)
    if isinstance(value, list | tuple):
        return [_readable(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _readable(v) for k, v in value.items()}
    if callable(value) and not isinstance(value, type | keras.Model):
        return function_reference(value)
    return f"<{type(value).__name__}>"


def _features(estimator):
    """The input columns and, when a ColumnTransformer sorts them, their kinds."""
    names = getattr(estimator, "feature_names_in_", None)
    columns = None if names is None else [str(name) for name in names]
    return {
        "columns": columns,
        "n_features": getattr(estimator, "n_features_in_", None),
        "kinds": _column_kinds(estimator),
    }


def _column_kinds(estimator):
    steps = getattr(estimator, "steps", None)
    first = steps[0][1] if steps else estimator
    kinds = {}
    for name, _, columns in getattr(first, "transformers_", []):
        if name != "remainder" and all(isinstance(c, str) for c in columns):
            kinds.update(dict.fromkeys(columns, name))
    return kinds or None


def _target(estimator, y):
    final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    target = {}
    classes = getattr(final, "classes_", None)
    if classes is not None:
        target["classes"] = _readable(classes.tolist())
    if y is not None:
        target.update(_profile(_in_level_order(y, getattr(final, "levels_", None))))
    return target


def _in_level_order(y, levels):
    """Text levels an ordinal model ordered, as an ordered categorical.

    Without the order, text levels read as nominal, sorted alphabetically.
    """
    if levels is None or np.asarray(levels).dtype.kind not in "OUS":
        return y
    return pd.Categorical(np.asarray(y), categories=list(levels), ordered=True)


def _profile(y):
    from .target import inspect_target

    profile = inspect_target(y)
    return {
        "kind": profile.kind,
        "levels": None if profile.levels is None else _readable(list(profile.levels)),
        "range": None if profile.range is None else _readable(list(profile.range)),
        "step": profile.step,
        "n": profile.n,
        "n_missing": profile.n_missing,
    }


def _versions():
    import jax
    import sklearn

    from . import __version__

    return {
        "ratingnet": __version__,
        "keras": keras.__version__,
        "jax": jax.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


# Reading --------------------------------------------------------------------


def _missing_message(path):
    if not path.exists():
        message = f"There is no saved model at {path}: the folder does not exist."
        stranded = sorted(path.parent.glob(f".{path.name}.*.old"))
        if stranded:
            message += (
                f" A save into it was interrupted; the previous model is in "
                f"{stranded[-1]}. Rename that folder to {path.name} to use it."
            )
        return message
    return (
        f"{path} is not a saved ratingnet model: it has no {MANIFEST}. Give "
        "the folder that ratingnet.save (or `ratingnet fit --out`) wrote."
    )


def _load_keras(file):
    with _quiet_keras():
        # The optimizer was compiled but never stepped, so its slots are
        # empty; Keras says so when it restores the compile settings.
        warnings.filterwarnings("ignore", "Skipping variable loading for optimizer")
        return keras.saving.load_model(file, safe_mode=True)


@contextlib.contextmanager
def _quiet_keras():
    """Hide a NumPy 2 deprecation that Keras's saving code triggers.

    TODO: remove when Keras's variables take ``copy`` in ``__array__``.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", "__array__ implementation doesn't accept", DeprecationWarning
        )
        yield


# What every manifest holds beside its format, and of which JSON type.
_MANIFEST_TYPES = {
    "format_version": int,
    "class": str,
    "params": dict,
    "features": dict,
    "target": dict,
    "info": dict,
    "files": dict,
    "estimator": dict,
}
_JSON = {int: "a whole number", str: "a string", dict: "an object"}


def _check_format(path, manifest):
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(
            f"{path / MANIFEST} does not describe a ratingnet model. Give the "
            "folder that ratingnet.save (or `ratingnet fit --out`) wrote."
        )
    version = manifest.get("format_version")
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise ValueError(
            f"The model in {path} was saved in format version {version}, newer "
            f"than this ratingnet reads ({FORMAT_VERSION}). Upgrade ratingnet "
            "to load it."
        )
    problems = [
        _type_problem(manifest, key, kind) for key, kind in _MANIFEST_TYPES.items()
    ]
    problems = [p for p in problems if p] + _file_problems(manifest)
    if problems:
        raise ValueError(
            f"The saved model at {path} is damaged: in {MANIFEST}, "
            f"{'; '.join(problems)}. Save the model again (or fit it again "
            "with `ratingnet fit`)."
        )


def _type_problem(manifest, key, kind):
    if key not in manifest:
        return f"{key} is missing"
    value = manifest[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        return f"{key} is not {_JSON[kind]}"
    return None


def _file_problems(manifest):
    """What is wrong with the manifest's list of files and its estimator."""
    files, estimator = manifest.get("files"), manifest.get("estimator")
    problems = []
    if isinstance(files, dict) and not (
        isinstance(files.get("arrays"), str | None)
        and isinstance(files.get("models"), list)
        and all(isinstance(name, str) for name in files["models"])
    ):
        problems.append("files does not name the arrays and model files")
    if isinstance(estimator, dict) and not (
        isinstance(estimator.get("__estimator__"), str)
        and isinstance(estimator.get("state"), dict)
        and estimator["state"]
    ):
        problems.append("estimator does not name its class and hold its state")
    return problems
