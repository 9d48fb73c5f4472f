"""Checks that stop the classic mistakes on rating targets before training.

Each message says what is wrong, why it matters for ratings, and the fix.
"""

import math

import jax
import keras
import numpy as np

from ._model import is_layer_graph
from ._warnings import warn
from .exceptions import RatingnetWarning, RatingTargetWarning
from .target import inspect_target, is_rating

CLASSIFIER_ON_RATINGS = """\
y looks like a rating (ordered levels {levels}), but KerasClassifier treats \
its levels as unordered classes: predicting {low} for a true {high} costs it \
no more than predicting {near}, its predictions are whole levels only, and its \
accuracy ignores how far off a prediction is. For a rating, change one line:
    KerasRegressor(...)         # predicts a number on the scale, or
    KerasOrdinalRegressor(...)  # predicts a level, knowing their order
Keep KerasClassifier only if the levels really are unordered categories (and \
silence this with warnings.filterwarnings("ignore", \
category=ratingnet.RatingTargetWarning))."""

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
_CLASSIFICATION_LOSS_WORDS = ("crossentropy", "hinge", "focal", "kl_divergence", "kld")


def misread_levels(y):
    """The levels of ``y`` if a classifier would misread them, else None.

    ``y`` is misread when `is_rating` calls it a rating: numbers on a grid,
    or a pandas ordered categorical, whose levels keep their order. Up to
    three levels coded 0, 1, 2 are taken for class codes (as
    ``LabelEncoder`` and scikit-learn's datasets write them), not a rating.
    """
    if not is_rating(y):
        return None
    levels = list(inspect_target(y).levels)
    if len(levels) <= 3 and levels == list(range(len(levels))):
        return None
    return levels


def warn_classifier_on_ratings(y):
    """Warn when a classifier is about to be fitted on rating levels."""
    levels = misread_levels(y)
    if levels is None:
        return
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


# Losses that read the target's own values (logarithms, ratios, rates): on a
# standardized target, half of which is negative, they measure something else.
_SCALE_BOUND_LOSSES = {
    "msle": "mean_squared_logarithmic_error",
    "mean_squared_logarithmic_error": "mean_squared_logarithmic_error",
    "mape": "mean_absolute_percentage_error",
    "mean_absolute_percentage_error": "mean_absolute_percentage_error",
    "poisson": "poisson",
}


def check_scale_bound_loss(loss_name, target_scaling):
    """Refuse a loss on the target's own values when the target is rescaled."""
    name = _SCALE_BOUND_LOSSES.get(loss_name.lower())
    if name is None or target_scaling is None:
        return
    spelled = loss_name if name == loss_name.lower() else f"{loss_name} ({name})"
    raise ValueError(
        f"loss {spelled!r} reads the target's own values, but with "
        f"target_scaling={target_scaling!r} the model trains on a rescaled "
        "target, on which it measures something else. Set target_scaling=None "
        "for this loss, or use loss='mse'."
    )


# The outputs an activation can reach, for the activations that bound them.
_OUTPUT_RANGES = {
    "sigmoid": (0.0, 1.0),
    "hard_sigmoid": (0.0, 1.0),
    "tanh": (-1.0, 1.0),
    "softsign": (-1.0, 1.0),
    "relu": (0.0, math.inf),
    "relu6": (0.0, 6.0),
    "softplus": (0.0, math.inf),
    "exponential": (0.0, math.inf),
    "elu": (-1.0, math.inf),
}

_TRAINING_SCALES = {
    "standard": "y standardized (mean 0, standard deviation 1)",
    "minmax": "y mapped onto [0, 1]",
    None: "y as it is",
}


def check_output_range(model, target, target_scaling):
    """Refuse an output activation that cannot reach the target it trains on.

    ``target`` is on the training scale: a ReLU output under the default
    standardization would leave every row below the mean at the mean.
    """
    activation = output_activation(model)
    if activation not in _OUTPUT_RANGES:
        return
    low, high = _OUTPUT_RANGES[activation]
    lowest, highest = float(target.min()), float(target.max())
    if low <= lowest and highest <= high:
        return

    fix = "end the model with a linear activation"
    if low <= 0.0 and high >= 1.0 and target_scaling != "minmax":
        fix = "set target_scaling='minmax' to train on [0, 1], or " + fix
    raise ValueError(
        f"The model ends in {activation}, whose outputs lie in "
        f"[{low:g}, {high:g}], but with target_scaling={target_scaling!r} it "
        f"trains on {_TRAINING_SCALES[target_scaling]}, which ranges over "
        f"[{lowest:.3g}, {highest:.3g}]: no prediction could reach the rest. "
        f"To fix it, {fix}."
    )


def output_activation(model):
    """The name of the activation the model's last layer applies, if known.

    A subclassed model's ``call`` may do anything after its last layer, so
    its output activation is unknown (None).
    """
    graph = is_layer_graph(model) and model.layers
    layer = model.layers[-1] if graph else None
    if isinstance(layer, keras.layers.Softmax):
        return "softmax"
    if isinstance(layer, keras.layers.ReLU | keras.layers.ELU):
        return _activation_layer_name(layer.get_config())
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", None)


def _activation_layer_name(config):
    """The activation a ReLU or ELU layer applies, when its settings are plain."""
    if "alpha" in config:
        return "elu" if config["alpha"] == 1.0 else None
    if config["negative_slope"] or config["threshold"]:
        return None
    return {None: "relu", 6.0: "relu6"}.get(config["max_value"])


DIVERGED = (
    "Training diverged: {count} of the trained weights are NaN or infinite, "
    "so the predictions will be NaN. Lower the learning rate (a Keras "
    "estimator's optimizer__learning_rate, RatingRegressor's learning_rate), "
    "or look for extreme values in X and y."
)


def warn_constant_target(y):
    """Warn when every row of a target column holds one value."""
    constant = np.flatnonzero(np.ptp(y, axis=0) == 0)
    if not len(constant) or len(y) < 2:
        return
    column = constant[0]
    value = y[0, column]
    name = "y" if y.shape[1] == 1 else f"y[:, {column}]"
    warn(
        f"{name} holds one value only ({value:g} in all {len(y)} rows), so the "
        f"model learns to predict {value:g} there and nothing else. Check "
        "that the target column is the right one.",
        RatingnetWarning,
    )


def warn_if_diverged(weights):
    """Warn when training left weights that are not finite numbers."""
    count = sum(
        int(np.sum(~np.isfinite(w))) for w in jax.tree_util.tree_leaves(weights)
    )
    if count:
        warn(DIVERGED.format(count=count), RatingnetWarning)


def _name(metric):
    return getattr(metric, "name", None) or getattr(metric, "__name__", str(metric))


def _flat(names):
    return {name.replace("_", "") for name in names}


def _short(levels, keep=8):
    if len(levels) <= keep:
        return ", ".join(map(str, levels))
    return ", ".join(map(str, levels[:3])) + ", ..., " + str(levels[-1])
