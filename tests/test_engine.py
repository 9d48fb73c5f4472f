"""The engine's shuffling: each epoch a new order of the valid rows."""

from ratingnet._engine.program import _batches
from ratingnet._engine.spec import Settings

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
