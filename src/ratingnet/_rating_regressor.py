"""RatingRegressor: a regressor for rating tables that needs no settings.

It takes a DataFrame as it is (numbers, categories, missing values), and
trains an ensemble of small networks with good defaults (see
``docs/rating_regressor.md`` for the measurements behind them): robust
input scaling with smooth clipping, periodic embeddings of numbers (with
finer initial frequencies from 10,000 rows), embeddings for categories with
many levels, AdamW with a cosine learning-rate schedule and weight decay, early
stopping with the best epoch kept, and the members' mean as the prediction.
The members train as replicas of one vmapped program.
"""

import difflib
import math
from collections.abc import Iterable
from numbers import Integral, Real

import keras
import numpy as np
from scipy import sparse
from sklearn.utils.validation import _num_samples

from . import _engine
from ._base import FitPlan
from ._compile import make_loss, make_metrics
from ._initializers import RandomUniform
from ._layers import PeriodicEmbedding
from ._model import build_model, dense_layer, redrawn_weights
from ._params import check_counts, check_switches
from ._preprocessing import TablePreprocessor
from ._regressor import KerasRegressor
from ._validation import check_training_data

# From this many rows on, a table counts as large for the "auto" settings.
_LARGE = 10_000


class RatingRegressor(KerasRegressor):
    """An ensemble of tabular networks for ratings, good without tuning.

    Parameters
    ----------
    n_models : int or "auto", default="auto"
        Networks in the ensemble; each has its own initial weights, its own
        validation rows for early stopping, and its own shuffling. "auto"
        trains 4 below 10,000 rows and 2 from there, where one network
        already sees enough data and time grows with the rows.
    hidden_layer_sizes : tuple of int, default=(64, 64)
    activation : str, default="silu"
        The hidden layers' activation, by its Keras name.
    dropout : float, default=0.0
    learning_rate : float or "auto", default="auto"
        Peak learning rate of AdamW, decayed along a cosine to 0. "auto" is
        4e-3 below 2,000 rows, where batches are smaller, and 2e-3 from
        there.
    weight_decay : float, default=1e-4
    epochs : int or "auto", default="auto"
        The most epochs a member trains, over which the learning rate decays
        to 0; early stopping may end sooner. "auto" is 200 below 10,000 rows
        and 30 from there, where an epoch holds many more steps.
    patience : int, default=10
        Epochs without a better validation loss (lower by 1e-3 on the
        standardized target below 10,000 rows, by 1e-4 from there) before a
        member stops; its best epoch's weights are kept.
    batch_size : int or "auto", default="auto"
        "auto" takes 64 rows per step below 2,000 rows, else 128, else 256
        from 20,000 rows.
    validation_fraction : float or "auto", default="auto"
        Share of the training rows each member holds out for early stopping;
        "auto" is 0.15 below 10,000 rows and 0.1 from there, where a tenth
        is still thousands of rows.
    max_onehot : int, default=16
        Categorical columns with more levels than this are embedded.
    target_range : (float, float), "auto" or None, default="auto"
        Predictions are clipped to this range; "auto" is the training range
        (of each output column).
    round_predictions : bool, default=False
        Snap predictions to the nearest rating level seen in training.
    random_state : int, RandomState or None, default=None
    verbose : int, default=0

    Attributes
    ----------
    preprocessor_ : TablePreprocessor
        The fitted input preprocessing.
    model_ : keras.Model
        The first member's network.
    history_ : dict of list
        The mean loss and validation loss per epoch over the members still
        training, up to the epoch where early stopping stopped the last one.

    Examples
    --------
    >>> from ratingnet import RatingRegressor
    >>> from ratingnet.datasets import load_wine
    >>> X, y = load_wine(return_X_y=True)
    >>> est = RatingRegressor(n_models=2, epochs=5, random_state=0).fit(X, y)
    >>> est.predict(X.iloc[:3]).shape
    (3,)
    """

    # What KerasRegressor's machinery reads, fixed for this estimator.
    model = None
    loss = None
    optimizer = None
    metrics = None
    shuffle = True
    validation_split = 0.0
    warm_start = False
    target_scaling = "standard"

    def __init__(
        self,
        *,
        n_models="auto",
        hidden_layer_sizes=(64, 64),
        activation="silu",
        dropout=0.0,
        learning_rate="auto",
        weight_decay=1e-4,
        epochs="auto",
        patience=10,
        batch_size="auto",
        validation_fraction="auto",
        max_onehot=16,
        target_range="auto",
        round_predictions=False,
        random_state=None,
        verbose=0,
    ):
        self.n_models = n_models
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.epochs = epochs
        self.patience = patience
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.max_onehot = max_onehot
        self.target_range = target_range
        self.round_predictions = round_predictions
        self.random_state = random_state
        self.verbose = verbose

    def _settings(self):
        params = self.get_params(deep=False)
        for name in (
            "model",
            "loss",
            "optimizer",
            "metrics",
            "shuffle",
            "validation_split",
            "warm_start",
        ):
            params[name] = getattr(type(self), name)
        check_counts(self, params)
        check_switches(self, params)
        _check_network_params(params)
        return params

    def set_params(self, **params):
        """Set parameters; only those of ``__init__``.

        RatingRegressor builds its own network, loss and optimizer, so the
        routed settings of the Keras estimators (``optimizer__*``,
        ``model__*``) and their old spellings have nothing to act on.
        """
        own = self._get_param_names()
        for name in params:
            if name not in own:
                routed = _routed_hint(name)
                close = difflib.get_close_matches(name, own, n=1)
                hint = f" Did you mean {close[0]!r}?" if close and routed == "." else ""
                raise ValueError(
                    f"RatingRegressor has no parameter {name!r}{routed}{hint} "
                    f"Its parameters are: {', '.join(own)}."
                )
        return super().set_params(**params)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        return tags

    # Data -----------------------------------------------------------------

    def _check_training_data(self, X, y, sample_weight, reset=True):
        del reset  # every fit starts afresh: RatingRegressor has no warm start
        self.preprocessor_ = TablePreprocessor(max_onehot=self.max_onehot).fit(X)
        encoded = self.preprocessor_.transform(X)
        encoded, y, sample_weight = check_training_data(self, encoded, y, sample_weight)
        # Weights count relative to each other: scaled to a mean of 1, as the
        # loss and early stopping's least improvement are on their scale
        # (weights of 1/n had stopped training at half the epochs).
        sample_weight = sample_weight / np.mean(sample_weight)
        self.n_features_in_ = self.preprocessor_.n_features_in_
        if hasattr(X, "columns"):
            self.feature_names_in_ = self.preprocessor_.feature_names_in_
        return encoded, y, sample_weight

    def _check_features(self, X):
        return self.preprocessor_.transform(X)

    # Model ----------------------------------------------------------------

    def _model_settings(self, params):
        return {
            "hidden_layer_sizes": tuple(params["hidden_layer_sizes"]),
            "activation": params["activation"],
            "dropout": params["dropout"],
            "n_dense": self.preprocessor_.n_dense_,
            "n_numbers": self.preprocessor_.n_periodic_,
            "frequency_scale": 0.5 if self._n_rows < _LARGE else 2.0,
            "cardinalities": self.preprocessor_.cardinalities_,
        }

    @staticmethod
    def _default_model(n_features_in_, n_outputs_, **settings):
        del n_features_in_
        return tabular_network(n_outputs=n_outputs_, **settings)

    def _training_spec(self, params):
        return _engine.TrainingSpec(
            self.model_,
            make_loss("mse", {}),
            self._optimizer(params),
            make_metrics(()),
        )

    def _optimizer(self, params):
        steps = self._epochs() * math.ceil(self._n_train / self._batch_size())
        schedule = keras.optimizers.schedules.CosineDecay(
            self._learning_rate(), decay_steps=max(steps, 1)
        )
        return keras.optimizers.AdamW(
            learning_rate=schedule, weight_decay=params["weight_decay"]
        )

    def _learning_rate(self):
        if self.learning_rate != "auto":
            return float(self.learning_rate)
        return 4e-3 if self._n_rows < 2_000 else 2e-3

    def _n_models(self):
        if self.n_models != "auto":
            return int(self.n_models)
        return 4 if self._n_rows < _LARGE else 2

    def _epochs(self):
        if self.epochs != "auto":
            return int(self.epochs)
        return 200 if self._n_rows < _LARGE else 30

    def _min_improvement(self):
        """How much an epoch must lower the validation loss to count as better.

        On the standardized target. On the few validation rows of a small
        table, smaller gains are noise that keeps a member training; on a
        large table, they are the slow gains of the last epochs.
        """
        return 1e-3 if self._n_rows < _LARGE else 1e-4

    def _validation_fraction(self):
        fraction = self.validation_fraction
        if fraction == "auto":
            return 0.15 if self._n_rows < _LARGE else 0.1
        if not isinstance(fraction, Real) or not 0 < fraction < 1:
            raise ValueError(
                "validation_fraction must be a share of the training rows "
                f"between 0 and 1, or 'auto'; got {self.validation_fraction!r}."
            )
        return float(fraction)

    def _batch_size(self):
        if self.batch_size != "auto":
            return int(self.batch_size)
        if self._n_rows < 2_000:
            return 64
        return 128 if self._n_rows < 20_000 else 256

    # Fit ------------------------------------------------------------------

    def _plan_fit(self, X, y, sample_weight=None, X_val=None, y_val=None):
        X = X.toarray() if sparse.issparse(X) else X
        self._n_rows = _num_samples(X)
        if self._n_rows < 2:
            samples = "1 sample" if self._n_rows == 1 else f"{self._n_rows} samples"
            raise ValueError(
                f"RatingRegressor needs at least 2 rows, got {samples}: each "
                "network holds rows out for early stopping and trains on the "
                "others."
            )
        self._n_train = self._n_rows - int(self._n_rows * self._validation_fraction())
        return super()._plan_fit(X, y, sample_weight, X_val, y_val)

    def _plan(self, params, X, target, sample_weight, validation):
        plan = super()._plan(
            dict(params, batch_size=self._batch_size(), epochs=self._epochs()),
            X,
            target,
            sample_weight,
            validation,
        )
        rng = np.random.default_rng(self._seed)
        n_models = self._n_models()
        members = [self._member_rows(rng, plan) for _ in range(n_models)]
        specs = [self._spec] + [
            self._member_spec(params, target, seed)
            for seed in rng.integers(0, 2**31 - 1, n_models - 1)
        ]
        return FitPlan(
            specs=specs,
            settings=_engine.Settings(
                epochs=self._epochs(),
                batch_size=self._batch_size(),
                patience=int(self.patience),
                min_delta=self._min_improvement(),
            ),
            data=plan.data,
            train_rows=[train for train, _ in members],
            val_rows=[val for _, val in members],
            seeds=rng.integers(0, 2**31 - 1, n_models).tolist(),
            verbose=params["verbose"],
        )

    def _member_rows(self, rng, plan):
        """A member's training and early-stopping rows."""
        if len(plan.val_rows[0]):
            return plan.train_rows[0], plan.val_rows[0]
        rows = rng.permutation(plan.train_rows[0])
        n_val = max(1, int(len(rows) * self._validation_fraction()))
        return np.sort(rows[n_val:]), np.sort(rows[:n_val])

    def _member_spec(self, params, target, seed):
        """A member of the first member's structure, with its own initial weights.

        Members share the first member's optimizer and program, so a
        member's spec only supplies its initial weights: drawn afresh by
        the first member's initializers, or from a model of its own where
        they cannot be.
        """
        weights = redrawn_weights(self._spec.model, seed)
        if weights is not None:
            return self._spec.starting_from(weights)

        settings = self._model_settings(params)
        model = build_model(self._default_model, self._meta(target), settings, seed)
        return self._spec.starting_from(None, model=model)


