"""PNG plots people can read: every framework's cost curve, their differences, their boundaries.

Top row: the cost curves (distinct line styles and staggered markers, so curves that coincide all
stay visible; a log cost axis when the cost spans more than a decade) and, with several runs,
|cost - first run's cost| on a log axis. Bottom row, for 2-D data: each run's decision boundary
over the training points, with its accuracy.
"""

from __future__ import annotations

import io

import numpy as np

from dlparity.tools.runs import AGREEMENT, predictor

LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1, 1, 1))]
MARKERS = ["o", "s", "^", "D", "v", "P"]
MARKER_SPACING = 0.08  # between a curve's markers, as a fraction of the axes' diagonal
MARGIN = 0.08  # boundary panels extend the data's range by this fraction on each side
GRID = 250  # points per axis of the boundary grid
FLOOR = 1e-17  # lowest |difference| axis limit: below float64 rounding of costs near 1


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _figure(figsize):
    """A Figure outside pyplot: no backend is chosen, nothing global to close, and a notebook
    shows it once, where the cell returns it."""
    from matplotlib.figure import Figure

    return Figure(figsize=figsize)


def _style(i: int, n_runs: int) -> dict:
    """Line style, marker and staggered marker positions (even on screen, any scale) of curve i."""
    return {
        "linestyle": LINESTYLES[i % len(LINESTYLES)],
        "marker": MARKERS[i % len(MARKERS)],
        "markevery": (i * MARKER_SPACING / max(n_runs, 1), MARKER_SPACING),
        "linewidth": max(1.0, 2.6 - 0.4 * i),  # earlier curves wider: later ones draw inside
        "markersize": 5,
        "markerfacecolor": "none" if i % 2 else None,
        "color": f"C{i}",
    }


def use_log_cost_axis(costs: list[float]) -> bool:
    """A log cost axis when the recorded costs span more than a factor of 10."""
    positive = [c for c in costs if c > 0]
    return len(positive) == len(costs) and max(positive) > 10 * min(positive)


def use_log_step_axis(steps: list[int], costs: list[float], log_cost: bool = False) -> bool:
    """A log step axis when the curve flattens early: 90% of its drop within the first 10% of steps.

    Then most of the run is a flat line on a linear axis, and the descent is squeezed against it.
    The drop is measured on the cost axis as drawn (log_cost: in log cost).
    """
    costs = np.log(costs) if log_cost else np.asarray(costs)
    drop = costs[0] - costs.min()
    if len(steps) < 3 or drop <= 0:
        return False
    reached = steps[int(np.argmax(costs <= costs[0] - 0.9 * drop))]
    return reached < 0.1 * steps[-1]


def _series(run) -> tuple[list[int], np.ndarray]:
    steps = sorted(run.result.costs)
    return steps, np.array([run.result.costs[s] for s in steps])


def _step_axis(ax, experiment, steps, log: bool) -> None:
    """The step axis, symmetric-log (0 stays on it) when log."""
    name = experiment.config.step_name
    if log:
        ax.set_xscale("symlog", linthresh=max(1, steps[1] if len(steps) > 1 else 1))
        ax.set_xlim(0, steps[-1] * 1.1)
    else:
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole steps: no epoch 2.5
    ax.set_xlabel(f"{name} (log scale)" if log else name)


def mark_resume(ax, experiment, step: int, written_by: str) -> None:
    """A vertical line where a resumed run took over from its checkpoint, named in the legend."""
    label = f"resumed at {experiment.config.step_name} {step} (checkpoint of {written_by})"
    ax.axvline(step, color="0.3", linewidth=1.2, linestyle=(0, (4, 3)), label=label)


def plot_costs(ax, experiment, runs, resumed=None) -> bool:
    """Every run's cost curve, each in its own style; resumed: (step, the checkpoint's
    framework) of a resumed run, marked. Returns whether the step axis is log."""
    all_costs = []
    for i, run in enumerate(runs):
        steps, costs = _series(run)
        all_costs += costs.tolist()
        ax.plot(steps, costs, label=run.framework, **_style(i, len(runs)))
    log_cost = use_log_cost_axis(all_costs)
    if log_cost:
        ax.set_yscale("log")
    steps, costs = _series(runs[0])
    log_steps = use_log_step_axis(steps, costs.tolist(), log_cost)
    _step_axis(ax, experiment, steps, log_steps)
    ax.set_ylabel("cost (log scale)" if log_cost else "cost")
    ax.set_title(f"{experiment.name}: cost per {experiment.config.step_name}")
    ax.grid(True, which="major", alpha=0.3)
    if resumed is not None:
        mark_resume(ax, experiment, *resumed)
    ax.legend()
    return log_steps


