"""Replicas split over CPU devices train exactly as on one device."""

import json
import os
import subprocess
import sys

import pytest

# Five folds, each with a two-member ensemble: ten replicas, which three
# devices train four at a time, padded to twelve with two copies.
_SCRIPT = """
import json
import numpy as np
import jax
import ratingnet
from ratingnet import RatingRegressor, cross_validate
from ratingnet._engine.devices import placement

rng = np.random.default_rng(0)
X = rng.normal(size=(120, 4))
y = np.round(np.clip(3 + X[:, 0] + 0.3 * rng.normal(size=120), 1, 5))
result = cross_validate(
    RatingRegressor(n_models=2, epochs=4, random_state=0),
    X,
    y,
    cv=5,
    scoring="neg_mean_squared_error",
    return_estimator=True,
)
place = placement(10)
print(json.dumps({
    "devices": len(jax.devices()),
    "padded": place.n_padded,
    "split_over": len(place.split.mesh.devices),
    "scores": result["test_score"].tolist(),
    "predictions": result["estimator"][0].predict(X[:5]).tolist(),
}))
"""


def _run(devices):
    env = dict(os.environ, RATINGNET_CPU_DEVICES=str(devices))
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def runs():
    return _run(1), _run(3)


def test_ratingnet_gives_jax_the_devices_asked_for(runs):
    one, three = runs

    assert (one["devices"], one["split_over"], one["padded"]) == (1, 1, 10)
    assert (three["devices"], three["split_over"], three["padded"]) == (3, 3, 12)


def test_results_do_not_depend_on_the_number_of_devices(runs):
    one, three = runs

    assert three["scores"] == pytest.approx(one["scores"], rel=1e-5)
    assert three["predictions"] == pytest.approx(one["predictions"], rel=1e-5)


def test_a_bad_device_count_is_refused():
    env = dict(os.environ, RATINGNET_CPU_DEVICES="many")

    done = subprocess.run(
        [sys.executable, "-c", "import ratingnet"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode != 0
    assert "RATINGNET_CPU_DEVICES must be a positive whole number" in done.stderr
