import ratingnet  # noqa: F401  (selects the JAX backend before keras loads)
from ratingnet.cli.models import recipe_network as recipe  # noqa: F401

import keras
import numpy as np
import pytest


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", help="run slow benchmarks")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow; run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def regression_data():
    """A small seeded table whose target is a noisy linear rating-like score."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4)).astype(np.float32)
    y = X @ np.array([1.0, -0.5, 0.25, 0.0]) + 0.1 * rng.normal(size=120)
    return X, y


@pytest.fixture(scope="session")
def classification_data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 3)).astype(np.float32)
    y = np.where(X[:, 0] + X[:, 1] > 0, "high", "low")
    return X, y


def small_model(n_features_in_):
    """One Dense unit on the inputs: the smallest model that trains."""
    return keras.Sequential([keras.Input((n_features_in_,)), keras.layers.Dense(1)])