def plot_differences(ax, experiment, runs, log_steps: bool = False) -> None:
    """|cost - reference cost| per recorded step on a log axis; equal costs are left out."""
    ref_steps, ref_costs = _series(runs[0])
    reference = dict(zip(ref_steps, ref_costs, strict=True))
    positive = []
    for i, run in enumerate(runs[1:], start=1):
        steps = [s for s in sorted(run.result.costs) if s in reference]
        diffs = np.array([abs(run.result.costs[s] - reference[s]) for s in steps])
        equal = int(np.sum(diffs == 0))
        label = f"{run.framework}: max {diffs.max():.1e}" if len(steps) else run.framework
        label += f", equal at {equal} of {len(steps)}" if equal else ""
        positive += diffs[diffs > 0].tolist()
        style = _style(i, len(runs))
        if not np.any(diffs > 0):
            style["markevery"] = None  # matplotlib cannot space markers along an empty path
        ax.plot(steps, np.where(diffs > 0, diffs, np.nan), label=label, **style)
    ax.axhline(AGREEMENT, color="0.4", linewidth=0.8, linestyle=":", label="parity bar 1e-10")
    low = max(FLOOR, min(positive + [AGREEMENT]) / 10)
    ax.set_ylim(low, max(positive + [AGREEMENT]) * 10)
    ax.set_yscale("log")
    if not positive:
        ax.text(0.5, 0.5, f"equal to {runs[0].framework} at every recorded step",
                transform=ax.transAxes, ha="center")  # fmt: skip
    _step_axis(ax, experiment, ref_steps, log_steps)
    ax.set_ylabel(f"|cost - {runs[0].framework}|")
    ax.set_title(f"difference to {runs[0].framework} (log scale)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize="small")


def _grid(X):
    """A GRID x GRID mesh over X's range widened by MARGIN of that range on each side."""
    spans = []
    for row in X[:2]:
        low, high = float(row.min()), float(row.max())
        pad = MARGIN * (high - low or 1.0)
        spans.append(np.linspace(low - pad, high + pad, GRID))
    xx, yy = np.meshgrid(*spans)
    return xx, yy, np.stack([xx.ravel(), yy.ravel()])


def _labels(Y) -> np.ndarray:
    Y = np.asarray(Y)
    return Y.ravel() if Y.shape[0] == 1 else np.argmax(Y, axis=0)


def draw_boundary(ax, X, Y, predict) -> None:
    """predict's decision regions over X's range (plus MARGIN), the points X (2, m) coloured
    by their labels Y on top, axes labelled x1, x2."""
    xx, yy, grid = _grid(X)
    Z = np.asarray(predict(grid)).reshape(xx.shape)
    ax.contourf(xx, yy, Z, cmap="Spectral", alpha=0.45)
    ax.scatter(X[0], X[1], c=_labels(Y), cmap="Spectral", s=10, edgecolors="k", linewidths=0.3)
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")


def plot_boundary(ax, run, X, Y, predict) -> None:
    """The run's decision boundary (predict on a grid) under the training points."""
    draw_boundary(ax, X, Y, predict)
    title = run.framework
    if run.train_accuracy is not None:
        title += f"\ntrain accuracy {run.train_accuracy:.4f}"
    if run.test_accuracy is not None:
        title += f", test {run.test_accuracy:.4f}"
    ax.set_title(title, fontsize="medium")


def _axes(n_runs: int, boundaries: bool):
    """(figure, cost axes, difference axes or None, one boundary axes per run or []); the
    difference axes share the cost axes' steps, also where few differences are positive."""
    if n_runs == 1:
        fig = _figure((11 if boundaries else 6.5, 4.6))
        axes = np.atleast_1d(fig.subplots(1, 2 if boundaries else 1))
        return fig, axes[0], None, list(axes[1:])
    if not boundaries:
        fig = _figure((13, 4.8))
        axes = fig.subplots(1, 2, sharex=True)
        return fig, axes[0], axes[1], []
    fig = _figure((max(13.0, 3.6 * n_runs), 9.5))
    grid = fig.add_gridspec(2, 2 * n_runs, height_ratios=(1.0, 1.1))
    cost = fig.add_subplot(grid[0, :n_runs])
    diff = fig.add_subplot(grid[0, n_runs:], sharex=cost)
    return fig, cost, diff, [fig.add_subplot(grid[1, 2 * i : 2 * i + 2]) for i in range(n_runs)]


def make_figure(experiment, runs, X, Y, predicts=None, resumed=None):
    """The figure (a matplotlib Figure, outside pyplot): cost curves (and differences with several
    runs); for 2-D X, each run's decision boundary.

    predicts: one function per run, grid (2, k) -> (1, k) labels from that run's final
    parameters; None draws no boundaries. resumed: (step, framework) where a resumed run took
    over from the checkpoint that framework wrote; None for a whole run.
    """
    boundaries = predicts is not None and X.shape[0] == 2
    fig, cost_ax, diff_ax, boundary_axes = _axes(len(runs), boundaries)
    log_steps = plot_costs(cost_ax, experiment, runs, resumed)
    if diff_ax is not None:
        plot_differences(diff_ax, experiment, runs, log_steps)
    for ax, run, predict in zip(boundary_axes, runs, predicts or [], strict=False):
        plot_boundary(ax, run, X, Y, predict)
    fig.tight_layout()
    return fig


def save_plot(path, experiment, runs, X, Y, predicts=None, resumed=None) -> None:
    """make_figure's figure as a PNG at path."""
    make_figure(experiment, runs, X, Y, predicts, resumed).savefig(path, dpi=100)


def figure_png(experiment, runs, X, Y, predicts=None) -> bytes:
    """make_figure's figure as PNG bytes, for a page that inlines it (dlparity report)."""
    buffer = io.BytesIO()
    make_figure(experiment, runs, X, Y, predicts).savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def sweep_figure(title: str, panels: list[list[dict]], arrays: dict):
    """A grid of decision boundaries: a row per list of panels (one dataset and framework), a
    column per hidden-layer size. A panel: {"run", "experiment", "hidden_units", "dataset",
    "framework", "train_accuracy" (in %)}; arrays: dataset -> (X (2, m), Y (1, m)).
    The caller closes it."""
    plt = _pyplot()
    columns = max(len(row) for row in panels)
    fig, axes = plt.subplots(len(panels), columns, figsize=(3.3 * columns, 3.3 * len(panels)),
                             squeeze=False)  # fmt: skip
    try:
        for ax_row, row in zip(axes, panels, strict=True):
            for ax, panel in zip(ax_row, row, strict=False):
                X, Y = arrays[panel["dataset"]]
                draw_boundary(ax, X, Y, predictor(panel["experiment"], panel["run"]))
                ax.set_title(f"n_h = {panel['hidden_units']}: {panel['train_accuracy']:.2f} %",
                             fontsize="medium")  # fmt: skip
            ax_row[0].set_ylabel(f"{row[0]['dataset']}, {row[0]['framework']}\nx2")
            for ax in ax_row[len(row) :]:
                ax.set_visible(False)
        fig.suptitle(title)
        fig.tight_layout()
    except BaseException:
        plt.close(fig)
        raise
    return fig


def save_sweep_plot(path, title: str, panels: list[list[dict]], arrays: dict) -> None:
    """sweep_figure's figure at path."""
    fig = sweep_figure(title, panels, arrays)
    try:
        fig.savefig(path, dpi=80)
    finally:
        _pyplot().close(fig)


TUNE_MARKERS = {"coarse": "o", "fine": "^"}


def _tune_points(ax, result, norm) -> list:
    """Each round's trials that did not diverge: learning rate against final cost, coloured by
    1 - β."""
    from dlparity.tools.tune import diverged

    drawn = []
    for name, marker in TUNE_MARKERS.items():
        trials = [t for t in result["trials"]
                  if t["round"] == name and not diverged(t)]  # fmt: skip
        if not trials:
            continue
        colour = {"color": f"C{len(drawn)}"}
        if result["beta_name"] is not None:
            colour = {"c": [1 - t["beta"] for t in trials], "cmap": "viridis", "norm": norm}
        drawn.append(ax.scatter([t["learning_rate"] for t in trials],
                                [t["final_cost"] for t in trials], marker=marker, s=46,
                                edgecolors="k", linewidths=0.5, label=f"{name} round",
                                **colour))  # fmt: skip
    return drawn


def _tune_colorbar(fig, ax, drawn, result) -> None:
    """A colour scale of β, with the ticks at β's values (its axis is log 1 - β)."""
    bar = fig.colorbar(drawn[0], ax=ax)
    ticks = [1e-3, 1e-2, 1e-1]
    bar.set_ticks(ticks)
    bar.set_ticklabels([f"{1 - t:g}" for t in ticks])
    bar.set_label(f"{result['beta_name']} (log scale of 1 - {result['beta_name']})")


def tune_figure(result: dict):
    """The random search of tune.run_tune: final cost against learning rate (log axis), coarse
    and fine rounds in their own markers, β as colour, the fine box shaded, the best ringed.
    The caller closes it."""
    from matplotlib.colors import LogNorm

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8.5, 5.2))
    try:
        norm = LogNorm(1e-3, 1e-1)
        drawn = _tune_points(ax, result, norm)
        for entry in result["rounds"][1:]:
            low, high = entry["box"].describe()["learning_rate"]
            ax.axvspan(low, high, color="0.85", zorder=0, label="fine box")
        _tune_axes(ax, result)
        if drawn and result["beta_name"] is not None:
            _tune_colorbar(fig, ax, drawn, result)
        fig.tight_layout()
    except BaseException:
        plt.close(fig)
        raise
    return fig


