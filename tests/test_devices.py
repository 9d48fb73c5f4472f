"""Replicas split over CPU devices train exactly as on one device."""

import json
import os
import subprocess
import sys

from ratingnet._engine.devices import host_zeros
from ratingnet._engine.loop import _stacked_data

import numpy as np
import pytest

# Five folds, each with a two-member ensemble: ten replicas, which three
# devices train four at a time, padded to twelve with two copies.
_SCRIPT = """
import json
import numpy as np
import jax
import ratingnet
from ratingnet import RatingRegressor, cross_validate
from ratingnet._engine.devices import host_zeros, placement

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
table = host_zeros((4, 1000, 3), np.float32)
on_devices = place.put_whole(table)
pointers = {s.data.unsafe_buffer_pointer() for s in on_devices.addressable_shards}
print(json.dumps({
    "table_shared": pointers == {table.ctypes.data},
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


def test_every_device_reads_the_one_host_copy_of_a_table(runs):
    one, three = runs

    assert one["table_shared"] and three["table_shared"]


def test_host_zeros_are_aligned_zeros_of_the_shape_asked_for():
    table = host_zeros((3, 5, 7), np.float32)

    assert table.shape == (3, 5, 7) and table.dtype == np.float32
    assert table.ctypes.data % 64 == 0
    assert not table.any()
    table[1, 2] = 1.0
    assert table.sum() == 7


def test_training_tables_are_stacked_in_memory_the_devices_share():
    table = {
        "inputs": [np.ones((10, 3)), np.ones((10, 2, 2))],
        "y": np.ones((10, 1)),
        "sample_weight": np.ones(10),
        "target_shift": np.zeros(1),
        "target_scale": np.ones(1),
    }
    shorter = dict(
        table, y=np.ones((7, 1)), inputs=[np.ones((7, 3)), np.ones((7, 2, 2))]
    )

    stacked = _stacked_data([table, shorter])

    arrays = [*stacked["inputs"], stacked["y"]]
    assert all(a.ctypes.data % 64 == 0 for a in arrays)
    assert stacked["y"].shape == (2, 10, 1)
    assert stacked["y"][1, :7].all() and not stacked["y"][1, 7:].any()


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
