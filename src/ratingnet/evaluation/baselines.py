"""The models a user would try first, to compare a network against."""

import importlib.util

from sklearn.dummy import DummyRegressor
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline

from .columns import make_encoder


def baselines(kinds, *, seed=0):
    """The mean, Ridge and (when installed) LightGBM, by name.

    Ridge and LightGBM see the columns encoded as `make_encoder` does; the
    mean needs none.

    Parameters
    ----------
    kinds : dict of str to str
        Column kinds, as `column_kinds` returns them.
    seed : int, default=0
        Seeds LightGBM.

    Returns
    -------
    dict of str to estimator
    """
    models = {
        "mean": DummyRegressor(strategy="mean"),
        "ridge": _encoded(kinds, Ridge(alpha=1.0)),
    }
    if importlib.util.find_spec("lightgbm") is not None:
        from lightgbm import LGBMRegressor

        # One thread: on small tables, LightGBM's threads and JAX's slow each
        # other down (measured: 0.06 s alone, 1-3 s beside JAX).
        lightgbm = LGBMRegressor(verbose=-1, random_state=seed, n_jobs=1)
        models["lightgbm"] = _encoded(kinds, lightgbm)
    return models


def _encoded(kinds, estimator):
    return Pipeline([("columns", make_encoder(kinds)), ("estimator", estimator)])
