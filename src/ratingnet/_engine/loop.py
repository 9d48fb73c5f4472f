"""Run a compiled training program chunk by chunk.

Between chunks, control returns to Python: progress is reported, and Ctrl-C
stops training with the weights of the last finished chunk.
"""

import math
from dataclasses import dataclass

import jax
import numpy as np

from .._warnings import warn
from ..exceptions import TrainingInterruptedWarning
from .devices import host_zeros, placement
from .program import chunk_program, initial_state
from .replicas import bucket
from .spec import TrainingSpec

# About this many training steps run between two returns to Python; fewer
# with early stopping, so that training ends soon after the last replica stops.
_STEPS_PER_CHUNK = 50_000
_STEPS_PER_CHUNK_EARLY_STOPPING = 2_000


@dataclass
class Result:
    """What training produced: final states and the history of each replica.

    ``state`` holds NumPy arrays with a leading replica axis.

    ``history`` maps a log name (``loss``, ``val_loss``, ``mae``, ...) to an
    array of shape (replicas, epochs run); ``best_epoch`` is only set with
    early stopping.
    """

    state: dict
    history: dict
    epochs_run: int
    interrupted: bool = False

    def select(self, replicas):
        """The result of some replicas only (a slice or index array)."""
        return Result(
            state=jax.tree_util.tree_map(lambda a: a[replicas], self.state),
            history={name: v[replicas] for name, v in self.history.items()},
            epochs_run=self.epochs_run,
            interrupted=self.interrupted,
        )


def train(specs, settings, data, replicas, *, state=None, on_epochs=None):
    """Train every replica for ``settings.epochs`` epochs (or until stopped).

    Parameters
    ----------
    specs : TrainingSpec or list of TrainingSpec
        One spec, or one per replica (of one structure, each with its own
        initial weights); the first one's program trains them all.
    settings : Settings
    data : dict or list of dict
        One table, or one per group: ``inputs`` (list of arrays), ``y`` and
        ``sample_weight``, all rows; ``target_shift`` and ``target_scale``
        map y and the model's outputs back to the target's own scale for
        metrics.
    replicas : Replicas
    state : dict, optional
        A state from an earlier ``train`` to continue from (warm start).
    on_epochs : callable, optional
        Called after each chunk as ``on_epochs(first_epoch, logs)`` with the
        logs of the chunk's epochs, a dict of arrays (replicas, epochs).
    """
    spec = specs if isinstance(specs, TrainingSpec) else specs[0]
    if state is None:
        state = initial_state(specs, settings, replicas)
    chunk = _epochs_per_chunk(settings, replicas)
    steps = _steps_with_rows(settings, replicas)
    place = placement(replicas.n_replicas)
    state = place.put_split(spec.layout.pack(state))
    device_data = place.put_whole(_stacked_data(data))
    device_replicas = place.put_split(_replica_arrays(replicas))
    program = chunk_program(
        spec,
        settings,
        chunk,
        replicas.n_replicas == 1,
        bool(np.ptp(steps)),
        shapes=_shapes(state, device_data, device_replicas),
    )

    names = _log_names(spec)
    rows, done, interrupted = [], 0, False
    try:
        while done < settings.epochs and not _all_stopped(state):
            state, logs = program(
                state, device_data, device_replicas, done, settings.epochs, steps.max()
            )
            logs = np.asarray(logs)[: replicas.n_replicas, : settings.epochs - done]
            rows.append(logs)
            if on_epochs is not None:
                on_epochs(done, _named(names, logs))
            done += logs.shape[1]
    except KeyboardInterrupt:
        interrupted = True
        warn(
            f"Training was interrupted after {done} of {settings.epochs} epochs; "
            "the weights trained so far are kept.",
            TrainingInterruptedWarning,
        )

    state = spec.layout.unpack(place.take(state))
    return _result(settings, state, names, rows, done, interrupted)


def _shapes(*trees):
    """The shapes and dtypes of the arrays a program is called with."""
    leaves = jax.tree_util.tree_leaves(trees)
    return tuple((leaf.shape, str(leaf.dtype)) for leaf in leaves)


