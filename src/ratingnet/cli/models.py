"""The models ``--model`` chooses from, declared as data, and user build files.

An entry names a ratingnet estimator class, the parameters it gets, and
whether the command line encodes the columns for it (numbers filled and
standardized, categories one-hot encoded) or the estimator takes the table
as it is. An entry whose class this version of ratingnet lacks is left out
of the choices until the class lands.
"""

import importlib.util
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import ratingnet

import keras
from sklearn.pipeline import Pipeline

from ..evaluation import make_encoder
from .docs import summary
from .errors import CLIError, did_you_mean


def recipe_network(n_features_in_):
    """The textbook network: Dense(10, relu) then Dense(1), loss mse, adam."""
    model = keras.Sequential(
        [
            keras.Input((n_features_in_,)),
            keras.layers.Dense(10, activation="relu"),
            keras.layers.Dense(1, activation="linear"),
        ]
    )
    model.compile(loss="mse", optimizer="adam")
    return model


@dataclass(frozen=True)
class Choice:
    """One ``--model`` entry.

    Attributes
    ----------
    estimator : str
        The name of the estimator class in the ``ratingnet`` package.
    about : str
        What the entry is, for ``--help``.
    params : dict
        Parameters the estimator gets (``--epochs`` and friends override).
    encode : bool
        Whether the columns are encoded for it in a Pipeline.
    """

    estimator: str
    about: str
    params: dict = field(default_factory=dict)
    encode: bool = True


MODELS = {
    "recipe": Choice(
        "KerasRegressor",
        "the classic Dense(10, relu) -> Dense(1) network, mse and adam, "
        "100 epochs of batch 5",
        {"model": recipe_network, "epochs": 100, "batch_size": 5},
    ),
    "default": Choice("KerasRegressor", "ratingnet's default network", {"model": None}),
    "classifier": Choice(
        "KerasClassifier",
        "the default network as a classifier: it ignores the order of ratings "
        "(shown for comparison)",
    ),
    "ordinal": Choice("KerasOrdinalRegressor", "the ordinal model"),
    "rating": Choice(
        "RatingRegressor",
        "the rating model; handles categories and missing values itself",
        encode=False,
    ),
}


def available():
    """The entries of `MODELS` whose estimator class exists, by name."""
    return {
        name: choice
        for name, choice in MODELS.items()
        if getattr(ratingnet, choice.estimator, None) is not None
    }


def default_name():
    """The model ``--model`` picks when not given."""
    return "rating" if "rating" in available() else "recipe"


def describe():
    """One line per available entry, from the entry and its class docstring."""
    lines = []
    for name, choice in available().items():
        cls = getattr(ratingnet, choice.estimator)
        lines.append(f"  {name:<11} {choice.about}. {cls.__name__}: {summary(cls)}")
    lines.append(
        "  FILE.py:FUNCTION  a build function in your own file, returning a "
        "Keras model, wrapped in a KerasRegressor"
    )
    return "\n".join(lines)


def make_model(name, kinds, *, seed, epochs=None, batch_size=None, target_scaling=None):
    """The estimator for ``--model name``, with the columns encoded if needed.

    Parameters
    ----------
    name : str
        An entry of `MODELS`, or ``path/to/file.py:function``.
    kinds : dict of str to str
        The feature columns' kinds.
    seed : int
        The estimator's ``random_state``.
    epochs, batch_size : int or None
        Override the entry's own settings when given.
    target_scaling : {"standard", "minmax", "none"} or None
        KerasRegressor's ``target_scaling`` ("none" for None), when given.

    Returns
    -------
    estimator
    """
    choice = _choice(name)
    params = {**choice.params, "random_state": seed}
    if epochs is not None:
        params["epochs"] = epochs
    if batch_size is not None:
        params["batch_size"] = batch_size
    if target_scaling is not None:
        _check_scales_target(name, choice)
        params["target_scaling"] = None if target_scaling == "none" else target_scaling

    estimator = getattr(ratingnet, choice.estimator)(**params)
    if not choice.encode:
        return estimator
    return Pipeline([("columns", make_encoder(kinds)), ("estimator", estimator)])


def _check_scales_target(name, choice):
    if choice.estimator == "KerasRegressor":
        return
    why = {
        "RatingRegressor": "standardizes the target itself",
        "KerasClassifier": "learns classes, not a number to scale",
        "KerasOrdinalRegressor": "learns levels, not a number to scale",
    }.get(choice.estimator, "has no such setting")
    raise CLIError(
        f"--target-scaling is a setting of --model recipe, default and your own "
        f"function; --model {name} ({choice.about}) {why}. Leave "
        "--target-scaling out, or choose one of those models."
    )


def final_model(model):
    """The model itself, whether or not the command line encodes its columns first."""
    return model[-1] if isinstance(model, Pipeline) else model


def keep_on_the_scale(model):
    """Bound a KerasRegressor's predictions of a rating to the training range.

    Unbounded, a new row far outside the training data was predicted 55.7
    on a 1-5 scale, beside a ``level`` of 5. RatingRegressor bounds its own.
    """
    final = final_model(model)
    if isinstance(final, ratingnet.KerasRegressor) and final.target_range is None:
        final.set_params(target_range="auto")


def encodes_columns(name):
    """Whether the command line encodes the columns for ``--model name``."""
    choice = available().get(name)
    return choice is None or choice.encode


def _choice(name):
    choices = available()
    if name in choices:
        return choices[name]
    if is_own_function(name):
        return Choice("KerasRegressor", "your function", {"model": load_function(name)})
    raise CLIError(
        f"There is no model {name!r}.{did_you_mean(name, choices)} Choose one "
        f"of {', '.join(choices)}, or give your own build function as "
        "path/to/file.py:function."
    )


def is_own_function(name):
    """Whether a --model name is the user's ``path/to/file.py:function``."""
    return ":" in name and name.rpartition(":")[0].endswith(".py")


def load_function(spec):
    """The function named by ``path/to/file.py:function``, its file run once.

    Parameters
    ----------
    spec : str
    """
    file, _, name = spec.rpartition(":")
    path = Path(file)
    if not path.is_file():
        raise CLIError(
            f"There is no file {path} (from --model {spec}). Give the path of a "
            "Python file and the name of its build function, as file.py:function."
        )

    module = _run_file(path)
    function = getattr(module, name, None)
    if not callable(function):
        functions = [n for n, v in vars(module).items() if callable(v) and n[0] != "_"]
        raise CLIError(
            f"{path} has no function {name!r}.{did_you_mean(name, functions)} "
            "Name a function that returns a Keras model."
        )
    return function


def _run_file(path):
    module_name = "ratingnet_user_" + re.sub(r"\W", "_", path.stem)
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        del sys.modules[module_name]
        raise CLIError(
            f"Running {path} failed with {type(error).__name__}: {error}. Fix "
            "the file so that `python` can import it."
        ) from None
    return module
