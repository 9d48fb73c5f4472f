"""The compiled training program: epochs of batches, scanned and vmapped.

One call runs a chunk of epochs for every replica. Within a replica an epoch
is a ``lax.scan`` over batches; each step calls the Keras model through its
stateless API, so the whole chunk is one XLA program with no Python per
batch. Programs are cached by the structure of what they train, so folds and
refits of the same model compile once.
"""

import inspect
from collections import OrderedDict
from functools import partial

import jax
import jax.numpy as jnp
import keras
import numpy as np

from .dots import MAX_ROWS, with_fast_dots
from .jit import quick_jit
from .spec import TrainingSpec

_PROGRAMS = OrderedDict()
_MAX_PROGRAMS = 32
# Rounds of the swap-or-not shuffle (see _shuffled_positions).
_SHUFFLE_ROUNDS = 24
# Validation rows are evaluated this many at a time. All at once, the
# activations of every replica's rows were held together: 1.2 GB for
# RatingRegressor's periodic embeddings of 32,000 rows, ten replicas.
_EVALUATION_ROWS = 2048


def chunk_program(spec, settings, epochs_per_chunk, single, uneven=False, shapes=()):
    """The jitted ``run(state, data, replicas, first_epoch, epochs, steps)`` of a spec.

    ``single`` builds the program for exactly one replica. An epoch runs
    ``steps`` batches, the most any replica has rows for; with ``uneven``,
    some replicas have fewer, and each step checks that its batch holds rows.
    ``shapes`` are those of the arrays it will be called with: jax.jit keeps
    a compiled program per shape, so a cache entry per shape is what bounds
    the compiled programs kept (fits on many table sizes, as in
    ``learning_curve``, would otherwise keep adding them).
    """
    key = ("train", spec.key, spec.layout.flat, settings, epochs_per_chunk)
    key += (single, uneven, shapes)
    return _cached(
        key,
        lambda: jax.jit(
            _build_chunk(spec, settings, epochs_per_chunk, single, uneven),
            donate_argnums=0,
        ),
    )


def predict_program(spec_key, model, ensemble=False):
    """The jitted ``predict(trainable, non_trainable, inputs)`` for a model.

    With ``ensemble``, the weights carry a leading member axis and the
    program returns the members' mean output.
    """

    def build():
        def predict(trainable, non_trainable, inputs):
            outputs, _ = _call(model, trainable, non_trainable, inputs, training=False)
            return outputs

        if not ensemble:
            return quick_jit(predict)

        members = jax.vmap(predict, in_axes=(0, 0, None))
        return quick_jit(lambda *args: jnp.mean(members(*args), axis=0))

    return _cached(("predict", spec_key, ensemble), build)


def _cached(key, build):
    if key in _PROGRAMS:
        _PROGRAMS.move_to_end(key)
        return _PROGRAMS[key]

    program = _PROGRAMS[key] = build()
    if len(_PROGRAMS) > _MAX_PROGRAMS:
        _PROGRAMS.popitem(last=False)
    return program


def _model_input(model, inputs):
    """The inputs in the structure the model was built with.

    A model of named inputs (a dict) takes a dict, whose arrays are in the
    order of ``model.inputs`` (sorted by name), as X's columns are split.
    """
    structure = getattr(model, "_inputs_struct", None)
    if isinstance(structure, dict):
        return keras.tree.pack_sequence_as(structure, list(inputs))
    return inputs[0] if len(inputs) == 1 else list(inputs)


def _call(model, trainable, non_trainable, inputs, training, return_losses=False):
    """``model.stateless_call`` on the inputs, in training mode or not.

    ``training`` reaches the model's ``call`` only if it takes one, as
    when Keras calls a model: a subclassed model's ``call(x)`` may not.
    """
    mode = {"training": training} if _takes_training(model) else {}
    return model.stateless_call(
        trainable,
        non_trainable,
        _model_input(model, inputs),
        return_losses=return_losses,
        **mode,
    )


def _takes_training(model):
    parameters = inspect.signature(model.call).parameters.values()
    return any(
        p.name == "training" or p.kind is inspect.Parameter.VAR_KEYWORD
        for p in parameters
    )