def _tune_axes(ax, result: dict) -> None:
    from dlparity.tools.tune import diverged

    finite = [t for t in result["trials"] if not diverged(t)]
    best = next((t for t in finite if t["trial"] == result["best"]), None)
    if best is not None:
        ax.scatter([best["learning_rate"]], [best["final_cost"]], s=220, facecolors="none",
                   edgecolors="crimson", linewidths=1.6, label=f"best: trial {best['trial']}")  # fmt: skip
    box = result["rounds"][0]["box"].describe()["learning_rate"]
    ax.set_xscale("log")
    ax.set_xlim(box[0] / 1.3, box[1] * 1.3)
    if finite and use_log_cost_axis([t["final_cost"] for t in finite]):
        ax.set_yscale("log")
    diverged = len(result["trials"]) - len(finite)
    ax.set_xlabel("learning rate α (log scale)")
    ax.set_ylabel(f"final cost after {result['steps']} {result['step_name']}s")
    title = (
        f"{result['experiment']}: random search with {result['framework']}, seed {result['seed']}"
    )
    if diverged:
        title += f"\n{diverged} diverged trial{'s' if diverged > 1 else ''} not shown"
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    legend = ax.legend(fontsize="small")
    if result["beta_name"] is not None:  # round markers in grey: their colour is β's
        for handle, text in zip(legend.legend_handles, legend.get_texts(), strict=True):
            if text.get_text().endswith(" round"):
                handle.set_array(None)  # else the colour map repaints it
                handle.set_facecolor("0.6")


