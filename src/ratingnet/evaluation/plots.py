"""The plots of an evaluation report, drawn with matplotlib's Agg renderer.

Each function takes an `Evaluation` and returns a matplotlib Figure, or None
when the plot does not apply (no learning curve for a model without epochs,
no level confusion for a target that is not a rating). Figures are made
directly, without pyplot, so that no global state or display is touched.
"""

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .crossval import nearest_level

_PANEL = (4.0, 3.6)


def png_bytes(figure):
    """The figure rendered as PNG."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def predicted_vs_actual(evaluation, main=None):
    """Held-out predictions against the truth, one panel per model.

    ``main``, the model a report is about, is not needed: every model has
    its panel.
    """
    del main
    names = list(evaluation.predictions)
    figure = Figure(figsize=(_PANEL[0] * len(names), _PANEL[1]), layout="constrained")
    axes = figure.subplots(1, len(names), sharex=True, sharey=True, squeeze=False)[0]
    actual = _jittered(evaluation)
    low, high = np.min(evaluation.y), np.max(evaluation.y)

    for ax, name in zip(axes, names, strict=True):
        ax.scatter(actual, evaluation.predictions[name], s=6, alpha=0.35)
        ax.plot([low, high], [low, high], color="black", linewidth=1)
        rmse = evaluation.overall[name]["rmse"]
        ax.set_title(f"{name} (RMSE {rmse:.3f})")
        ax.set_xlabel("actual")
    axes[0].set_ylabel("predicted (held out)")
    return figure


def _jittered(evaluation):
    """The truth, spread a little sideways when it sits on a few levels."""
    if evaluation.target.step is None:
        return evaluation.y
    spread = 0.15 * evaluation.target.step
    rng = np.random.default_rng(0)
    return evaluation.y + rng.uniform(-spread, spread, len(evaluation.y))


def residuals_by_level(evaluation, name):
    """Residuals (predicted minus actual) of one model, by rating level.

    A target that is not a rating is cut into ten groups of equal size.
    """
    residuals = evaluation.predictions[name] - evaluation.y
    groups, labels = _groups(evaluation)
    figure = Figure(
        figsize=(max(5.0, 0.7 * len(labels) + 2), 3.8), layout="constrained"
    )
    ax = figure.subplots()
    ax.boxplot([residuals[groups == i] for i in range(len(labels))], showfliers=False)
    ax.set_xticks(range(1, len(labels) + 1), labels)
    ax.axhline(0.0, color="black", linewidth=1)
    ax.set_xlabel("actual level" if evaluation.target.kind == "rating" else "actual")
    ax.set_ylabel("predicted - actual")
    ax.set_title(f"{name}: residuals by level")
    return figure


def _groups(evaluation):
    y = evaluation.y
    if evaluation.target.kind == "rating":
        levels = np.asarray(evaluation.target.levels, dtype=float)
        labels = [f"{level:g}\n(n={np.sum(y == level)})" for level in levels]
        return np.searchsorted(levels, y), labels

    edges = np.unique(np.quantile(y, np.linspace(0, 1, 11)))
    groups = np.clip(np.searchsorted(edges, y, side="right") - 1, 0, len(edges) - 2)
    labels = [f"{edges[i]:.3g}-{edges[i + 1]:.3g}" for i in range(len(edges) - 1)]
    return groups, labels


def learning_curves(evaluation, name):
    """Loss per epoch on the training and validation rows, each fold a line."""
    histories = evaluation.histories.get(name)
    if not histories:
        return None

    figure = Figure(figsize=(6.0, 3.8), layout="constrained")
    ax = figure.subplots()
    for fold, history in enumerate(histories, start=1):
        epochs = np.arange(1, len(history["loss"]) + 1)
        first = fold == 1
        ax.plot(
            epochs,
            history["loss"],
            color="tab:blue",
            alpha=0.6,
            label="training rows" if first else None,
        )
        if "val_loss" in history:
            ax.plot(
                epochs,
                history["val_loss"],
                color="tab:orange",
                alpha=0.8,
                label="validation rows" if first else None,
            )
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(f"{name}: learning curves ({len(histories)} folds)")
    ax.legend()
    return figure


def level_confusion(evaluation, name):
    """Counts of actual level against predicted level (rounded), for ratings."""
    if evaluation.target.kind != "rating":
        return None

    levels = np.asarray(evaluation.target.levels, dtype=float)
    actual = np.searchsorted(levels, evaluation.y)
    predicted = nearest_level(evaluation.predictions[name], levels)
    counts = np.zeros((len(levels), len(levels)), dtype=int)
    np.add.at(counts, (actual, predicted), 1)

    size = 1.2 + 0.55 * len(levels)
    figure = Figure(figsize=(size + 1.2, size), layout="constrained")
    ax = figure.subplots()
    image = ax.imshow(counts, cmap="Blues")
    _label_cells(ax, counts)
    labels = [f"{level:g}" for level in levels]
    ax.set_xticks(range(len(levels)), labels)
    ax.set_yticks(range(len(levels)), labels)
    ax.set_xlabel("predicted level (rounded)")
    ax.set_ylabel("actual level")
    ax.set_title(f"{name}: level confusion")
    figure.colorbar(image, ax=ax, shrink=0.8)
    return figure


def _label_cells(ax, counts):
    threshold = counts.max() / 2
    for (row, column), count in np.ndenumerate(counts):
        if count:
            color = "white" if count > threshold else "black"
            ax.text(
                column,
                row,
                str(count),
                ha="center",
                va="center",
                color=color,
                fontsize=8,
            )
