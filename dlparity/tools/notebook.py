"""What the course-week notebooks (notebooks/) call: every framework's run of an experiment, its
tables and figure, one idea's code from every package, and the week's migration rows.

Each is what the command uses underneath: runs are dlparity.tools.runs.run_experiment, the
published check runs.published_check, figures dlparity.tools.plots.make_figure, code
dlparity.course.lessons.source (inspect on the packages, as `dlparity show`), rows
dlparity.course.migration.TABLE. Tables and code views show as HTML in a notebook and as text
elsewhere. A step that needs course files that are missing prints one line starting with
SKIPPED and returns None (or no runs), so a notebook runs to its end without them.
"""

from __future__ import annotations

import functools
import math
import os
import textwrap
from dataclasses import dataclass, fields, replace
from html import escape
from importlib import import_module, util

import numpy as np

from dlparity.core import layers as specs
from dlparity.core.errors import DlparityError
from dlparity.core.init import SCHEMES
from dlparity.core.spec import ModelSpec, TrainConfig
from dlparity.course import data, experiments, lessons
from dlparity.course.experiments import Experiment
from dlparity.course.migration import TABLE
from dlparity.runtime import frameworks
from dlparity.tools import quick, show
from dlparity.tools.runs import Run, compare_json, predictor, published_check, run_experiment

SKIPPED = "skipped:"  # first word of the line every step prints when course files are missing
CODE_FONT = "font-family: monospace; font-size: 12px"


@dataclass(frozen=True)
class Table:
    """Rows of strings under column names; the first `left` columns align left, the rest right."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    title: str = ""
    notes: tuple[str, ...] = ()
    left: int = 1

    def __str__(self) -> str:
        cells = [self.columns, *self.rows] if self.rows else []
        widths = [max(map(len, column)) for column in zip(*cells, strict=True)]
        lines = [self.title] if self.title else []
        for row in cells:
            lines.append("  ".join(cell.ljust(w) if i < self.left else cell.rjust(w)
                                   for i, (cell, w) in enumerate(zip(row, widths, strict=True))))  # fmt: skip
        return "\n".join(lines + list(self.notes))

    __repr__ = __str__

    def _repr_html_(self) -> str:
        def cells(row, tag):
            return "".join(f'<{tag} style="text-align:{"left" if i < self.left else "right"}">'
                           f"{escape(cell)}</{tag}>" for i, cell in enumerate(row))  # fmt: skip

        body = "".join(f"<tr>{cells(row, 'td')}</tr>" for row in self.rows)
        html = f"<b>{escape(self.title)}</b>" if self.title else ""
        if self.rows:
            html += f"<table><thead><tr>{cells(self.columns, 'th')}</tr></thead><tbody>{body}</tbody></table>"
        if self.notes:
            html += "<ul>" + "".join(f"<li>{escape(note)}</li>" for note in self.notes) + "</ul>"
        return html


def setup() -> None:
    """Load every installed framework and say what this kernel has: frameworks with their
    devices, the course-file folder, DLPARITY_QUICK. (TensorFlow's start-up logging is kept out
    of the cells by the framework packages themselves: dlparity.runtime.quiet.)"""
    for name in installed():
        print(f"{name}: {_devices(name)}")
    source = f"${data.ENV_VAR}" if os.environ.get(data.ENV_VAR) else "the default folder"
    print(f"course files are read from {data.resolve_data_dir()} ({source})")
    if quick.enabled():
        print(f"{quick.ENV_VAR} is set: runs are shortened; unset it for the course's full runs")


def _devices(name: str) -> str:
    """The framework loaded, and the devices it computes on."""
    frameworks.load(name)
    platforms = frameworks.get(name).platforms
    return "cpu" if platforms is None else frameworks.function(platforms)()


def installed() -> list[str]:
    """The frameworks that can run here, in the command's order (numpy, jax, tf, keras)."""
    return [name for name in frameworks.defaults() if frameworks.available(name)]


def course_data(dataset: str):
    """The dataset's arrays (X (n_x, m), Y, X_test, Y_test), or None with one line saying which
    course file is missing and where it was looked for. A course file that is there but wrong
    is an error, as in the command."""
    try:
        return data.load(dataset)
    except DlparityError as error:
        info, folder = data.DATASETS.get(dataset), data.resolve_data_dir()
        if info is None or all((folder / name).is_file() for name in info.files):
            raise
        print(f"{SKIPPED} {error}")
        return None