def _build_chunk(spec, settings, epochs_per_chunk, single, uneven):
    # The loops over epochs and steps are the same for every replica; only
    # the work inside them is vmapped, which JAX traces once, where a vmap of
    # the loops would batch each loop body again. One replica runs unbatched.
    def each(function, in_axes):
        return function if single else jax.vmap(function, in_axes=in_axes)

    start = each(partial(_start_epoch, spec, settings), (0, 0))
    step = each(partial(_train_step, spec, uneven), (None, 0, 0, 0))
    if settings.batch_size <= MAX_ROWS:
        # Kernel gradients then sum over a few rows (tracing the step twice).
        step = with_fast_dots(step)
    finish = each(partial(_finish_epoch, spec, settings), (0, None, 0, 0, 0, 0))

    def run(state, data, replicas, first_epoch, epochs, steps):
        if single:
            state, replicas = _index(state, 0), _index(replicas, 0)

        def epoch(state):
            key, batches, masks, totals = start(state, replicas)
            if not single:
                batches, masks = batches.swapaxes(0, 1), masks.swapaxes(0, 1)

            def one_step(i, carry):
                return step(data, replicas["group"], carry, (batches[i], masks[i]))

            carry = (state["model"], totals)
            model_state, totals = jax.lax.fori_loop(0, steps, one_step, carry)
            return finish(state, data, replicas, key, model_state, totals)

        def one_epoch(state, index):
            skip = lambda s: (s, _empty_logs(spec, s))  # noqa: E731
            return jax.lax.cond(index < epochs, epoch, skip, state)

        indices = first_epoch + jnp.arange(epochs_per_chunk)
        state, logs = jax.lax.scan(one_epoch, state, indices)
        if single:
            return _expand(state), logs[None]
        return state, logs.swapaxes(0, 1)

    return run


def _index(tree, i):
    return jax.tree_util.tree_map(lambda a: a[i], tree)


def _expand(tree):
    return jax.tree_util.tree_map(lambda a: a[None], tree)


def _empty_logs(spec, state):
    """The logs of an epoch beyond ``epochs``: loss and metrics twice, active."""
    n_logs = 2 * (1 + len(spec.tracked_metrics)) + 1
    return jnp.full(state["stopped"].shape + (n_logs,), jnp.nan, dtype=jnp.float32)


def _start_epoch(spec, settings, state, replica):
    """A replica's next key, its epoch's batches of rows, zero totals.

    The key is (epochs shuffled so far, seed). The epoch then runs the first
    ``steps`` batches, which hold the rows; later ones are padding.
    """
    key = state["key"] + jnp.array([1, 0], dtype=jnp.uint32)
    batches, masks = _batches(settings, replica, state["key"])
    return key, batches, masks, _zero_totals(spec)


def _finish_epoch(spec, settings, state, data, replica, key, model_state, totals):
    """Evaluate a replica on its validation rows and log its epoch.

    The logs row holds: loss, metrics, val_loss, val metrics, and whether the
    replica was still training (early stopping masks later epochs).
    """
    train_logs = _finish_totals(spec, totals)
    val_logs = _evaluate(spec, data, replica, model_state)
    new_state = dict(state, key=key)
    new_state = _update_model(settings, state, new_state, model_state, val_logs[0])
    logs = jnp.concatenate([train_logs, val_logs, jnp.array([1.0 - state["stopped"]])])
    return new_state, logs


