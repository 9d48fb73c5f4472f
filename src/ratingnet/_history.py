"""The ``history_`` a fit logs, as Keras's ``History`` does: lists per epoch."""

import numpy as np


def extended(history, logs):
    """A copy of ``history`` extended by a fit's epochs.

    ``logs`` maps a name (loss, val_loss, metrics) to an array of shape
    (replicas, epochs): an ensemble's members log one row each, and the
    history takes their mean. A validation log that is all NaN (a fit
    without validation rows) is left out, as are the epochs after early
    stopping stopped every member. A warm start with validation data
    after a fit without it (or the other way round) keeps every list one
    value per epoch, NaN where a name has none.
    """
    new = {
        name: _member_mean(values)
        for name, values in logs.items()
        if not (name.startswith("val_") and np.all(np.isnan(values)))
    }
    # Epochs after early stopping stopped every member were not run.
    run = len(new["loss"]) - int(np.argmax(~np.isnan(new["loss"][::-1])))
    if not np.isnan(new["loss"]).all():
        new = {name: values[:run] for name, values in new.items()}
    done = len(history.get("loss", []))
    epochs = len(new["loss"])
    return {
        name: [
            *history.get(name, [float("nan")] * done),
            *new.get(name, [float("nan")] * epochs),
        ]
        for name in dict.fromkeys([*history, *new])
    }


def _member_mean(values):
    """Per epoch, the mean over the members still training; NaN when none is."""
    trained = ~np.isnan(values)
    total = np.where(trained, values, 0.0).sum(axis=0)
    count = trained.sum(axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan).tolist()