def _skip(experiment: Experiment, what: str, where: str = "") -> None:
    """One SKIPPED line, when the experiment's data are course files. Else no arrays (or no runs)
    is a mistake, not missing files: a generated or bundled dataset is always there."""
    info = data.DATASETS.get(experiment.dataset)
    if info is not None and not info.files:
        given = "arrays is None" if where in ("run", "gradient_checks") else "no runs"
        raise DlparityError(
            f"{where}: {given}, but {experiment.name}'s {experiment.dataset} data need no course "
            f"files ({info.source}): pass course_data({experiment.dataset!r})"
            + ("" if where in ("run", "gradient_checks") else " to run() and its runs here")
        )
    print(
        f"{SKIPPED} {what} of {experiment.name}: it needs the course's {experiment.dataset} files"
    )


def _check_arrays(arrays, experiment: Experiment, where: str) -> None:
    """arrays as course_data returns them: (X, Y, X_test, Y_test), X with the network's inputs."""
    if not isinstance(arrays, tuple | list) or len(arrays) != 4:
        raise DlparityError(
            f"{where}: arrays should be course_data(...)'s (X, Y, X_test, Y_test), got "
            f"{quick.describe(arrays)}{f' of {len(arrays)}' if isinstance(arrays, tuple | list) else ''}"
        )
    spec = experiment.spec
    images = spec.examples_axis == 0
    for name, array in zip(("X", "Y", "X_test", "Y_test"), arrays, strict=True):
        ndim = 4 if images and name.startswith("X") else 2
        if not isinstance(array, np.ndarray) or array.ndim != ndim:
            got = quick.describe(array)
            if isinstance(array, np.ndarray):
                got = f"an array of shape {array.shape}"
            raise DlparityError(
                f"{where}: arrays' {name} should be a {ndim}-D NumPy array, got {got}"
            )
    if images:
        if arrays[0].shape[1:] != tuple(spec.input_shape):
            raise DlparityError(
                f"{where}: arrays' X holds images {arrays[0].shape[1:]}, {experiment.name}'s "
                f"network takes {tuple(spec.input_shape)}: pass course_data({experiment.dataset!r})"
            )
        return
    n_x = spec.layer_dims[0]
    if arrays[0].shape[0] != n_x:
        raise DlparityError(
            f"{where}: arrays' X has {arrays[0].shape[0]} features per example (rows), "
            f"{experiment.name}'s network takes {n_x}: pass course_data({experiment.dataset!r})"
        )


def _framework_names(names, where: str):
    """names: None (every installed framework) or a list of known framework names."""
    if names is None:
        return None
    if isinstance(names, str) or not isinstance(names, list | tuple) or not names:
        raise DlparityError(f"{where}: names should be a list of frameworks such as ['numpy', "
                            f"'jax'], or None for every installed one; got {quick.describe(names)}")  # fmt: skip
    for name in names:
        if not isinstance(name, str):
            raise DlparityError(
                f"{where}: names should hold framework names, got {quick.describe(name)}"
            )
        try:
            frameworks.split(name)
        except DlparityError as error:
            raise DlparityError(f"{where}: names: {error}") from None
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise DlparityError(f"{where}: names: {twice!r} is named twice")
    return list(names)


def _check_runs(runs, experiment: Experiment, where: str) -> None:
    """runs as run() returns them: a list of Runs of this experiment (or [] / None: none)."""
    if runs is None:
        return
    if not isinstance(runs, list | tuple):
        raise DlparityError(
            f"{where}: runs should be the list run() returns, got {quick.describe(runs)}"
        )
    for i, one in enumerate(runs):
        if not isinstance(one, Run):
            raise DlparityError(f"{where}: runs[{i}] should be a Run (an item of what run() "
                                f"returns), got {quick.describe(one)}")  # fmt: skip
        if one.experiment != experiment.name:
            raise DlparityError(f"{where}: runs[{i}] is a run of {one.experiment}, not of "
                                f"{experiment.name}")  # fmt: skip


def run(experiment: Experiment, arrays, names=None) -> list:
    """Train the experiment on each framework (default: every installed one), announcing each.

    arrays: course_data's result; None skips the runs (no course files). Returns the Runs.
    """
    experiment = quick.experiment_argument(experiment, "run")
    names = _framework_names(names, "run")
    if arrays is None:
        _skip(experiment, "the runs", "run")
        return []
    _check_arrays(arrays, experiment, "run")
    config, names = experiment.config, list(names or installed())
    print(f"{experiment.name} ({experiment.course}, {experiment.summary}): {config.steps} "
          f"{config.step_name}s in {', '.join(names)}", flush=True)  # fmt: skip
    runs = []
    for name in names:
        runs.append(run_experiment(experiment, name, arrays=arrays))
        result = runs[-1].result
        print(f"  {name}: trained in {result.seconds:.2f} s, compiled in "
              f"{result.compile_seconds:.2f} s", flush=True)  # fmt: skip
    return runs