def _check_network_params(params):
    """Refuse settings of the network or its training that cannot work."""
    sizes = params["hidden_layer_sizes"]
    if not isinstance(sizes, Iterable) or not all(
        _is_whole(units) and units >= 1 for units in sizes
    ):
        raise ValueError(
            "hidden_layer_sizes must list the units of each hidden layer, "
            f"whole numbers of at least 1, such as (64, 64); got {sizes!r}."
        )
    _check_activation(params["activation"])
    _check_number(params, "dropout", 0.0, 1.0, "at least 0 and below 1")
    if params["learning_rate"] != "auto":
        _check_number(
            params, "learning_rate", 0.0, math.inf, "above 0, or 'auto'", open_low=True
        )
    _check_number(params, "weight_decay", 0.0, math.inf, "at least 0")
    for name, low in (("patience", 1), ("max_onehot", 0)):
        value = params[name]
        if not (_is_whole(value) and value >= low):
            raise ValueError(
                f"{name} must be a whole number of at least {low}; got {value!r}."
            )


def _check_activation(name):
    try:
        known = isinstance(name, str) and keras.activations.get(name) is not None
    except ValueError:
        known = False
    if not known:
        raise ValueError(
            "activation must be the name of a Keras activation, such as "
            f"'relu' or 'silu'; got {name!r}."
        )


