"""Estimators as JSON and plain arrays, so that loading one runs no code.

`Encoder` turns an estimator's state (what its ``__getstate__`` returns) into
JSON, with numeric arrays set aside for an ``.npz`` file and Keras models
for ``.keras`` files. `Decoder` turns it back. Values that JSON lacks are
written as one-key objects that name their type (``{"__tuple__": [...]}``).

Only the classes in `SAFE_CLASSES` and ratingnet's own estimators (and the
transformers inside them) are stored or rebuilt, so a tampered file can at
most fill an allowed class with odd data; it cannot name a function for the
loader to call.
"""

import importlib
import math

import keras
import numpy as np
from sklearn.base import BaseEstimator

from ._persist import model_to_state

# The scikit-learn classes a saved model may hold: the pipelines and
# preprocessing that the CLI builds, and their common neighbours.
SAFE_CLASSES = (
    "sklearn.pipeline:Pipeline",
    "sklearn.compose:ColumnTransformer",
    "sklearn.compose:TransformedTargetRegressor",
    "sklearn.impute:SimpleImputer",
    "sklearn.impute:MissingIndicator",
    "sklearn.preprocessing:StandardScaler",
    "sklearn.preprocessing:MinMaxScaler",
    "sklearn.preprocessing:MaxAbsScaler",
    "sklearn.preprocessing:RobustScaler",
    "sklearn.preprocessing:OneHotEncoder",
    "sklearn.preprocessing:OrdinalEncoder",
    "sklearn.preprocessing:LabelEncoder",
    # What a ColumnTransformer makes of "passthrough"; the codec stores no
    # function, so a saved one can only be the identity.
    "sklearn.preprocessing:FunctionTransformer",
)

_UNSUPPORTED = (
    "ratingnet.save cannot store {what}. It stores ratingnet's estimators, "
    "alone or in a Pipeline with these scikit-learn steps: {allowed}. Use "
    "pickle or joblib for other objects, and load those only from sources "
    "you trust."
)


def class_path(cls):
    """The ``"module:name"`` under which a class is allowed, or None."""
    for path in SAFE_CLASSES:
        if _import(path) is cls:
            return path
    if _is_ratingnet_module(cls.__module__) and issubclass(cls, BaseEstimator):
        public = importlib.import_module("ratingnet")
        if getattr(public, cls.__name__, None) is cls:
            return f"ratingnet:{cls.__name__}"
        return f"{cls.__module__}:{cls.__qualname__}"
    return None


def _is_ratingnet_module(module):
    return module == "ratingnet" or module.startswith("ratingnet.")


def _import(path):
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


def _allowed_class(path):
    """The class named ``path``, if saved models may hold it."""
    module, _, name = path.partition(":")
    allowed = path in SAFE_CLASSES or (
        _is_ratingnet_module(module) and name.isidentifier()
    )
    try:
        cls = _import(path) if allowed else None
    except (ImportError, AttributeError):
        cls = None
    if not (isinstance(cls, type) and issubclass(cls, BaseEstimator)):
        raise ValueError(
            f"The saved model names the class {path!r}, which ratingnet does "
            "not load. The file was not written by ratingnet.save, or was "
            "changed since, or needs a newer ratingnet."
        )
    return cls


def function_reference(function):
    """``"module:qualname"`` of a function, for the record only."""
    module = getattr(function, "__module__", None) or "?"
    name = getattr(function, "__qualname__", None) or type(function).__name__
    return f"{module}:{name}"


class Encoder:
    """Encode estimators into JSON, collecting arrays and Keras models.

    Attributes
    ----------
    arrays : dict of str to ndarray
        Numeric arrays, to write with ``numpy.savez``.
    models : dict of str to keras.Model
        Keras models, by the file name to save them under.
    """

    def __init__(self):
        self.arrays = {}
        self.models = {}

    def encode(self, value):
        """The JSON form of ``value``; arrays and models are set aside."""
        for kind, test in _ENCODE_ORDER:
            if test(value):
                return getattr(self, f"_encode_{kind}")(value)
        raise TypeError(_UNSUPPORTED.format(what=_describe(value), allowed=_names()))

    def _encode_plain(self, value):
        return value

    def _encode_float(self, value):
        return value if math.isfinite(value) else {"__float__": str(value)}

    def _encode_list(self, value):
        return [self.encode(item) for item in value]

    def _encode_tuple(self, value):
        return {"__tuple__": self._encode_list(value)}

    def _encode_dict(self, value):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: self.encode(v) for k, v in value.items()}
        return {
            "__dict__": [[self.encode(k), self.encode(v)] for k, v in value.items()]
        }

    def _encode_slice(self, value):
        return {"__slice__": [value.start, value.stop, value.step]}

    def _encode_scalar(self, value):
        return {"__scalar__": self.encode(value.item()), "dtype": value.dtype.str}

    def _encode_dtype(self, value):
        return {"__dtype__": np.dtype(value).str}

    def _encode_dtype_type(self, value):
        return {"__dtype_type__": np.dtype(value).str}

    def _encode_array(self, value):
        if value.dtype.hasobject:
            items = self.encode(list(value.ravel()))
            return {"__object_array__": items, "shape": list(value.shape)}
        key = f"a{len(self.arrays)}"
        self.arrays[key] = value
        return {"__array__": key}

    def _encode_random_state(self, value):
        name, keys, position, has_gauss, cached = value.get_state()
        return {
            "__random_state__": self.encode([name, keys, position, has_gauss, cached])
        }

    def _encode_keras_object(self, value):
        return {"__keras__": keras.saving.serialize_keras_object(value)}

    def _encode_estimator(self, value):
        path = class_path(type(value))
        if path is None:
            raise TypeError(
                _UNSUPPORTED.format(what=_describe(value), allowed=_names())
            )

        state = value.__getstate__()
        model = getattr(value, "model_", None)
        if not isinstance(model, keras.Model):
            return {"__estimator__": path, "state": self.encode(state)}

        if state.get("model") is None and state.get("build_fn") is not None:
            # The old spelling is saved under its current name.
            state["model"] = state.pop("build_fn")
        # RatingRegressor has no model parameter: its network is its own.
        takes_model = "model" in state
        given = state.pop("model", None)
        state.pop("model_", None)
        encoded = self.encode(state)
        encoded.update(self._set_model_aside(model, given, takes_model))
        return {"__estimator__": path, "state": encoded}

    def _set_model_aside(self, model, given, takes_model):
        """``model_`` as a ``.keras`` file; the ``model`` parameter by name."""
        name = "model.keras" if not self.models else f"model_{len(self.models)}.keras"
        self.models[name] = model
        entries = {"model_": {"__keras_model__": name}}
        if takes_model:
            entries["model"] = None
        if given is not None:
            reference = (
                "a Keras model"
                if isinstance(given, keras.Model)
                else function_reference(given)
            )
            entries["model"] = {"__keras_model__": name, "reference": reference}
        return entries