def _fmt(value, digits: int) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def costs(experiment: Experiment, runs) -> Table | None:
    """Every framework's cost at the course's printed steps, accuracies, times, and how far each
    framework is from the first."""
    experiment = quick.experiment_argument(experiment, "costs")
    _check_runs(runs, experiment, "costs")
    if not runs:
        _skip(experiment, "the costs", "costs")
        return None
    names = tuple(run.framework for run in runs)
    rows = [(str(step), *(_fmt(run.result.costs.get(step), 9) for run in runs))
            for step in experiment.printed_steps()]  # fmt: skip
    rows += [("train accuracy", *(_fmt(run.train_accuracy, 4) for run in runs)),
             ("test accuracy", *(_fmt(run.test_accuracy, 4) for run in runs)),
             ("training s", *(f"{run.result.seconds:.3f}" for run in runs)),
             ("compile s", *(f"{run.result.compile_seconds:.3f}" for run in runs))]  # fmt: skip
    notes, step_name = [], experiment.config.step_name
    for entry in compare_json(experiment, runs)["runs"][1:]:
        first = entry["first_step_beyond_1e-10"]
        where = "" if first is None else f"; first beyond 1e-10 at {step_name} {first}"
        notes.append(f"max |cost - {names[0]}| for {entry['framework']}: "
                     f"{entry['max_abs_cost_diff_vs_reference']:.3e}{where}")  # fmt: skip
    title = f"{experiment.name}: cost at the course's printed {step_name}s"
    return Table((step_name, *names), tuple(rows), title, tuple(notes))


def _scope_note(experiment: Experiment) -> str | None:
    """What the published check covers, when it is not every number the course prints."""
    registered = experiments.EXPERIMENTS.get(experiment.name)
    if registered is None or not registered.published:
        return f"the course prints no numbers for {experiment.name}"
    if experiment.published == registered.published:
        return None
    if quick.enabled() and registered.config.steps != experiment.config.steps:
        return (f"{quick.ENV_VAR}: only the published costs this short run reaches are checked; "
                "unset it to check the final accuracies too")  # fmt: skip
    return f"the course's numbers are those of {experiment.name} unchanged; this run is changed"


def published(experiment: Experiment, runs) -> Table | None:
    """Each framework against the numbers the course's notebook prints: `ok` or `DIFFERS`."""
    experiment = quick.experiment_argument(experiment, "published")
    _check_runs(runs, experiment, "published")
    if not runs:
        _skip(experiment, "the published check", "published")
        return None
    checks = [published_check(experiment, run) for run in runs]
    notes = [note for note in [_scope_note(experiment)] if note]
    rows, verdicts = [], set()
    for i, (what, course, *_) in enumerate(checks[0]):
        cells = []
        for rows_of_run in checks:
            mine, verdict = rows_of_run[i][2], rows_of_run[i][3]
            verdicts.add(verdict)
            cells.append(f"{mine:.6f} {verdict if verdict in ('ok', 'DIFFERS') else '(note)'}")
        rows.append((what, f"{course:.6f}", *cells))
    notes += [f"note: {v}" for v in sorted(verdicts - {"ok", "DIFFERS"})]
    if checks[0]:
        every = "ok everywhere" if verdicts == {"ok"} else "ok, or as the notes say"
        every = "DIFFERS in places: see the rows" if "DIFFERS" in verdicts else every
        count = f"{len(runs)} framework{'s' * (len(runs) > 1)} x {len(checks[0])} published "
        notes.append(f"{count}number{'s' * (len(checks[0]) > 1)}: {every}")
    title = f"{experiment.name}: the course's published numbers"
    return Table(("", "course", *(run.framework for run in runs)), tuple(rows), title, tuple(notes))


