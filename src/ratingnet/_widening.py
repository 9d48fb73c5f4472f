"""Folds whose inputs differ in width, trained together as one width.

A one-hot encoder fitted per fold gives each fold its own number of
columns, so the folds' models differ in their first kernel only. When the
model is a ``Sequential`` whose first layer is ``Dense``, a fold can train
at the widest width exactly as it would at its own: its inputs get zero
columns at the end and its kernel zero rows, a zero input gives those rows
a zero gradient, and an optimizer that updates each number on its own
leaves a weight with zero gradients and zero slots where it is (weight
decay of zero is zero). Optimizers that read a kernel as a whole (Adafactor's
row and column moments, Muon's orthogonalization) and regularizers or
constraints other than the norms would see the zero rows, so such models
train fold by fold. After training, each fold gets its own width back, its
optimizer's slots too.
"""

import dataclasses

import keras
import numpy as np

from . import _engine
from ._engine.flat import updates_each_number


def widened(plans):
    """The plans, padded to their widest input; None when that is not exact."""
    widths = [_width(plan) for plan in plans]
    if None in widths:
        return None
    widest = plans[int(np.argmax(widths))]
    if not all(_widens_to(plan, widest) for plan in plans):
        return None

    width = max(widths)
    return [_widen(plan, widest.specs[0], width) for plan in plans]


def narrowed(result, plan, wide):
    """``result`` of a widened ``plan``, back to the plan's own shapes.

    ``wide`` is the spec the fold trained with, at the widest width.
    """
    own = plan.specs[0]
    state = dict(result.state)
    for name in ("model", "best_model"):
        if name in state:
            state[name] = _narrow_model(state[name], own, wide)
    return _engine.Result(
        state=state,
        history=result.history,
        epochs_run=result.epochs_run,
        interrupted=result.interrupted,
    )


def _width(plan):
    """The width of a plan's single input table; None if it has several."""
    inputs = plan.data["inputs"]
    return inputs[0].shape[1] if len(inputs) == 1 and inputs[0].ndim == 2 else None


def _widens_to(plan, widest):
    spec, target = plan.specs[0], widest.specs[0]
    if plan.settings != widest.settings or not _dense_first(spec.model):
        return False
    if not _blind_to_zero_rows(spec):
        return False
    if spec.model.non_trainable_variables:
        return False

    # One structure but for the width: the first kernel's rows, and the
    # width where the model's config names it.
    shapes = [tuple(v.shape) for v in spec.model.trainable_variables]
    wide = [tuple(v.shape) for v in target.model.trainable_variables]
    if len(shapes) != len(wide) or shapes[1:] != wide[1:]:
        return False
    if shapes[0][1:] != wide[0][1:]:
        return False
    return _key_without_width(spec, shapes[0][0]) == _key_without_width(
        target, wide[0][0]
    )


def _dense_first(model):
    if not isinstance(model, keras.Sequential) or not model.layers:
        return False
    first = model.layers[0]
    return isinstance(first, keras.layers.Dense) and (
        first.kernel is model.trainable_variables[0]
    )


# What may act on the first kernel: each leaves zero rows at zero, adds
# nothing for them, and treats the other rows as it would without them.
_NEUTRAL_REGULARIZERS = (
    keras.regularizers.L1,
    keras.regularizers.L2,
    keras.regularizers.L1L2,
)
_NEUTRAL_CONSTRAINTS = (
    keras.constraints.MaxNorm,
    keras.constraints.MinMaxNorm,
    keras.constraints.NonNeg,
    keras.constraints.UnitNorm,
)


def _blind_to_zero_rows(spec):
    """Whether zero rows in the first kernel change nothing in its training."""
    first = spec.model.layers[0]
    regularizer, constraint = first.kernel_regularizer, first.kernel_constraint
    return (
        updates_each_number(spec.layout.optimizer)
        and (regularizer is None or type(regularizer) in _NEUTRAL_REGULARIZERS)
        and (constraint is None or type(constraint) in _NEUTRAL_CONSTRAINTS)
    )


def _key_without_width(spec, width):
    return spec.key.replace(f"[null, {width}]", "[null, width]")


def _widen(plan, wide_spec, width):
    x = plan.data["inputs"][0]
    extra = width - x.shape[1]
    if not extra:
        return plan

    data = dict(plan.data, inputs=[np.pad(x, ((0, 0), (0, extra)))])
    specs = [_widened_spec(spec, wide_spec, extra) for spec in plan.specs]
    return dataclasses.replace(plan, data=data, specs=specs)


def _widened_spec(spec, wide_spec, extra):
    kernel, *rest = spec.initial_state()["trainable"]
    kernel = np.pad(np.asarray(kernel), ((0, extra), (0, 0)))
    return wide_spec.starting_from([kernel, *(np.asarray(w) for w in rest)])


def _narrow_model(model, own, wide):
    """A model state of the widest shapes, cut to ``own``'s."""
    trainable = [
        _cut(value, variable.shape)
        for value, variable in zip(
            model["trainable"], own.model.trainable_variables, strict=True
        )
    ]
    narrowed_model = dict(model, trainable=trainable)
    if "optimizer" in model:
        fresh = own.initial_state()["optimizer"]
        narrowed_model["optimizer"] = [
            _narrow_slot(np.asarray(value), np.shape(start), own, wide)
            for value, start in zip(model["optimizer"], fresh, strict=True)
        ]
    return narrowed_model


def _narrow_slot(value, shape, own, wide):
    """An optimizer variable of the widest model, cut to ``shape`` (own's)."""
    if value.shape[1:] == shape:
        return value
    if wide.layout.flat:
        # A slot of the whole weight vector: one piece per weight.
        pieces = wide.layout.split(value)
        cut = [_cut(p, s) for p, s in zip(pieces, own.layout.shapes, strict=True)]
        return own.layout.join(cut)
    return _cut(value, shape)


def _cut(value, shape):
    index = (slice(None),) + tuple(slice(0, n) for n in shape)
    return np.asarray(value)[index]