def _check_number(params, name, low, high, allowed, open_low=False):
    value = params[name]
    number = isinstance(value, Real) and not isinstance(value, bool)
    above = number and (value > low if open_low else value >= low)
    if not (above and value < high):
        raise ValueError(f"{name} must be a number {allowed}; got {value!r}.")


def _is_whole(value):
    return isinstance(value, Integral) and not isinstance(value, bool)


_NETWORK = "; it builds its own network and trains it on the mse loss."
_HINTS = {
    "optimizer": "; it trains with AdamW and takes learning_rate and weight_decay.",
    "model": _NETWORK,
    "build_fn": _NETWORK,
    "loss": _NETWORK,
    "nb_epoch": "; the number of epochs is epochs.",
    "warm_start": (
        ": each fit trains its ensemble afresh (KerasRegressor(warm_start=True) "
        "continues training one network)."
    ),
}


def _routed_hint(name):
    return _HINTS.get(name.split("__", 1)[0], ".")


def tabular_network(
    n_dense,
    n_numbers,
    cardinalities,
    n_outputs,
    hidden_layer_sizes,
    dropout,
    activation="silu",
    frequency_scale=0.5,
):
    """Embeddings of numbers and of categories, then an MLP.

    Inputs: the dense block (``n_numbers`` scaled numbers, then two-valued
    numbers, missing-value indicators and one-hot levels), then one integer
    code per embedded categorical column. The first ``n_numbers`` get
    periodic embeddings, whose initial frequencies have standard deviation
    ``frequency_scale``; the rest of the dense block joins as it is.
    """
    dense = keras.Input((n_dense,), name="numbers")
    codes = [
        keras.Input((1,), dtype="int32", name=f"category_{i}")
        for i in range(len(cardinalities))
    ]
    numbers = (
        PeriodicEmbedding(sigma=frequency_scale)(dense[:, :n_numbers])
        if n_numbers
        else None
    )
    rest = dense[:, n_numbers:] if n_numbers < n_dense else None
    parts = [p for p in (numbers, rest) if p is not None] + [
        keras.layers.Flatten()(_embedding(n)(code))
        for n, code in zip(cardinalities, codes, strict=True)
    ]
    hidden = keras.layers.Concatenate()(parts) if len(parts) > 1 else parts[0]
    for units in hidden_layer_sizes:
        hidden = dense_layer(units, activation=activation)(hidden)
        if dropout:
            hidden = keras.layers.Dropout(dropout)(hidden)
    output = dense_layer(n_outputs)(hidden)
    return keras.Model([dense, *codes], output)


def _embedding(n_levels):
    return keras.layers.Embedding(
        n_levels, _embedding_width(n_levels), embeddings_initializer=RandomUniform()
    )


def _embedding_width(n_levels):
    """Grows slowly with the levels: 4 for a handful, 16 from about 100."""
    return int(min(16, max(4, round(1.6 * n_levels**0.56))))
