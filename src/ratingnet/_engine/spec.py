"""What the engine trains: a Keras model with its loss, optimizer and metrics."""

import hashlib
import json
import warnings
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

from .flat import Layout, layout


@dataclass(frozen=True)
class Settings:
    """How the engine trains; every field is part of the compiled program.

    ``patience`` turns on early stopping on the validation loss: training of
    a replica stops after that many epochs without improvement and, when
    ``restore_best`` is true, its weights return to its best epoch.
    """

    epochs: int
    batch_size: int
    shuffle: bool = True
    patience: int | None = None
    restore_best: bool = True
    min_delta: float = 0.0


@dataclass(eq=False)
class TrainingSpec:
    """A built Keras model, a per-sample loss, an optimizer and metrics.

    ``loss(y_true, y_pred)`` returns one value per row; the engine weights
    and averages it the way Keras's ``sum_over_batch_size`` reduction does.
    As in Keras, ``metrics`` count every row alike and ``weighted_metrics``
    weigh rows by their sample weights.
    ``key`` identifies the structure, so that two specs with equal keys can
    share one compiled program; ``layout`` says how the program holds the
    weights and which built optimizer trains them (see ``flat``). A spec of
    the same structure as another can be given both, which saves working
    them out again, and its model can start from ``initial_weights`` (the
    trainable weights as arrays) instead of its own.
    """

    model: keras.Model
    loss: Any
    optimizer: keras.optimizers.Optimizer
    metrics: tuple = ()
    weighted_metrics: tuple = ()
    key: str = field(default="")
    layout: Layout | None = field(default=None, repr=False)
    initial_weights: list | None = field(default=None, repr=False)

    def __post_init__(self):
        if self.layout is None:
            self.layout = layout(self.model, self.optimizer)
        if not self.key:
            self.key = structure_key(
                self.model,
                self.loss,
                self.optimizer,
                self.metrics,
                self.weighted_metrics,
            )

    @property
    def tracked_metrics(self):
        """``(metric, weighted)`` pairs: the metrics, then the weighted ones."""
        return [(m, False) for m in self.metrics] + [
            (m, True) for m in self.weighted_metrics
        ]

    @property
    def metric_names(self):
        """The metrics' history names, as Keras names them.

        A name met again gets a count (``mae``, ``mae_1``); a weighted
        metric named like an earlier one gets ``weighted_`` first.
        """
        counts = {}
        names = [_count(counts, metric.name) for metric in self.metrics]
        for metric in self.weighted_metrics:
            name = metric.name
            if name in counts:
                name = f"weighted_{name}"
            names.append(_count(counts, name))
        return names

    def loss_scale(self, optimizer_state):
        """What the loss is multiplied by before its gradients are taken.

        A ``LossScaleOptimizer`` divides the gradients by its current scale,
        which it keeps among its variables, and so expects the loss times
        that scale, as Keras's ``fit`` gives it; other optimizers take 1.
        """
        optimizer = self.layout.optimizer
        if not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            return 1.0
        position = [id(v) for v in optimizer.variables].index(
            id(optimizer.dynamic_scale)
        )
        return optimizer_state[position]

    def starting_from(self, initial_weights, model=None):
        """A spec of this structure whose model starts from ``initial_weights``.

        It shares this spec's key, layout, loss, optimizer and metrics; with
        ``initial_weights`` None, it starts from ``model``'s own weights.
        """
        return TrainingSpec(
            self.model if model is None else model,
            self.loss,
            self.optimizer,
            self.metrics,
            self.weighted_metrics,
            key=self.key,
            layout=self.layout,
            initial_weights=initial_weights,
        )

    def initial_state(self):
        """The model's and the optimizer's variables, as arrays."""
        trainable = self.initial_weights
        if trainable is None:
            trainable = [v.value for v in self.model.trainable_variables]
        return {
            "trainable": list(trainable),
            "non_trainable": [v.value for v in self.model.non_trainable_variables],
            "optimizer": [v.value for v in self.layout.optimizer.variables],
        }

    def assign(self, state):
        """Write trained arrays back into the Keras model and optimizer."""
        pairs = [
            (self.model.trainable_variables, state["trainable"]),
            (self.model.non_trainable_variables, state["non_trainable"]),
            (self.layout.optimizer.variables, state["optimizer"]),
        ]
        for variables, values in pairs:
            for variable, value in zip(variables, values, strict=True):
                variable.assign(value)


