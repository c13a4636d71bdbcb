"""PNG plots: cost curves per framework and, for 2-D datasets, the decision boundary."""

from __future__ import annotations

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_plot(path, experiment, runs, X, Y, predict) -> None:
    """Cost curves of runs; beside them the first run's decision boundary when X is (2, m).

    predict(X) -> (1, m) labels for the first run's final parameters.
    """
    plt = _pyplot()
    two_d = X.shape[0] == 2
    fig, axes = plt.subplots(1, 2 if two_d else 1, figsize=(11 if two_d else 6, 4.5))
    axes = np.atleast_1d(axes)
    for run in runs:
        steps = sorted(run.result.costs)
        axes[0].plot(steps, [run.result.costs[s] for s in steps], label=run.framework)
    axes[0].set_xlabel(experiment.config.step_name)
    axes[0].set_ylabel("cost")
    axes[0].set_title(f"{experiment.name}: cost")
    axes[0].legend()
    if two_d:
        _decision_boundary(axes[1], X, Y, predict)
        axes[1].set_title(f"decision boundary ({runs[0].framework})")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _decision_boundary(ax, X, Y, predict) -> None:
    x_min, x_max = X[0].min() - 1, X[0].max() + 1
    y_min, y_max = X[1].min() - 1, X[1].max() + 1
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, 300), np.linspace(y_min, y_max, 300))
    grid = np.c_[xx.ravel(), yy.ravel()].T
    Z = np.asarray(predict(grid)).reshape(xx.shape)
    ax.contourf(xx, yy, Z, cmap="Spectral", alpha=0.8)
    ax.scatter(X[0], X[1], c=Y.ravel(), cmap="Spectral", s=12, edgecolors="k", linewidths=0.3)
