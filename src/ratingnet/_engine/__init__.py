"""The training engine: compiled JAX programs that train Keras models.

It knows nothing of scikit-learn or pandas: it takes arrays, a Keras model
with its loss, optimizer and metrics, and replicas of row indices, and
returns trained weights and a history. See README.md beside this file.
"""

from .loop import Result, train
from .program import predict_program
from .replicas import Replicas, bucket, make_replicas
from .spec import Settings, TrainingSpec

__all__ = [
    "Replicas",
    "Result",
    "Settings",
    "TrainingSpec",
    "bucket",
    "make_replicas",
    "predict_program",
    "train",
]