def save_tune_plot(path, result: dict) -> None:
    """tune_figure's figure at path."""

    fig = tune_figure(result)
    try:
        fig.savefig(path, dpi=100)
    finally:
        _pyplot().close(fig)


def first_block_maps(params, X_one, spec) -> dict[str, np.ndarray]:
    """The first convolution's filters W (f, f, n_C_prev, n_C) and one example's maps after it,
    its activation and its pool, each (n_H, n_W, n_C), by the reference's forward pass."""
    from dlparity.core import layers as specs
    from pure_numpy.layers import FORWARD

    conv, activation, pool = spec.layers[:3]
    kinds = (specs.Conv2D, specs.Activation, specs.Pool2D)
    if not all(isinstance(layer, kind) for layer, kind in zip(spec.layers[:3], kinds, strict=True)):
        raise ValueError("the network does not start with CONV2D -> activation -> POOL")
    X_one = np.asarray(X_one, dtype=np.float64)
    if X_one.shape != tuple(spec.input_shape):
        raise ValueError(f"one example is {tuple(spec.input_shape)}, got {X_one.shape}")
    run = specs.Pass(False, None, None, {})
    maps, A = {"filters": np.asarray(params[f"W{conv.l}"])}, X_one[np.newaxis]
    for name, layer in (("conv", conv), (activation.name, activation), ("pool", pool)):
        A, _ = FORWARD[type(layer)](layer, params, A, run)
        maps[name] = A[0]
    return maps