def figure(experiment: Experiment, runs, arrays):
    """plots.make_figure of the runs (what `dlparity compare --plot` saves): the cost curves,
    their differences and, for 2-D data, each framework's decision boundary."""
    from dlparity.tools import plots

    experiment = quick.experiment_argument(experiment, "figure")
    _check_runs(runs, experiment, "figure")
    if not runs:
        _skip(experiment, "the figure", "figure")
        return None
    _check_arrays(arrays, experiment, "figure")
    X, Y = arrays[0], arrays[1]
    predicts = [predictor(experiment, run) for run in runs] if X.shape[0] == 2 else None
    return plots.make_figure(experiment, runs, X, Y, predicts)


def gradient_checks(names, arrays, examples: int = 8) -> Table | None:
    """The course's gradient check (`dlparity gradcheck`) of each named experiment's network at
    its initial parameters, on the first examples, in every installed framework that has one."""
    from dlparity.core.gradcheck import PASS_THRESHOLD
    from dlparity.tools.gradcheck import check_experiment

    if isinstance(names, str) or not isinstance(names, list | tuple) or not names:
        raise DlparityError(f"gradient_checks: names should be a list of experiment names such "
                            f"as ['planar'], got {quick.describe(names)}")  # fmt: skip
    for name in names:
        experiments.get(name)  # an unknown name is one line
    if arrays is None:
        _skip(experiments.get(names[0]), "the gradient checks", "gradient_checks")
        return None
    for name in names:
        _check_arrays(arrays, experiments.get(name), "gradient_checks")
    rows = []
    for name in names:
        for framework in [f for f in installed() if frameworks.get(f).gradcheck]:
            check = check_experiment(experiments.get(name), framework, arrays, examples=examples)
            verdict = (
                "ok" if check.difference < PASS_THRESHOLD else "a mistake in the backward pass"
            )
            if check.difference >= PASS_THRESHOLD and check.kinks:
                verdict = f"not conclusive: {check.kinks} ReLU inputs exactly 0"
            parameters = f"{check.checked} of {check.total}"
            rows.append((name, framework, parameters, f"{check.difference:.3e}", verdict))
    columns = ("experiment", "framework", "parameters", "difference", f"< {PASS_THRESHOLD:g}")
    note = (f"difference = ||grad - gradapprox|| / (||grad|| + ||gradapprox||), centered "
            f"differences with epsilon 1e-7, on the first {examples} examples, in float64")  # fmt: skip
    return Table(columns, tuple(rows), "gradient checks", (note,), left=2)


_EXPERIMENT_FIELDS = ("init_scheme", "init_seed", "init_scale")


def variant(experiment: Experiment, **changes) -> Experiment:
    """The experiment with fields of its ModelSpec, TrainConfig or initialization changed, e.g.
    variant(planar, learning_rate=0.5, layer_dims=(2, 10, 1)); checked as the fields always are.
    The course's published numbers no longer apply and are dropped."""
    experiment = quick.experiment_argument(experiment, "variant")
    spec_fields = {f.name for f in fields(ModelSpec)}
    config_fields = {f.name for f in fields(TrainConfig)}
    for name in changes:
        if name not in spec_fields | config_fields | set(_EXPERIMENT_FIELDS):
            raise DlparityError(f"variant: {name!r} is not a field of the network, its training "
                                f"or its initialization ({', '.join(_EXPERIMENT_FIELDS)})")  # fmt: skip
    _check_init(changes)
    try:
        spec = replace(experiment.spec, **{k: v for k, v in changes.items() if k in spec_fields})
        config = replace(experiment.config,
                         **{k: v for k, v in changes.items() if k in config_fields})  # fmt: skip
    except DlparityError as error:
        raise DlparityError(f"variant: {error}") from None
    init = {k: v for k, v in changes.items() if k in _EXPERIMENT_FIELDS}
    what = ", ".join(f"{k}={v!r}" for k, v in changes.items())
    return replace(experiment, spec=spec, config=config, published={},
                   summary=f"{experiment.summary}; changed: {what}", **init)  # fmt: skip


