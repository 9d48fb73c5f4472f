"""Warnings and errors that ratingnet raises."""

from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

__all__ = [
    "NotFittedError",
    "RatingTargetWarning",
    "RatingnetWarning",
    "TrainingInterruptedWarning",
]


class RatingnetWarning(UserWarning):
    """Base class of ratingnet's warnings: it works, but is probably not meant."""


class RatingTargetWarning(RatingnetWarning):
    """The target looks like a rating, and the chosen setup treats it otherwise."""


class TrainingInterruptedWarning(RatingnetWarning):
    """Training stopped early (Ctrl-C); the weights trained so far are kept."""


class NotFittedError(_SklearnNotFittedError):
    """The estimator was used before `fit`; also scikit-learn's NotFittedError."""