def _map_panel(ax, image, cmap, low, high):
    drawn = ax.imshow(image, cmap=cmap, vmin=low, vmax=high, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    return drawn


def filters_and_feature_maps(params, X_one, spec, title: str = ""):
    """The first convolution's learned filters (input channel 0, weights written in) and one
    example's maps after it, its activation and its pool, one column per filter, the example
    on the left; signed rows on a diverging scale centred on 0, each row one scale."""
    maps = first_block_maps(params, X_one, spec)
    W, n_C = maps["filters"], maps["filters"].shape[-1]
    rows = [(name, maps[name]) for name in maps if name != "filters"]
    fig = _figure((1.25 * (n_C + 1) + 1.6, 1.35 * (len(rows) + 1) + 0.6))
    grid = fig.add_gridspec(len(rows) + 1, n_C + 2, width_ratios=(1.15, *[1] * n_C, 0.12))
    example = fig.add_subplot(grid[0, 0])
    _map_panel(example, X_one[..., 0], "gray_r", None, None)
    example.set_title(f"the example\n{' x '.join(map(str, X_one.shape))}", fontsize="medium")
    for r, (name, values) in enumerate([("filters", W[:, :, 0, :]), *rows]):
        signed = values.min() < 0
        high = float(np.abs(values).max()) or 1.0
        low, cmap = (-high, "RdBu_r") if signed else (0.0, "magma")
        if r > 0:
            label = fig.add_subplot(grid[r, 0])
            label.axis("off")
            shape = " x ".join(map(str, values.shape))
            label.text(0.9, 0.5, f"{name}\n{shape}", ha="right", va="center", fontsize="medium")
        for k in range(n_C):
            ax = fig.add_subplot(grid[r, k + 1])
            drawn = _map_panel(ax, values[..., k], cmap, low, high)
            if r == 0:
                channel = ", channel 1" if W.shape[2] > 1 else ""
                ax.set_title(f"filter {k + 1}{channel}", fontsize="small")
                for (i, j), w in np.ndenumerate(values[..., k]):
                    ax.text(j, i, f"{w:.1f}", ha="center", va="center", fontsize=6.5,
                            color="white" if abs(w) > 0.6 * high else "black")  # fmt: skip
        fig.colorbar(drawn, cax=fig.add_subplot(grid[r, -1]))
    shape = " x ".join(map(str, W.shape[:2]))
    fig.suptitle(title or f"the first convolution's {n_C} filters ({shape}) and one example's "
                 "feature maps")  # fmt: skip
    fig.subplots_adjust(left=0.1, right=0.95, top=0.86, bottom=0.03, wspace=0.12, hspace=0.25)
    return fig


def _as_runs(runs: dict, losses: str) -> list:
    """The character model's runs (framework -> CharRun) as plot_costs and plot_differences read
    runs: .framework and .result.costs, {iteration: loss} of the CharRun's field `losses`."""
    from types import SimpleNamespace

    return [
        SimpleNamespace(
            framework=name, result=SimpleNamespace(costs=dict(enumerate(getattr(run, losses))))
        )
        for name, run in runs.items()
    ]


def charmodel_figure(runs: dict, title: str):
    """The character model's figure (a Figure outside pyplot): each framework's smoothed loss (the
    course's Loss) per iteration and, with several runs, |loss - first run's loss| per iteration on
    a log axis. runs: framework -> dlparity.core.charmodel.CharRun, the reference first."""
    from types import SimpleNamespace

    model = SimpleNamespace(name=title, config=SimpleNamespace(step_name="iteration"))
    fig, loss_ax, diff_ax, _ = _axes(len(runs), boundaries=False)
    log_steps = plot_costs(loss_ax, model, _as_runs(runs, "smoothed"))
    loss_ax.set_ylabel("smoothed loss (the course's Loss)")
    loss_ax.set_title(f"{title}: smoothed loss per iteration")
    if diff_ax is not None:
        plot_differences(diff_ax, model, _as_runs(runs, "losses"), log_steps)
        for line in diff_ax.lines[: len(runs) - 1]:  # a few ulps, half the iterations equal: dots
            line.set(linestyle="none", markevery=None, markersize=3)
        diff_ax.legend(fontsize="small")
        first = next(iter(runs))
        diff_ax.set_ylabel(f"|loss - {first}'s loss|")
        diff_ax.set_title(f"each iteration's loss: difference to {first} (log scale)")
    fig.tight_layout()
    return fig


def save_charmodel_plot(path, runs: dict, title: str) -> None:
    """charmodel_figure's figure as a PNG at path."""
    charmodel_figure(runs, title).savefig(path, dpi=100)