def _epochs_per_chunk(settings, replicas):
    steps_per_epoch = replicas.train.shape[1] // settings.batch_size
    steps = max(steps_per_epoch * replicas.n_replicas, 1)
    per_chunk = (
        _STEPS_PER_CHUNK
        if settings.patience is None
        else _STEPS_PER_CHUNK_EARLY_STOPPING
    )
    n_chunks = math.ceil(settings.epochs * steps / per_chunk)
    return max(1, math.ceil(settings.epochs / n_chunks))


def _steps_with_rows(settings, replicas):
    """The number of batches of each replica that hold rows (padding comes last)."""
    return -(-replicas.train_count // settings.batch_size)


def _stacked_data(tables):
    """The tables stacked on a group axis, rows padded to a bucket.

    Tables whose sizes differ by a few rows then share one compiled program;
    no index points into the padding.
    """
    if isinstance(tables, dict):
        tables = [tables]
    n_rows = bucket(max(len(table["y"]) for table in tables))

    def stack(arrays):
        return _stacked_rows(arrays, n_rows)

    return {
        "inputs": [
            stack(columns)
            for columns in zip(*(t["inputs"] for t in tables), strict=True)
        ],
        "y": stack([t["y"] for t in tables]),
        "sample_weight": _stacked_weights(stack, tables),
        "target_shift": np.stack([t["target_shift"] for t in tables]),
        "target_scale": np.stack([t["target_scale"] for t in tables]),
    }


def _stacked_weights(stack, tables):
    """The tables' sample weights, or None where all are 1.

    The program then weighs rows by their mask alone, without gathering a
    weight per row in each step and evaluation.
    """
    weights = [np.asarray(t["sample_weight"]) for t in tables]
    if all(np.all(w == 1) for w in weights):
        return None
    return stack(weights)


def _stacked_rows(arrays, n_rows):
    """Arrays of one row shape, each padded with zero rows to ``n_rows``.

    Each array is copied once, into its place in the stack: a large table
    copied by padding and then by stacking took two more copies of memory
    and of time (a second each for 400,000 rows of 50 columns).
    """
    arrays = [np.asarray(a) for a in arrays]
    first = arrays[0]
    dtype = np.result_type(*arrays)
    stacked = host_zeros((len(arrays), n_rows, *first.shape[1:]), dtype)
    for group, array in zip(stacked, arrays, strict=True):
        group[: len(array)] = array
    return stacked


def _replica_arrays(replicas):
    return {
        "train": replicas.train,
        "train_count": replicas.train_count,
        "val": replicas.val,
        "val_mask": replicas.val_mask,
        "group": replicas.groups,
    }


def _all_stopped(state):
    return bool(np.all(np.asarray(state["stopped"]) > 0))


def _log_names(spec):
    metrics = spec.metric_names
    return ["loss", *metrics, "val_loss", *(f"val_{m}" for m in metrics), "active"]


def _named(names, logs):
    return {name: logs[:, :, i] for i, name in enumerate(names)}


def _result(settings, state, names, rows, done, interrupted):
    logs = np.concatenate(rows, axis=1) if rows else np.zeros((1, 0, len(names)))
    history = _named(names, logs)
    active = history.pop("active") > 0

    # The state is back in NumPy: bookkeeping here compiles nothing, where
    # operations on the devices would compile a program per shape.
    if settings.patience is not None and settings.restore_best:
        state = dict(state, model=_restore_best(state))
    return Result(
        state=state,
        history={
            name: np.where(active, values, np.nan) for name, values in history.items()
        },
        epochs_run=done,
        interrupted=interrupted,
    )


def _restore_best(state):
    found = np.isfinite(state["best_loss"])

    def pick(best, last):
        shape = (-1,) + (1,) * (best.ndim - 1)
        return np.where(found.reshape(shape), best, last)

    # The best model holds the weights only; the optimizer's state stays.
    last = state["model"]
    best = {
        name: jax.tree_util.tree_map(pick, weights, last[name])
        for name, weights in state["best_model"].items()
    }
    return dict(last, **best)
