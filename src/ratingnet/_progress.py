"""What ``verbose`` prints: Keras's levels, served between compiled chunks.

0 prints nothing, 1 a progress bar over epochs, 2 a table with a row per
epoch (the right choice for log files), its best validation epoch marked.
"""

import math
import sys

import keras


def reporter(verbose, epochs):
    """A function ``report(first_epoch, logs)`` for the engine, or None."""
    if verbose == 1:
        return _ProgressBar(epochs)
    if verbose == 2:
        return _EpochTable(epochs)
    return None


class _ProgressBar:
    def __init__(self, epochs):
        self.epochs = epochs
        self.bar = None

    def __call__(self, first_epoch, logs):
        last = [(name, float(values[0, -1])) for name, values in _shown(logs)]
        if self.bar is None:
            names = [name for name, _ in last]
            self.bar = keras.utils.Progbar(
                self.epochs, stateful_metrics=names, unit_name="epoch"
            )
        self.bar.update(first_epoch + _n_epochs(logs), values=last)


class _EpochTable:
    def __init__(self, epochs):
        self.width = len(str(epochs))
        self.best = math.inf
        self.header_written = False

    def __call__(self, first_epoch, logs):
        shown = list(_shown(logs))
        if not self.header_written:
            # A space before each column: names may fill their 12 places.
            names = "".join(f" {name:>12}" for name, _ in shown)
            _write(f"{'epoch':>{max(self.width, 5)}}{names}")
            self.header_written = True

        for i in range(_n_epochs(logs)):
            values = {name: float(v[0, i]) for name, v in shown}
            cells = "".join(f" {value:>12.4g}" for value in values.values())
            _write(
                f"{first_epoch + i + 1:>{max(self.width, 5)}}{cells}"
                f"{self._mark(values)}"
            )

    def _mark(self, values):
        loss = values.get("val_loss", math.nan)
        if math.isnan(loss) or loss >= self.best:
            return ""
        self.best = loss
        return "  *"


def _shown(logs):
    for name, values in logs.items():
        if name != "active" and not all(math.isnan(v) for v in values[0]):
            yield name, values


def _n_epochs(logs):
    return next(iter(logs.values())).shape[1]


def _write(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
