"""The engine's shuffling, early stopping and quickly compiled programs."""

from ratingnet import _engine
from ratingnet._compile import make_loss
from ratingnet._engine import jit as jit_module
from ratingnet._engine.jit import quick_jit
from ratingnet._engine.program import _batches, _shuffled_positions
from ratingnet._engine.spec import Settings

import jax
import jax.numpy as jnp
import keras
import numpy as np


def _order(key, count=50, length=64):
    replica = {
        "train": np.arange(length, dtype=np.int32),
        "train_count": np.int32(count),
    }
    settings = Settings(epochs=1, batch_size=8)
    rows, mask = _batches(settings, replica, np.array(key, dtype=np.uint32))
    return np.asarray(rows).ravel(), np.asarray(mask).ravel()


def test_valid_rows_come_first_in_a_random_order():
    rows, mask = _order([0, 7])

    assert sorted(rows[:50]) == list(range(50))
    assert sorted(rows[50:]) == list(range(50, 64))
    assert mask.tolist() == [1.0] * 50 + [0.0] * 14
    assert rows[:50].tolist() != list(range(50))


def test_epochs_and_seeds_shuffle_differently_and_repeatably():
    first, _ = _order([0, 7])
    again, _ = _order([0, 7])
    next_epoch, _ = _order([1, 7])
    other_seed, _ = _order([0, 8])

    assert first.tolist() == again.tolist()
    assert first.tolist() != next_epoch.tolist()
    assert first.tolist() != other_seed.tolist()


def _slots(n_epochs, count=50, length=64):
    """Where each of ``count`` rows lands in each of ``n_epochs`` epochs."""
    keys = np.stack([np.arange(n_epochs), np.full(n_epochs, 7)], axis=1)
    shuffle = jax.vmap(lambda key: _shuffled_positions(key, jnp.int32(count), length))
    orders = np.asarray(jax.jit(shuffle)(keys.astype(np.uint32)))
    return np.argsort(orders[:, :count], axis=1)


def test_the_shuffle_is_a_permutation_for_any_count():
    for count, length in [(0, 8), (1, 8), (5, 8), (37, 64), (1279, 1536)]:
        order = np.asarray(
            _shuffled_positions(np.array([3, 1], np.uint32), jnp.int32(count), length)
        )

        assert sorted(order[:count]) == list(range(count))
        assert order[count:].tolist() == list(range(count, length))


def test_the_shuffle_spreads_rows_like_a_uniform_one():
    slots = _slots(1000)

    # Each row falls in each fifth of the epoch about equally often:
    # chi-squared with 200 degrees of freedom (p < 1e-5 above 300).
    counts = np.stack([np.sum(slots // 10 == part, axis=0) for part in range(5)])
    chi2 = np.sum((counts - 200) ** 2 / 200)
    assert chi2 < 300

    # Neighbouring rows share a batch of 8 as often as any two rows would
    # (six full batches and one of two: 338 pairs of 2,450).
    together = np.mean(slots[:, :-1] // 8 == slots[:, 1:] // 8)
    assert abs(together - 338 / 2450) < 0.01


def test_early_stopping_restores_the_best_epochs_weights():
    # A wide network with a large learning rate on 40 noisy rows: the
    # validation loss bottoms out early, and training stops some epochs on.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4)).astype(np.float32)
    y = (X[:, :1] + rng.normal(size=(60, 1))).astype(np.float32)
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(1),
        ]
    )
    spec = _engine.TrainingSpec(
        model, make_loss("mse", {}), keras.optimizers.Adam(0.05)
    )
    data = {
        "inputs": [X],
        "y": y,
        "sample_weight": np.ones(60, np.float32),
        "target_shift": np.zeros(1, np.float32),
        "target_scale": np.ones(1, np.float32),
    }
    replicas = _engine.make_replicas([np.arange(40)], [np.arange(40, 60)], [0], 8)
    settings = _engine.Settings(epochs=60, batch_size=8, patience=3)

    result = _engine.train(spec, settings, data, replicas)

    val_loss = result.history["val_loss"][0]
    spec.assign(jax.tree_util.tree_map(lambda a: a[0], result.state["model"]))
    restored = float(np.mean((model.predict(X[40:], verbose=0) - y[40:]) ** 2))
    trained = int(np.sum(~np.isnan(val_loss)))
    assert trained < 60
    assert np.nanargmin(val_loss) < trained - 1
    np.testing.assert_allclose(restored, np.nanmin(val_loss), rtol=1e-4)


def _polynomial(x):
    return jnp.sin(x) * x**2 + jnp.cos(2 * x)


def test_a_quick_program_computes_what_jit_does():
    x = np.linspace(-3, 3, 50, dtype=np.float32)

    np.testing.assert_allclose(
        quick_jit(_polynomial)(x), jax.jit(_polynomial)(x), rtol=1e-6, atol=1e-6
    )


def test_a_quick_program_compiles_as_usual_where_xla_refuses_the_option(
    monkeypatch,
):
    monkeypatch.setattr(jit_module, "_QUICK_COMPILE", {"xla_no_such_option": True})
    x = np.linspace(-3, 3, 50, dtype=np.float32)

    program = quick_jit(_polynomial)

    np.testing.assert_allclose(program(x), jax.jit(_polynomial)(x), rtol=1e-6)
    np.testing.assert_allclose(program(x + 1), jax.jit(_polynomial)(x + 1), rtol=1e-6)
