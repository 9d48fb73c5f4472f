"""KerasRegressor: a Keras model that predicts numbers, as a scikit-learn regressor."""

import numpy as np
from sklearn.base import RegressorMixin

from ._base import BaseKerasEstimator, shares_parameters
from ._compile import compiled_setting
from ._guards import (
    check_output_range,
    check_regression_metrics,
    check_regression_model,
    check_scale_bound_loss,
    warn_constant_target,
)
from ._model import output_units
from ._scaling import check_scaling, check_target_range, fit_scaling, snap
from .target import MAX_RATING_LEVELS


@shares_parameters
class KerasRegressor(RegressorMixin, BaseKerasEstimator):
    """Keras model as a scikit-learn regressor, aware of rating targets.

    The default loss is ``"mse"``; the default network ends in
    ``Dense(n_outputs_)``.

    Parameters
    ----------
    target_scaling : {"standard", "minmax"} or None, default="standard"
        How y is scaled for training; predictions are mapped back. "standard"
        trains on mean 0 and standard deviation 1, "minmax" maps
        ``target_range`` (or the training range) onto [0, 1], as a sigmoid
        output needs. With scaling, the ``loss`` in ``history_`` is on the
        training scale; metrics are on y's own scale.
    target_range : (float, float), "auto" or None, default=None
        Clip predictions to this range; "auto" uses the training range, each
        output column its own.
    round_predictions : bool, default=False
        Snap predictions to the nearest level seen in training, for targets
        that only take whole levels (ratings).

    Attributes
    ----------
    target_shift_, target_scale_ : ndarray of shape (n_outputs_,)
        The training target is ``(y - target_shift_) / target_scale_``.
    target_range_ : tuple of float, tuple of ndarray or None
        The range predictions are clipped to: (low, high), or with "auto"
        and several output columns, arrays of one low and one high each.
    levels_ : ndarray or None
        The distinct target values of training, for a single-output target
        with at most ``ratingnet.target.MAX_RATING_LEVELS`` of them.

    Examples
    --------
    >>> import numpy as np
    >>> from ratingnet import KerasRegressor
    >>> X = np.random.default_rng(0).normal(size=(64, 3))
    >>> y = np.clip(np.round(3 + X @ [1.0, -0.5, 0.5]), 1, 5)
    >>> est = KerasRegressor(epochs=200, target_range="auto", random_state=0)
    >>> predicted = est.fit(X, y).predict(X)
    >>> predicted.shape, bool(np.abs(predicted - y).mean() < 0.5)
    ((64,), True)
    """

    def __init__(
        self,
        model=None,
        *,
        loss=None,
        optimizer=None,
        metrics=None,
        epochs=100,
        batch_size=32,
        shuffle=True,
        validation_split=0.0,
        verbose=0,
        random_state=None,
        warm_start=False,
        target_scaling="standard",
        target_range=None,
        round_predictions=False,
        **kwargs,
    ):
        super().__init__(
            model,
            loss=loss,
            optimizer=optimizer,
            metrics=metrics,
            epochs=epochs,
            batch_size=batch_size,
            shuffle=shuffle,
            validation_split=validation_split,
            verbose=verbose,
            random_state=random_state,
            warm_start=warm_start,
            **kwargs,
        )
        self.target_scaling = target_scaling
        self.target_range = target_range
        self.round_predictions = round_predictions

    def _default_loss(self):
        return "mse"

    def _encode_target(self, y, *, reset):
        y = np.asarray(y, dtype=np.float64)
        if reset:
            self._target_ndim = y.ndim
        y = y.reshape(len(y), -1)
        if reset:
            self._learn_target(y)
        elif y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y.shape[1]} column(s), but this warm-started "
                f"{type(self).__name__} was fitted on {self.n_outputs_}: a warm "
                "start continues the same model. Fit with warm_start=False for "
                "another target."
            )
        return ((y - self.target_shift_) / self.target_scale_).astype(np.float32)

    def _learn_target(self, y):
        check_scaling(self.target_scaling)
        given_range = check_target_range(self.target_range)
        self.n_outputs_ = y.shape[1]

        warn_constant_target(y)
        auto = _training_range(y)
        self.target_range_ = auto if given_range == "auto" else given_range
        self.target_shift_, self.target_scale_ = fit_scaling(
            y, self.target_scaling, self.target_range_
        )
        self.levels_ = _levels(y)
        if self.round_predictions and self.levels_ is None:
            raise ValueError(
                "round_predictions=True snaps predictions to the levels of a "
                f"rating, but y has {len(np.unique(y))} distinct values (or "
                f"several columns); a rating has at most {MAX_RATING_LEVELS}. "
                "Leave round_predictions off for a continuous target."
            )

    def _check_model(self, model, target):
        units = output_units(model, self.n_features_in_)
        if units != target.shape[1]:
            raise ValueError(
                f"The model's output has {units} units, but the target has "
                f"{target.shape[1]} column(s). For a regressor, end the model "
                f"with Dense({target.shape[1]}) and a linear activation."
            )
        check_regression_model(model, self._loss_name(model), target.shape[1])
        check_scale_bound_loss(self._loss_name(model), self.target_scaling)
        check_output_range(model, target, self.target_scaling)

    def _training_spec(self, params):
        spec = super()._training_spec(params)
        check_regression_metrics(params["metrics"])
        check_regression_metrics(spec.metric_names)
        return spec

    def _loss_name(self, model):
        loss = self.loss or compiled_setting(model, "loss") or "mse"
        if isinstance(loss, str):
            return loss
        return getattr(loss, "name", getattr(loss, "__name__", type(loss).__name__))

    def _user_scale(self, target):
        return target * self.target_scale_ + self.target_shift_

    def _target_affine(self, n_columns):
        del n_columns
        return self.target_shift_, self.target_scale_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def predict(self, X):
        """Predicted values for X, shape (n_samples,) or (n_samples, n_outputs).

        Mapped back to y's scale, clipped to ``target_range_`` and, with
        ``round_predictions``, snapped to the training levels.
        """
        outputs = self._user_scale(self._forward(X))
        if self.target_range_ is not None:
            outputs = np.clip(outputs, *self.target_range_)
        if self.round_predictions and self.levels_ is not None:
            outputs = snap(outputs, self.levels_)
        return outputs[:, 0] if self._target_ndim == 1 else outputs


def _training_range(y):
    """(low, high) of a one-column target; per-column arrays for several."""
    if y.shape[1] == 1:
        return float(y.min()), float(y.max())
    return y.min(axis=0), y.max(axis=0)


def _levels(y):
    """The distinct values of a one-column target with few of them, or None."""
    if y.shape[1] != 1:
        return None
    levels = np.unique(y)
    return levels if len(levels) <= MAX_RATING_LEVELS else None
