import os
import subprocess
import sys
import threading

import ratingnet  # noqa: F401
from ratingnet import _threefry as threefry
from ratingnet._model import build_model
from ratingnet._threefry import _numpy_uniform, uniform_draws_in_numpy, unit_floats

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest
from keras.src.backend.jax import random as keras_jax_random


@pytest.mark.parametrize("shape", [(), (1,), (11, 10), (3, 5, 7), (70_000,)])
@pytest.mark.parametrize("key", [(0, 0), (0, 42), (2**32 - 1, 123_456_789)])
def test_unit_floats_are_jax_uniform(shape, key):
    key = np.array(key, dtype=np.uint32)

    expected = np.asarray(jax.random.uniform(jnp.asarray(key), shape))

    np.testing.assert_array_equal(unit_floats(key, shape), expected)


@pytest.mark.parametrize(
    ("minval", "maxval"), [(-0.05, 0.05), (-0.7385, 0.7385), (0.0, 1.0), (-3.2, 1.7)]
)
def test_scaled_draws_are_jax_uniform(minval, maxval):
    key = jnp.array([7, 99], dtype=jnp.uint32)

    ours = _numpy_uniform((40, 25), minval, maxval, "float32", key)
    expected = jax.random.uniform(key, (40, 25), minval=minval, maxval=maxval)

    np.testing.assert_array_equal(ours, np.asarray(expected))


def _recipe_layers(n_features_in_):
    return keras.Sequential(
        [
            keras.Input((n_features_in_,)),
            keras.layers.Dense(10, activation="relu"),
            keras.layers.Dense(1, kernel_initializer="he_uniform"),
        ]
    )


def _weights(model):
    return [np.asarray(w) for w in model.get_weights()]


def test_built_model_has_keras_own_weights():
    keras.utils.set_random_seed(5)
    expected = _weights(_recipe_layers(13))

    keras.utils.set_random_seed(5)
    with uniform_draws_in_numpy():
        built = _weights(_recipe_layers(13))

    assert len(built) == len(expected)
    for ours, theirs in zip(built, expected, strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_build_model_draws_without_jax(monkeypatch):
    def compiled_draw(*args, **kwargs):
        raise AssertionError("jax.random.uniform was called")

    monkeypatch.setattr(jax.random, "uniform", compiled_draw)

    model = build_model(_recipe_layers, {"n_features_in_": 9}, {}, 0)

    assert model.layers[0].kernel.shape == (9, 10)


def test_routing_is_put_back_on_error():
    original = keras_jax_random.uniform

    with pytest.raises(RuntimeError), uniform_draws_in_numpy():
        with uniform_draws_in_numpy():
            assert keras_jax_random.uniform is not original
        assert keras_jax_random.uniform is not original
        raise RuntimeError("a failing build")

    assert keras_jax_random.uniform is original


def test_traced_and_other_dtype_draws_go_to_jax():
    seed = keras.random.SeedGenerator(3)

    @jax.jit
    def traced(state):
        return keras.random.uniform((4,), seed=state)

    key = jnp.array([1, 2], dtype=jnp.uint32)
    with uniform_draws_in_numpy():
        inside = traced(key)
        wide = keras.random.uniform((3,), dtype="float16", seed=seed)

    np.testing.assert_array_equal(inside, traced(key))
    assert wide.dtype == jnp.float16


def test_a_seed_generator_advances_once_per_draw():
    inside, outside = keras.random.SeedGenerator(3), keras.random.SeedGenerator(3)
    # NumPy draws the first; JAX the second, whose sum float64 cannot
    # round as one fused step, and the float16 one.
    draws = [(0.0, 1.0, "float32"), (1e-20, 1.0, "float32"), (0.0, 1.0, "float16")]

    def draw(seed):
        return [
            keras.random.uniform((300,), low, high, dtype=dtype, seed=seed)
            for low, high, dtype in draws
        ]

    with uniform_draws_in_numpy():
        routed = draw(inside)
    kept = draw(outside)

    for ours, theirs in zip(routed, kept, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(inside.state.value, outside.state.value)


@pytest.mark.parametrize(
    "draw",
    [
        # Near subnormal numbers, which XLA flushes to zero.
        lambda seed: keras.random.uniform((30,), 0.0, 1e-40, seed=seed),
        lambda seed: keras.random.uniform((30,), 1e-39, 2e-39, seed=seed),
        # Shapes and keys that Keras takes in other forms.
        lambda seed: keras.random.uniform(5, seed=seed),
        lambda seed: keras.random.uniform((0, 3), seed=seed),
        lambda seed: keras.random.uniform((3,), seed=jax.random.key(seed)),
    ],
)
def test_draws_keras_takes_give_kerass_numbers(draw):
    with uniform_draws_in_numpy():
        routed = draw(7)

    np.testing.assert_array_equal(routed, draw(7))


def test_only_the_building_thread_is_routed(monkeypatch):
    def refused(*args):
        raise AssertionError("another thread's draw was routed")

    monkeypatch.setattr(threefry, "_numpy_uniform", refused)
    results = []

    def elsewhere():
        results.append(keras.random.uniform((4,), seed=1))

    with uniform_draws_in_numpy():
        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()

    assert len(results) == 1


def test_without_fused_multiply_add_the_draws_match_kerass(tmp_path):
    # XLA's kernels round the product and the sum apart on a CPU without FMA
    # instructions, which capping XLA's instruction set stands in for.
    script = tmp_path / "draws.py"
    script.write_text(
        "import ratingnet, keras, numpy as np\n"
        "from ratingnet._model import build_model\n"
        "from ratingnet import _threefry\n"
        "def net(n_features_in_):\n"
        "    return keras.Sequential([keras.Input((n_features_in_,)),\n"
        "                             keras.layers.Dense(40), keras.layers.Dense(1)])\n"
        "keras.utils.set_random_seed(0)\n"
        "expected = net(30).get_weights()\n"
        "built = build_model(net, {'n_features_in_': 30}, {}, 0).get_weights()\n"
        "assert not _threefry._fuses_multiply_add()\n"
        "for a, b in zip(built, expected, strict=True):\n"
        "    np.testing.assert_array_equal(a, b)\n"
    )
    environment = {**os.environ, "XLA_FLAGS": "--xla_cpu_max_isa=SSE4_2"}

    run = subprocess.run(
        [sys.executable, str(script)], env=environment, capture_output=True, text=True
    )

    assert run.returncode == 0, run.stderr[-2000:]