def _describe(value):
    if callable(value) and not isinstance(value, type):
        return f"the function {function_reference(value)}"
    return f"a value of type {type(value).__module__}.{type(value).__qualname__}"


def _names():
    names = [path.split(":")[1] for path in SAFE_CLASSES]
    return ", ".join(
        f"{name} (without a function: passthrough)"
        if name == "FunctionTransformer"
        else name
        for name in names
    )


def _is_keras_object(value):
    module = getattr(type(value), "__module__", "") or ""
    function_module = getattr(value, "__module__", "") or ""
    return module.startswith("keras") or (
        callable(value) and function_module.startswith("keras")
    )


_ENCODE_ORDER = (
    ("plain", lambda v: v is None or isinstance(v, bool | int | str)),
    ("float", lambda v: isinstance(v, float)),
    ("list", lambda v: isinstance(v, list)),
    ("tuple", lambda v: isinstance(v, tuple)),
    ("dict", lambda v: isinstance(v, dict)),
    ("slice", lambda v: isinstance(v, slice)),
    ("scalar", lambda v: isinstance(v, np.generic)),
    ("dtype", lambda v: isinstance(v, np.dtype)),
    ("dtype_type", lambda v: isinstance(v, type) and issubclass(v, np.generic)),
    ("array", lambda v: isinstance(v, np.ndarray)),
    ("random_state", lambda v: isinstance(v, np.random.RandomState)),
    ("estimator", lambda v: isinstance(v, BaseEstimator)),
    ("keras_object", _is_keras_object),
)


class Decoder:
    """Decode what `Encoder` wrote, given its arrays and loaded Keras models.

    Parameters
    ----------
    arrays : mapping of str to ndarray
    models : mapping of str to keras.Model
    """

    def __init__(self, arrays, models):
        self.arrays = arrays
        self.models = models

    def decode(self, value):
        """The Python value of one JSON value."""
        if isinstance(value, list):
            return [self.decode(item) for item in value]
        if not isinstance(value, dict):
            return value

        tag = next((k for k in value if k.startswith("__") and k.endswith("__")), None)
        if tag is None:
            return {k: self.decode(v) for k, v in value.items()}
        decoder = getattr(self, f"_decode_{tag.strip('_')}", None)
        if decoder is None:
            raise ValueError(f"The saved model holds an unknown entry {tag!r}.")
        return decoder(value)

    def _decode_float(self, value):
        return float(value["__float__"])

    def _decode_tuple(self, value):
        return tuple(self.decode(value["__tuple__"]))

    def _decode_dict(self, value):
        return {self.decode(k): self.decode(v) for k, v in value["__dict__"]}

    def _decode_slice(self, value):
        return slice(*value["__slice__"])

    def _decode_scalar(self, value):
        return np.dtype(value["dtype"]).type(self.decode(value["__scalar__"]))

    def _decode_dtype(self, value):
        return np.dtype(value["__dtype__"])

    def _decode_dtype_type(self, value):
        return np.dtype(value["__dtype_type__"]).type

    def _decode_array(self, value):
        return self.arrays[value["__array__"]]

    def _decode_object_array(self, value):
        items = self.decode(value["__object_array__"])
        array = np.empty(len(items), dtype=object)
        for i, item in enumerate(items):
            array[i] = item
        return array.reshape(value["shape"])

    def _decode_random_state(self, value):
        name, keys, position, has_gauss, cached = self.decode(value["__random_state__"])
        state = np.random.RandomState()
        state.set_state((name, keys, position, has_gauss, cached))
        return state

    def _decode_keras(self, value):
        return keras.saving.deserialize_keras_object(value["__keras__"], safe_mode=True)

    def _decode_keras_model(self, value):
        return self.models[value["__keras_model__"]]

    def _decode_estimator(self, value):
        cls = _allowed_class(value["__estimator__"])
        state = self.decode(value["state"])
        if isinstance(state.get("model_"), keras.Model):
            # The estimators rebuild their model from its config and weights.
            state["model_"] = model_to_state(state["model_"])
        if "model" not in cls._get_param_names():
            # Earlier files gave RatingRegressor a model entry (None).
            state.pop("model", None)

        estimator = cls.__new__(cls)
        estimator.__setstate__(state)
        return estimator
