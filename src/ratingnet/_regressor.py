"""KerasRegressor: a Keras model that predicts numbers, as a scikit-learn regressor."""

import numpy as np
from sklearn.base import RegressorMixin

from ._base import BaseKerasEstimator


class KerasRegressor(RegressorMixin, BaseKerasEstimator):
    """Keras model as a scikit-learn regressor; ``score`` is R².

    The parameters are those of ``BaseKerasEstimator``; the default loss is
    ``"mse"`` and the default network ends in ``Dense(n_outputs_)``.

    Examples
    --------
    >>> import numpy as np
    >>> from ratingnet import KerasRegressor
    >>> X = np.random.default_rng(0).normal(size=(64, 3))
    >>> y = X @ [1.0, -2.0, 0.5]
    >>> est = KerasRegressor(epochs=20, random_state=0).fit(X, y)
    >>> est.predict(X[:2]).shape
    (2,)
    """

    def _default_loss(self):
        return "mse"

    def _encode_target(self, y, *, reset):
        y = np.asarray(y, dtype=np.float32)
        if reset:
            self._target_ndim = y.ndim
            self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        if not np.all(np.isfinite(y)):
            raise ValueError(
                "y contains NaN or infinity; remove those rows or fill the "
                "target before fitting."
            )
        return y.reshape(len(y), -1)

    def _check_model(self, model, target):
        units = model.output_shape[-1]
        if units != target.shape[1]:
            raise ValueError(
                f"The model's output has {units} units, but the target has "
                f"{target.shape[1]} column(s). For a regressor, end the model "
                f"with Dense({target.shape[1]}) and a linear activation."
            )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def predict(self, X):
        """Predicted values for X, shape (n_samples,) or (n_samples, n_outputs)."""
        outputs = self._forward(X)
        return outputs[:, 0] if self._target_ndim == 1 else outputs
