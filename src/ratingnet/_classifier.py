"""KerasClassifier: a Keras model that predicts classes, for scikit-learn."""

import numpy as np
import pandas as pd
from scipy.special import expit, softmax
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

from ._base import BaseKerasEstimator, shares_parameters
from ._guards import output_activation, warn_classifier_on_ratings
from ._model import output_units


@shares_parameters
class KerasClassifier(ClassifierMixin, BaseKerasEstimator):
    """Keras model as a scikit-learn classifier; ``score`` is accuracy.

    Labels may be of any type; ``predict`` returns them in the user's own
    type. The model ends in one sigmoid unit (two classes) or ``n_classes_``
    softmax units. The default loss follows: ``binary_crossentropy`` or
    ``sparse_categorical_crossentropy``; ``metrics=["accuracy"]`` picks the
    matching accuracy.

    Parameters
    ----------

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen in fit, sorted.
    n_classes_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from ratingnet import KerasClassifier
    >>> X = np.random.default_rng(0).normal(size=(64, 3))
    >>> y = np.where(X[:, 0] > 0, "high", "low")
    >>> est = KerasClassifier(epochs=20, random_state=0).fit(X, y)
    >>> est.predict(X[:2]).dtype.kind
    'U'
    """

    _requires_numeric_target = False

    def _encode_target(self, y, *, reset):
        y = column_or_1d(y, warn=True)
        if reset:
            check_classification_targets(y)
            warn_classifier_on_ratings(self._with_order(y))
            self.classes_ = np.unique(y)
            self.n_classes_ = len(self.classes_)
            if self.n_classes_ < 2:
                raise ValueError(
                    f"y has only one class ({self.classes_[0]!r}); a classifier "
                    "needs at least two classes to learn from."
                )
        return self._codes(y).astype(np.float32).reshape(-1, 1)

    def _with_order(self, y):
        """y as the ordered categorical it was given as, if it was one."""
        if self._categories is None:
            return y
        return pd.Categorical(y, categories=self._categories, ordered=True)

    def _codes(self, y):
        """Positions of the labels in ``classes_``; unseen labels are an error."""
        codes = np.searchsorted(self.classes_, y).clip(0, self.n_classes_ - 1)
        unseen = self.classes_[codes] != y
        if np.any(unseen):
            raise ValueError(
                f"y contains labels not seen in fit: "
                f"{_listed(sorted(set(y[unseen].tolist()))[:5])}. The classes "
                f"are {_listed(self.classes_.tolist())}."
            )
        return codes

    def _meta(self, target):
        return {
            **super()._meta(target),
            "n_classes_": self.n_classes_,
            "classes_": self.classes_,
        }

    def _default_model(self, n_features_in_, n_outputs_, n_classes_, **settings):
        del n_outputs_
        # Two classes get one sigmoid unit, unless the loss is a categorical
        # one, which needs a unit per class.
        single = n_classes_ <= 2 and not _is_categorical(self.loss)
        units = 1 if single else n_classes_
        activation = "sigmoid" if units == 1 else "softmax"
        return super()._default_model(
            n_features_in_, units, output_activation=activation, **settings
        )

    def _check_model(self, model, target):
        del target
        units = output_units(model, self.n_features_in_)
        if units == self.n_classes_ or (units == 1 and self.n_classes_ <= 2):
            return
        raise ValueError(
            f"The model's output has {units} units, but y has {self.n_classes_} "
            "classes. End the model with Dense(1, activation='sigmoid') for two "
            f"classes or Dense({self.n_classes_}, activation='softmax')."
        )

    def _units(self):
        return output_units(self.model_, self.n_features_in_)

    def _training_spec(self, params):
        spec = super()._training_spec(params)
        _check_probability_output(self.model_, spec.loss)
        _check_loss_fits_output(self._units(), spec.loss, self.n_classes_)
        self._logits = spec.loss.from_logits
        self._one_hot = _takes_one_hot(spec.loss)
        return spec

    def _default_loss(self):
        if self._units() == 1:
            return "binary_crossentropy"
        return "sparse_categorical_crossentropy"

    def _metric_aliases(self, loss):
        if self._units() == 1:
            accuracy = "binary_accuracy"
        elif _takes_one_hot(loss):
            accuracy = "categorical_accuracy"
        else:
            accuracy = "sparse_categorical_accuracy"
        return {"accuracy": accuracy, "acc": accuracy}

    def _prepare_target(self, target):
        if self._one_hot:
            return np.eye(self._units(), dtype=np.float32)[target[:, 0].astype(int)]
        return target

    def predict_proba(self, X):
        """Class probabilities for X, (n_samples, n_classes), in ``classes_`` order."""
        outputs = self._forward(X)
        if self._units() == 1:
            positive = expit(outputs[:, 0]) if self._logits else outputs[:, 0]
            positive = np.clip(positive, 0.0, 1.0)
            return np.column_stack([1.0 - positive, positive])
        if self._logits:
            return softmax(outputs, axis=1)
        return outputs / outputs.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X):
        """The logarithm of ``predict_proba(X)``; -inf where a probability is 0."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predicted labels for X, of the type of the labels given to fit."""
        codes = np.argmax(self.predict_proba(X), axis=1)
        return self.classes_[codes]


def _is_categorical(loss):
    """Whether a loss as given (name, Loss or function) is a categorical one."""
    name = loss if isinstance(loss, str) else getattr(loss, "name", None)
    name = name or getattr(loss, "__name__", "")
    return "categorical" in name.lower()


def _check_loss_fits_output(units, loss, n_classes):
    """Refuse a loss that reads the model's outputs as another head's."""
    if units == 1 and _is_categorical(loss):
        raise ValueError(
            f"The loss {loss.name!r} compares a unit per class, but the model "
            "ends in one unit, over which it is always 0: nothing would be "
            "learned. Use loss='binary_crossentropy' (the default for one "
            f"unit), or end the model with Dense({n_classes}, "
            "activation='softmax')."
        )
    if units > 1 and "binary" in loss.name.lower():
        raise ValueError(
            f"The loss {loss.name!r} compares one column, but the model ends "
            f"in {units} units, one per class. Use "
            "loss='sparse_categorical_crossentropy' (the default for several "
            "units), or end a two-class model with Dense(1, "
            "activation='sigmoid')."
        )


def _takes_one_hot(loss):
    """Whether the loss compares one-hot rows (not class codes) with outputs."""
    name = loss.name.lower()
    return "categorical" in name and "sparse" not in name


def _check_probability_output(model, loss):
    """Refuse a loss on probabilities after an output that gives none."""
    activation = output_activation(model)
    if loss.from_logits and activation in ("sigmoid", "softmax"):
        raise ValueError(
            f"The model ends in a {activation} activation, which gives "
            f"probabilities, but the loss {loss.name!r} takes logits "
            f"(from_logits=True): it would apply the {activation} a second "
            "time, in training and in predict_proba. Drop from_logits=True, "
            "or end the model in a linear activation."
        )
    if loss.from_logits or activation in (None, "sigmoid", "softmax"):
        return
    raise ValueError(
        f"The model ends in a {activation} activation, but the loss "
        f"{loss.name!r} takes probabilities (from_logits=False), so training "
        "and predict_proba would read its outputs as probabilities. End the "
        "model with Dense(1, activation='sigmoid') for two classes or "
        "Dense(n_classes, activation='softmax'), or keep the output and pass "
        "loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True) "
        "(BinaryCrossentropy for two classes)."
    )


def _listed(labels):
    """Labels as Python writes them (1, 'a'), not as NumPy does (np.str_('a'))."""
    return ", ".join(repr(label) for label in labels)
