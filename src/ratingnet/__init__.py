"""ratingnet: scikit-learn estimators for Keras models that predict ratings.

Importing ratingnet selects Keras's JAX backend (unless Keras was already
imported with another one, which is an error that says what to do), and
gives JAX one CPU device per core (see ``ratingnet._backend``).
"""

from ._backend import enable_compilation_cache, ensure_jax_backend, use_every_core

ensure_jax_backend()
use_every_core()
enable_compilation_cache()

from . import datasets, metrics  # noqa: E402
from ._classifier import KerasClassifier  # noqa: E402
from ._cross_validation import cross_validate  # noqa: E402
from ._ordinal import KerasOrdinalRegressor  # noqa: E402
from ._rating_regressor import RatingRegressor  # noqa: E402
from ._regressor import KerasRegressor  # noqa: E402
from ._saving import load, read_manifest, save  # noqa: E402
from .exceptions import NotFittedError, RatingTargetWarning  # noqa: E402
from .target import inspect_target  # noqa: E402

metrics.register_scorers()

__version__ = "0.1.0"

__all__ = [
    "KerasClassifier",
    "KerasOrdinalRegressor",
    "KerasRegressor",
    "NotFittedError",
    "RatingRegressor",
    "RatingTargetWarning",
    "cross_validate",
    "datasets",
    "inspect_target",
    "load",
    "metrics",
    "read_manifest",
    "save",
]