def _check_init(changes: dict) -> None:
    """variant's init_scheme, init_seed and init_scale, checked as the draw would use them."""
    if "init_scheme" in changes and changes["init_scheme"] not in SCHEMES:
        raise DlparityError(f"variant: init_scheme should be one of {', '.join(SCHEMES)}, got "
                            f"{quick.describe(changes['init_scheme'])}")  # fmt: skip
    seed = changes.get("init_seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**32:
        raise DlparityError(f"variant: init_seed should be an integer in [0, 2**32), got "
                            f"{quick.describe(seed)}")  # fmt: skip
    scale = changes.get("init_scale")
    if scale is not None and (isinstance(scale, bool) or not isinstance(scale, int | float)
                              or not math.isfinite(scale) or scale <= 0):  # fmt: skip
        raise DlparityError(f"variant: init_scale should be a finite number > 0 (or None), got "
                            f"{quick.describe(scale)}")  # fmt: skip


@dataclass(frozen=True)
class Code:
    """One lesson of `dlparity show`: each package's code, read from its source by inspect."""

    topic: str

    def __str__(self) -> str:
        return show.plain_text(self.topic)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        lesson = lessons.get(self.topic)
        headings = lessons.columns()
        columns = "".join(_column_html(f"{package}: {headings[package]}", package, refs, lesson)
                          for package, refs in lesson.code.items())  # fmt: skip
        out = [f"<p><b>{escape(self.topic)}</b>: {escape(lesson.summary)} "
               f"(<code>dlparity show {escape(self.topic)}</code>)</p>",
               f'<div style="display:flex; flex-wrap:wrap; gap:12px">{columns}</div>']  # fmt: skip
        if lesson.shared:
            title = "shared: every package runs this spine code"
            out.append(_column_html(title, lessons.shared_column(), lesson.shared, lesson))
        if lesson.rows:
            out.append(traps(*lesson.rows)._repr_html_())
        return "".join(out)


def code(topic: str) -> Code:
    """The code of one idea from every package, side by side (`dlparity show TOPIC`)."""
    lessons.get(topic)  # an unknown topic is one line now, not an error when shown
    return Code(topic)


def _column_html(title: str, package: str, refs, lesson) -> str:
    empty = show.empty_column(package, refs, lesson)
    body = f"<p><i>{escape(empty)}</i></p>" if empty else "".join(map(_source_html, refs))
    return (f'<div style="flex:1 1 440px; min-width:0"><div style="font-weight:bold; '
            f'border-bottom:1px solid #999">{escape(title)}</div>{body}</div>')  # fmt: skip


def _source_html(ref: str) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    src = lessons.source(ref)
    html = highlight(textwrap.dedent(src.code), PythonLexer(), HtmlFormatter(noclasses=True))
    return (f'<div style="{CODE_FONT}; color:#2a6f97; margin-top:6px">'
            f"{escape(show.source_header(src))}</div>"
            f'<div style="{CODE_FONT}; overflow-x:auto">{html}</div>')  # fmt: skip


@dataclass(frozen=True)
class Traps:
    """Rows of the migration table (`dlparity migration`), with the measured size of each trap."""

    keys: tuple[str, ...]

    def __str__(self) -> str:
        return "\n\n".join("\n".join(show.row_lines(key, show.PIPED_WIDTH)) for key in self.keys)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return self.table()._repr_html_()

    def table(self) -> Table:
        rows = []
        for key in self.keys:
            row = TABLE[key]
            measured = "exact with the mapping" if row.stock_keras_exact else ""
            if row.stock_deviation is not None:
                what = "without the mapping" if row.stock_keras_exact else "stock Keras"
                measured = f"{what}: {row.stock_deviation:.2g} ({row.measure})"
            rows.append((row.knob, row.course, row.jax, row.keras, measured))
        columns = ("knob", "course", "JAX (optax, lax)", "Keras 3", "measured")
        return Table(columns, tuple(rows), "migration traps (dlparity migration)", left=5)


def traps(*keys: str) -> Traps:
    """The migration table's rows for keys (see dlparity.course.migration.TABLE)."""
    unknown = [key for key in keys if key not in TABLE]
    if unknown or not keys:
        raise DlparityError(f"traps: give rows of the migration table: {', '.join(TABLE)}")
    return Traps(keys)


def layer_modules() -> dict:
    """framework -> its package's layers module, with the course's functions (zero_pad,
    conv_single_step, conv_forward, pool_forward, flatten_forward, ...), for every installed
    framework that has one: Keras builds its own layers."""
    modules = {}
    for name in installed():
        module = f"{frameworks.get(name).package}.layers"
        if util.find_spec(module) is not None:
            modules[name] = import_module(module)
    return modules


def vjp(framework: str, function, args, cotangent) -> list[np.ndarray]:
    """The gradients of function at args (NumPy arrays) given its output's gradient cotangent,
    as the framework computes them (jax.vjp, TensorFlow's tape), as NumPy arrays."""
    if framework == "jax":
        import jax

        _, pullback = jax.vjp(function, *args)
        return [np.asarray(g) for g in pullback(cotangent)]
    if framework == "tf":
        import tensorflow as tf

        inputs = [tf.constant(a) for a in args]
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            output = function(*inputs)
        grads = tape.gradient(output, inputs, output_gradients=tf.constant(cotangent))
        return [g.numpy() for g in grads]
    raise DlparityError(f"vjp: the framework differentiates in jax and tf, not {framework!r}")


class _BiasedSpec:
    """A ModelSpec whose convolutions all keep their bias b_l (Conv2D.use_bias), also the
    identity blocks' ones before batch norm."""

    @functools.cached_property
    def layers(self) -> tuple:
        return tuple(_with_bias(layer) for layer in ModelSpec.layers.func(self))


def _with_bias(layer):
    if isinstance(layer, specs.Conv2D):
        return replace(layer, use_bias=True)
    if isinstance(layer, specs.Residual):
        return replace(layer, layers=tuple(map(_with_bias, layer.layers)))
    return layer


def with_conv_biases(experiment: Experiment) -> Experiment:
    """The experiment with a bias in every convolution, also before batch norm, where the
    project's identity blocks have none; its published numbers dropped."""
    experiment = quick.experiment_argument(experiment, "with_conv_biases")
    spec = experiment.spec
    biased = type(f"Biased{type(spec).__name__}", (_BiasedSpec, type(spec)), {})
    spec = biased(**{f.name: getattr(spec, f.name) for f in fields(spec)})
    return replace(experiment, spec=spec, published={},
                   summary=f"{experiment.summary}; a bias in every convolution")  # fmt: skip


FULL_DIGITS = 15  # a value printed with this many decimals or more is printed in full


def _printed_tolerance(text: str) -> tuple[float, float]:
    """(atol, rtol) of a printed value: half a unit of its last digit, or, printed in full, the
    parity suite's float64 bound (another summation order moves the last digits)."""
    decimals = len(text.partition(".")[2].rstrip())
    if decimals >= FULL_DIGITS:
        return 1e-14, 1e-12
    return 0.5 * 10.0**-decimals, 0.0


def _course_value(course) -> tuple[np.ndarray, str, float, float]:
    """(value, as shown, atol, rtol) of a row's course value: the text the course prints (its
    bound from its last digit) or (a number or an array, the bound its printing allows)."""
    if isinstance(course, str):
        return np.float64(course), course, *_printed_tolerance(course)
    value, allowed = course
    value = np.asarray(value, dtype=np.float64)
    shown = repr(float(value)) if value.ndim == 0 else f"{value.shape} array"
    if value.size > 1 and np.all(value == value.flat[0]):
        shown = f"all {value.flat[0]:g}, {value.shape}"
    return value, shown, float(allowed), 0.0


def _printed_cell(name, value, base, expected) -> str:
    """numpy's number in full, another's as "= numpy" or its difference from numpy's; for an
    array, max |value - course|."""
    if np.ndim(expected) > 0:
        return f"{float(np.max(np.abs(value - expected), initial=0.0)):.1e}"
    if name == "numpy" or base is None:
        return f"{float(value):.17g}"
    return "= numpy" if value == base else f"{float(value - base):+.1e}"


def printed(title: str, rows) -> Table:
    """The course's printed values beside every framework's. rows: (what, the course's value,
    {framework: value, or None where the framework has no such function}); the course's value
    is the text it prints (checked to half a unit of its last digit; printed in full, to the
    parity suite's float64 bound) or (a number or an array, the bound its printing allows).
    Each row's check of every value against the course's: "ok" or "DIFFERS"."""
    names = [name for name in installed() if name != "keras-jax"]
    out = []
    for what, course, values in rows:
        expected, shown, atol, rtol = _course_value(course)
        base, cells, ok = values.get("numpy"), [], True
        for name in names:
            value = values.get(name)
            if value is None:
                cells.append("")
                continue
            value = np.asarray(value, dtype=np.float64)
            ok = (
                ok
                and value.shape == expected.shape
                and bool(np.all(np.abs(value - expected) <= atol + rtol * np.abs(expected)))
            )
            cells.append(_printed_cell(name, value, base, expected) if value.shape == expected.shape
                         else f"shape {value.shape}")  # fmt: skip
        out.append((what, shown, *cells, "ok" if ok else "DIFFERS"))
    notes = ("each value against the course's: to half a unit of its last printed digit, or the "
             "bound given; printed in full, to the parity suite's float64 bound (rtol 1e-12); an "
             "array's cell is max |value - course|",)  # fmt: skip
    return Table(("value", "the course prints", *names, "check"), tuple(out), title, notes, left=1)