def _batches(settings, replica, key):
    rows = replica["train"]
    length = rows.shape[0]
    valid = jnp.arange(length) < replica["train_count"]

    if settings.shuffle:
        # Valid rows first in random order, padding after them.
        rows = rows[_shuffled_positions(key, replica["train_count"], length)]

    shape = (length // settings.batch_size, settings.batch_size)
    return rows.reshape(shape), valid.astype(jnp.float32).reshape(shape)


def _shuffled_positions(key, count, length):
    """Positions ``0 .. count - 1`` in a random order, then the rest in place.

    A swap-or-not shuffle (Hoang, Morris and Rogaway, 2012): each round
    pairs position x with (k - x) mod count, for a random k, and a hash of
    the pair decides whether the two trade places. Every round is a
    permutation of the valid positions, computed elementwise for any
    ``count`` (a loop over rounds of one fused kernel), where sorting random
    keys took XLA's CPU sort about 11 ms per epoch on 47,000 rows, half of
    the recipe's training time on movies. After 24 rounds, neighbouring rows
    share a batch as often as under a uniform shuffle.
    """
    seed = _mix(_mix(key[0]) ^ key[1])
    n = jnp.maximum(count, 1).astype(jnp.uint32)
    x = jnp.arange(length, dtype=jnp.uint32)
    valid = x < n

    def one_round(r, x):
        round_key = _mix(seed ^ _mix(r.astype(jnp.uint32)))
        k = round_key % n
        partner = jnp.where(k >= x, k - x, k + n - x)
        swap = (_mix(jnp.maximum(x, partner) ^ round_key) >> 31) == 1
        return jnp.where(valid & swap, partner, x)

    # A loop, not 24 copies of the round: one small kernel to compile.
    x = jax.lax.fori_loop(0, _SHUFFLE_ROUNDS, one_round, x)
    return x.astype(jnp.int32)


def _mix(x):
    """A 32-bit integer hash with good avalanche (Wellons' "lowbias32")."""
    x = x ^ (x >> 16)
    x = x * jnp.uint32(0x7FEB352D)
    x = x ^ (x >> 15)
    x = x * jnp.uint32(0x846CA68B)
    return x ^ (x >> 16)


def _train_step(spec, uneven, data, group, carry, batch):
    data = _group_data(data, group)
    model_state, totals = carry
    rows, mask = batch
    inputs, y_true, weights = _gather(data, rows)
    weights = weights * mask
    count = jnp.sum(mask)
    scale = spec.loss_scale(model_state["optimizer"])

    def objective(trainable):
        y_pred, non_trainable, losses = _call(
            spec.model,
            spec.layout.weights(trainable),
            model_state["non_trainable"],
            inputs,
            training=True,
            return_losses=True,
        )
        per_row = spec.loss(y_true, y_pred)
        loss = jnp.sum(per_row * weights) / jnp.maximum(count, 1.0) + sum(losses)
        return loss * scale, (loss, y_pred, non_trainable)

    def update(totals):
        grad_fn = jax.value_and_grad(objective, has_aux=True)
        # The history's loss is what is minimized, layers' losses included.
        (_, (loss, y_pred, non_trainable)), grads = grad_fn(model_state["trainable"])
        trainable, optimizer = spec.layout.optimizer.stateless_apply(
            model_state["optimizer"], grads, model_state["trainable"]
        )
        updated = {
            "trainable": trainable,
            "non_trainable": non_trainable,
            "optimizer": optimizer,
        }
        totals = _accumulate(
            spec, data, totals, (loss, count), (y_true, y_pred), (mask, weights)
        )
        return updated, totals

    if not uneven:
        return update(totals)

    # A batch that is all padding leaves everything as it was. Under vmap
    # this selects between the two states, so it runs only where needed.
    skip = lambda totals: (model_state, totals)  # noqa: E731
    return jax.lax.cond(count > 0, update, skip, totals)


def _group_data(data, group):
    """A replica's view of the data: tables stay whole, rows are gathered later.

    Data arrays have a leading group axis (one table per group, such as the
    preprocessed training table of one fold); a replica reads its group's.
    """
    return dict(data, group=group)


def _gather(data, rows):
    """Inputs, targets and sample weights of ``rows`` of the replica's table.

    Without sample weights (``None``), every row weighs 1.
    """
    # Row ``rows`` of table ``group``, as one index into the tables end to
    # end: a gather with an index computed in its kernel, where a pair of
    # indices would need a kernel of its own to build.
    index = data["group"] * data["y"].shape[1] + rows

    def take(tables):
        return tables.reshape((-1, *tables.shape[2:]))[index]

    weights = data["sample_weight"]
    weights = jnp.ones(rows.shape) if weights is None else take(weights)
    return [take(x) for x in data["inputs"]], take(data["y"]), weights


def _zero_totals(spec):
    return {
        "loss": jnp.zeros(2, dtype=jnp.float32),
        "metrics": [
            [jnp.zeros_like(v.value) for v in metric.variables]
            for metric, _ in spec.tracked_metrics
        ],
    }


def _accumulate(spec, data, totals, loss_count, targets, masks):
    """Add a batch's loss and rows to the epoch's totals.

    ``masks`` is (mask, weights): metrics count every row alike, as Keras's
    metrics do; weighted metrics weigh rows by their sample weights.
    """
    loss, count = loss_count
    mask, weights = masks

    # Metrics see the target on its own scale, the loss the training scale.
    scale = data["target_scale"][data["group"]]
    shift = data["target_shift"][data["group"]]
    y_true, y_pred = (y * scale + shift for y in targets)

    metrics = [
        metric.stateless_update_state(
            variables, y_true, y_pred, sample_weight=weights if weighted else mask
        )
        for (metric, weighted), variables in zip(
            spec.tracked_metrics, totals["metrics"], strict=True
        )
    ]
    loss_total = totals["loss"] + jnp.stack([loss * count, count])
    return {"loss": loss_total, "metrics": metrics}


def _finish_totals(spec, totals):
    loss_sum, count = totals["loss"][0], totals["loss"][1]
    values = [loss_sum / jnp.maximum(count, 1.0)]
    tracked = [metric for metric, _ in spec.tracked_metrics]
    for metric, variables in zip(tracked, totals["metrics"], strict=True):
        values.append(jnp.asarray(metric.stateless_result(variables), jnp.float32))
    return jnp.stack([jnp.reshape(v, ()) for v in values]).astype(jnp.float32)


def _evaluate(spec, data, replica, model_state):
    n_values = 1 + len(spec.tracked_metrics)
    if replica["val"].shape[0] == 0:
        return jnp.full((n_values,), jnp.nan, dtype=jnp.float32)

    data = _group_data(data, replica["group"])
    rows, masks = _evaluation_chunks(replica["val"], replica["val_mask"])

    def one_chunk(totals, chunk):
        return _evaluate_rows(spec, data, model_state, totals, *chunk), None

    if len(rows) == 1:
        totals, _ = one_chunk(_zero_totals(spec), (rows[0], masks[0]))
    else:
        totals, _ = jax.lax.scan(one_chunk, _zero_totals(spec), (rows, masks))
    return _finish_totals(spec, totals)


def _evaluation_chunks(rows, mask):
    """Validation rows and their mask in chunks of at most ``_EVALUATION_ROWS``.

    Chunks are of equal length; the last is padded with masked rows.
    """
    length = rows.shape[0]
    n_chunks = -(-length // _EVALUATION_ROWS)
    chunk = -(-length // n_chunks)
    extra = n_chunks * chunk - length
    rows, mask = jnp.pad(rows, (0, extra)), jnp.pad(mask, (0, extra))
    return rows.reshape(n_chunks, chunk), mask.reshape(n_chunks, chunk)


def _evaluate_rows(spec, data, model_state, totals, rows, mask):
    """Add the loss and metrics of some validation rows to ``totals``."""
    inputs, y_true, weights = _gather(data, rows)
    weights = weights * mask
    y_pred, _, losses = _call(
        spec.model,
        spec.layout.weights(model_state["trainable"]),
        model_state["non_trainable"],
        inputs,
        training=False,
        return_losses=True,
    )
    count = jnp.sum(mask)
    loss = jnp.sum(spec.loss(y_true, y_pred) * weights) / jnp.maximum(count, 1.0)
    loss = loss + sum(losses)
    return _accumulate(
        spec, data, totals, (loss, count), (y_true, y_pred), (mask, weights)
    )


def _update_model(settings, state, new_state, model_state, val_loss):
    """Keep the new weights, and track the best epoch for early stopping."""
    if settings.patience is None:
        return dict(new_state, model=model_state)

    improved = val_loss < state["best_loss"] - settings.min_delta
    improved = jnp.logical_and(improved, state["stopped"] == 0)
    waited = jnp.where(improved, 0, state["waited"] + 1)
    stopped = jnp.maximum(state["stopped"], (waited > settings.patience) * 1.0)

    # Once stopped, a replica's weights no longer change.
    model = _select(state["stopped"] > 0, state["model"], model_state)
    best = _select(improved, _weights(model_state), state["best_model"])
    best_loss = jnp.where(improved, val_loss, state["best_loss"])
    return dict(
        new_state,
        model=model,
        best_model=best,
        best_loss=best_loss,
        waited=waited,
        stopped=stopped,
    )


def _weights(model_state):
    """The model's variables without the optimizer's: what a best epoch keeps.

    As with Keras's ``restore_best_weights``, restoring the best epoch sets
    the weights and leaves the optimizer's state as training left it.
    """
    return {
        "trainable": model_state["trainable"],
        "non_trainable": model_state["non_trainable"],
    }


def _select(condition, if_true, if_false):
    return jax.tree_util.tree_map(
        lambda a, b: jnp.where(condition, a, b), if_true, if_false
    )


def initial_state(specs, settings, replicas):
    """Stack one training state per replica: its spec's weights, its own seed.

    ``specs`` has one spec per replica (all of one structure), or is a single
    spec whose weights every replica starts from. The state is made of NumPy
    arrays, sent to the devices in one go: stacking the leaves on a device
    would compile a small program per shape.
    """
    n = replicas.n_replicas
    seeds = np.asarray(replicas.seeds, dtype=np.uint32)
    if isinstance(specs, TrainingSpec):
        specs = [specs] * n

    states = [jax.device_get(spec.initial_state()) for spec in specs]
    model = jax.tree_util.tree_map(lambda *values: np.stack(values), *states)
    model["non_trainable"] = _seed_dropout(specs[0], model["non_trainable"], seeds)
    state = {
        "model": model,
        # (epochs shuffled so far, seed): see _start_epoch.
        "key": np.stack([np.zeros_like(seeds), seeds], axis=1),
        "stopped": np.zeros(n, np.float32),
    }
    if settings.patience is not None:
        state.update(
            best_model=jax.tree_util.tree_map(np.copy, _weights(model)),
            best_loss=np.full(n, np.inf, np.float32),
            waited=np.zeros(n, np.int32),
        )
    return state


def _seed_dropout(spec, non_trainable, seeds):
    """Give each replica its own random stream for dropout and noise layers."""
    variables = spec.model.non_trainable_variables
    return [
        value + seeds.reshape((-1,) + (1,) * (value.ndim - 1)).astype(value.dtype)
        if variable.path.endswith("seed_generator_state")
        else value
        for variable, value in zip(variables, non_trainable, strict=True)
    ]
