"""Checks that stop the classic mistakes on rating targets before training.

Each message says what is wrong, why it matters for ratings, and the fix.
"""

import keras

from ._warnings import warn
from .exceptions import RatingTargetWarning
from .target import is_rating

CLASSIFIER_ON_RATINGS = """\
y looks like a rating (ordered levels {levels}), but KerasClassifier treats \
its levels as unordered classes: predicting {low} for a true {high} costs it \
no more than predicting {near}, its predictions are whole levels only, and its \
accuracy ignores how far off a prediction is. For a rating, change one line:
    KerasRegressor(...)         # predicts a number on the scale, or
    KerasOrdinalRegressor(...)  # predicts a level, knowing their order
Keep KerasClassifier only if the levels really are unordered categories."""

# Metrics that count right and wrong classes; meaningless for a number.
CLASSIFICATION_METRICS = frozenset(
    {
        "accuracy",
        "acc",
        "binary_accuracy",
        "categorical_accuracy",
        "sparse_categorical_accuracy",
        "top_k_categorical_accuracy",
        "sparse_top_k_categorical_accuracy",
        "auc",
        "precision",
        "recall",
        "f1_score",
        "fbeta_score",
        "binary_crossentropy",
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
        "binaryaccuracy",
        "categoricalaccuracy",
        "sparsecategoricalaccuracy",
    }
)

# Words in a loss's name that mark it as a classification loss.
_CLASSIFICATION_LOSS_WORDS = ("crossentropy", "hinge", "focal")


def warn_classifier_on_ratings(y):
    """Warn when a classifier is about to be fitted on rating levels."""
    if y.dtype.kind not in "iuf" or not is_rating(y):
        return
    levels = sorted(set(y.tolist()))
    warn(
        CLASSIFIER_ON_RATINGS.format(
            levels=_short(levels), low=levels[0], high=levels[-1], near=levels[-2]
        ),
        RatingTargetWarning,
    )


def check_regression_metrics(metrics):
    """Refuse classification metrics on a regressor."""
    for metric in metrics or ():
        name = metric if isinstance(metric, str) else _name(metric)
        if name.lower().replace("_", "") in _flat(CLASSIFICATION_METRICS):
            raise ValueError(
                f"metrics={metrics!r} asks a regressor for {name!r}, a "
                "classification metric: it counts exact hits and ignores how "
                "far a predicted rating is from the truth. Use metrics such as "
                "'mae' or 'mse' here, and ratingnet.metrics (qwk, "
                "within_one_accuracy) to score predictions on rating levels."
            )


def check_regression_model(model, loss_name, n_targets):
    """Refuse a model whose head or loss makes it a classifier."""
    activation = output_activation(model)
    if activation == "softmax":
        raise ValueError(
            "The model ends in a softmax, which spreads one unit of "
            "probability over its outputs: a classifier's head, not a number. "
            f"For a regressor, end the model with Dense({n_targets}) and a "
            "linear activation."
        )

    if any(word in loss_name.lower() for word in _CLASSIFICATION_LOSS_WORDS):
        raise ValueError(
            f"loss {loss_name!r} is a classification loss; it needs class "
            "probabilities, not a number. For a regressor use loss='mse' (or "
            "'mae', 'huber')."
        )


def check_sigmoid_range(model, y, target_scaling):
    """A sigmoid output reaches only (0, 1): refuse targets outside it."""
    if output_activation(model) != "sigmoid" or target_scaling == "minmax":
        return
    low, high = float(y.min()), float(y.max())
    if low < 0.0 or high > 1.0:
        raise ValueError(
            f"The model ends in a sigmoid, whose outputs lie in (0, 1), but y "
            f"ranges over [{low:g}, {high:g}]. Set target_scaling='minmax' to "
            "map the target into (0, 1) for training and back for predict, "
            "or end the model with a linear activation."
        )


def output_activation(model):
    """The name of the activation the model's last layer applies, if known."""
    layer = model.layers[-1] if model.layers else None
    if isinstance(layer, keras.layers.Softmax):
        return "softmax"
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", None)


def _name(metric):
    return getattr(metric, "name", None) or getattr(metric, "__name__", str(metric))


def _flat(names):
    return {name.replace("_", "") for name in names}


def _short(levels, keep=8):
    if len(levels) <= keep:
        return ", ".join(map(str, levels))
    return ", ".join(map(str, levels[:3])) + ", ..., " + str(levels[-1])