def _count(counts, name):
    """``name``, or ``name_<n>`` when ``counts`` met it n times before."""
    seen = counts.get(name, 0)
    counts[name] = seen + 1
    return f"{name}_{seen}" if seen else name


def structure_key(model, loss, optimizer, metrics, weighted_metrics=()):
    """A string equal for specs that compile to the same program.

    Objects without a serializable config get their identity, so they never
    share a program by mistake.
    """
    parts = [
        _describe_model(model),
        _describe(loss),
        _describe(optimizer, drop=_program_inputs(optimizer)),
        [_describe(metric) for metric in metrics],
        [_describe(metric) for metric in weighted_metrics],
    ]
    return json.dumps(parts, sort_keys=True, default=repr)


def _program_inputs(optimizer):
    """Optimizer settings that reach a program as inputs, not as constants.

    A learning rate that is a number lives in one of the optimizer's
    variables, which the program takes with the rest of its state, so fits
    that differ only in it (a search over learning rates) share a program.
    """
    held = isinstance(getattr(optimizer, "_learning_rate", None), keras.Variable)
    return ("name", "learning_rate") if held else ("name",)


def _describe_model(model):
    """The model's config with its layer names replaced by their position.

    Keras numbers layer names per process (``dense_3``), and names do not
    change what a model computes.
    """
    config = _describe(model)
    text = json.dumps(config, sort_keys=True, default=repr)
    for position, name in enumerate(dict.fromkeys(_names(config))):
        text = text.replace(json.dumps(name), f'"layer:{position}"')
    return text + _own_classes(model) + _adapted_state(model)


def all_layers(model):
    """The model and every layer in it, nested ones included."""
    try:
        return [model, *model._flatten_layers(include_self=False)]
    except AttributeError:  # A Keras without it: the top-level layers.
        return [model, *model.layers]


def adapted_layers(model):
    """The layers that keep what ``adapt`` learned as constants (Normalization).

    Such a layer turns its adapted weights into plain tensors in
    ``finalize_state``, which a compiled program holds as constants, and
    which a model rebuilt from its config and weights lacks until
    ``finalize_state`` runs again.
    """
    return [
        layer
        for layer in all_layers(model)
        if callable(getattr(layer, "finalize_state", None))
    ]


def _own_classes(model):
    """The identities of the model's classes that are not Keras's.

    A config names a class, and a notebook that defines a layer class again
    under the same name gets a new class: its programs must not be shared.
    """
    own = {type(layer) for layer in all_layers(model) if not _is_keras(type(layer))}
    return "".join(sorted(f"|{c.__qualname__}:{id(c)}" for c in own))


def _adapted_state(model):
    """A digest of the adapted layers' weights, which programs hold as constants."""
    layers = adapted_layers(model)
    if not layers:
        return ""
    digest = hashlib.sha256()
    for variable in (variable for layer in layers for variable in layer.weights):
        digest.update(np.asarray(variable).tobytes())
    return f"|adapted:{digest.hexdigest()}"


def _is_keras(cls):
    return cls.__module__.split(".")[0] == "keras"


def _names(config):
    if isinstance(config, dict):
        if isinstance(config.get("name"), str):
            yield config["name"]
        for value in config.values():
            yield from _names(value)
    elif isinstance(config, list):
        for value in config:
            yield from _names(value)


def _describe(obj, drop=()):
    if hasattr(obj, "structure_key"):
        return obj.structure_key
    try:
        with warnings.catch_warnings():
            # Keras reads optimizer variables through a NumPy 1 API.
            warnings.simplefilter("ignore", DeprecationWarning)
            config = keras.saving.serialize_keras_object(obj)
    except Exception:
        return f"id:{id(obj)}"

    if isinstance(config, dict) and isinstance(config.get("config"), dict):
        config = dict(
            config, config={k: v for k, v in config["config"].items() if k not in drop}
        )
    if "<function" in json.dumps(config, default=repr) or "lambda" in str(config):
        return f"id:{id(obj)}"
    function = getattr(obj, "_fn", None)
    if function is not None and not _is_keras(function):
        # A metric of the user's function: its config holds only the name.
        return f"id:{id(function)}"
    return config
