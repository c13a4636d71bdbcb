"""Speed: train experiments on each installed framework in one run and print times and ratios.

Ratios are NumPy's training time over each framework's (higher is faster). The compiled
frameworks' first-call tracing and compilation is shown apart, and added in the end-to-end ratio.
A row "keras/tf" gives what model.fit costs over the low-level TensorFlow loop, "keras-jax/jax"
over JAX's own compiled loop, when both ran (higher is slower): the training time's ratio and
the end-to-end one. With repeat > 1 the bench runs
repeat rounds (the GEMMs, then each framework) and reports the fastest of each: other load on
the machine only adds time.

The limit: each experiment's bare GEMMs (NumPy matmuls of the forward and backward pass, the
shapes and order of the run, in its dtype) are timed in the same run, and every framework's
limit_ratio is its training time over that GEMM time (1.0 would be nothing but the matmuls).
The GEMMs are those a minimal implementation needs: no dA_0 = W1^T dZ1, which no update uses.
JAX and TensorFlow differentiate with respect to the parameters only and never form it; the
reference (pure_numpy's linear_backward, the course's) computes it for the first layer too, so
NumPy's limit_ratio includes that one product. The GEMM time is the fastest of several timed
steps, scaled to the run's steps: on a loaded machine other work only adds time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from dlparity.core import layers
from dlparity.core.errors import DlparityError
from dlparity.core.rng import minibatch_bounds
from dlparity.course import data, experiments
from dlparity.runtime import frameworks
from dlparity.tools.runs import run_experiment, split_framework

DEFAULT_EXPERIMENTS = ["planar", "opt-adam", "dnn-cats-deep"]
GEMM_BUDGET_SECONDS = 2.0  # steps of GEMMs are timed one by one until this much time has passed


def runnable(names, data_dir=None, out=print) -> list[str]:
    """The experiments whose data is here, checked before any runs. Named experiments must
    have it (a DlparityError names what is missing); the default set skips those that do not."""
    names = names or DEFAULT_EXPERIMENTS
    folder, keep = data.resolve_data_dir(data_dir), []
    for name in names:
        if name == CHARMODEL:  # its names are shipped
            keep.append(name)
            continue
        info = data.DATASETS[experiments.get(name).dataset]
        missing = [f for f in info.files if not (folder / f).is_file()]
        if not missing:
            keep.append(name)
        elif names is DEFAULT_EXPERIMENTS:
            out(f"{name}: skipped, needs {', '.join(missing)} (--data-dir or {data.ENV_VAR})")
        else:
            raise DlparityError(
                f"{name} needs {', '.join(missing)}, not found in {folder} "
                f"(--data-dir or {data.ENV_VAR})"
            )
    return keep


# ---------------------------------------------------------------- the bare GEMMs


def _product_shapes(spec) -> list[tuple[str, int, int, int]]:
    """Per layer with a matmul, in forward order: (kind, rows per example, inner, outer).

    A dense layer l is W_l (outer = n_l, inner = n_{l-1}) times A_{l-1} (one column per
    example); a convolution is its windows as a matrix (one row per example and output
    position, inner = f f n_C_prev) times W_l reshaped (inner, outer = n_C): the GEMM that
    im2col turns it into."""
    shape, products = spec.example_shape, []
    for layer in layers.flat(spec.layers):
        if isinstance(layer, layers.Dense):
            products.append(("dense", 1, layer.n_in, layer.units))
        elif isinstance(layer, layers.Conv2D | layers.Pool2D):
            n_H, n_W = (layer.output_size(n, axis) for axis, n in enumerate(shape[:2]))
            n_C = layer.n_C if isinstance(layer, layers.Conv2D) else shape[2]
            if isinstance(layer, layers.Conv2D):
                products.append(("conv", n_H * n_W, layer.f * layer.f * layer.n_C_prev, n_C))
            shape = (n_H, n_W, n_C)
    return products


def gemm_operands(spec, batch_sizes, dtype) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (left, right) operands of one step's matmuls, in order, standard normal in dtype.

    For each mini-batch of size m_b: forward Z_l = W_l A_{l-1}, (n_l, n_{l-1}) @ (n_{l-1}, m_b),
    for each layer in order; backward, last layer first, dW_l = dZ_l A_{l-1}^T,
    (n_l, m_b) @ (m_b, n_{l-1}), and but for the first layer dA_{l-1} = W_l^T dZ_l,
    (n_{l-1}, n_l) @ (n_l, m_b): dA_0 is left out, as no update needs it. A convolution is the
    same three with its windows matrix (m_b n_H n_W, f f n_C_prev) in place of A_{l-1}^T and
    W_l as (f f n_C_prev, n_C). The transposes are views, as in the reference.
    """
    rng, products = np.random.default_rng(0), _product_shapes(spec)
    normal = lambda *shape: rng.standard_normal(shape).astype(dtype)  # noqa: E731
    W = [normal(outer, inner) if kind == "dense" else normal(inner, outer)
         for kind, _, inner, outer in products]  # fmt: skip
    operands = []
    for m_b in batch_sizes:
        forward, backward = [], []
        for k, (kind, rows, inner, outer) in enumerate(products):
            if kind == "dense":
                A, dZ = normal(inner, m_b), normal(outer, m_b)
                forward.append((W[k], A))
                backward.append([(dZ, A.T)] + ([(W[k].T, dZ)] if k else []))
            else:
                windows, dZ = normal(m_b * rows, inner), normal(m_b * rows, outer)
                forward.append((windows, W[k]))
                backward.append([(windows.T, dZ)] + ([(dZ, W[k].T)] if k else []))
        operands += forward + [pair for pairs in reversed(backward) for pair in pairs]
    return operands


@dataclass(frozen=True)
class GemmTiming:
    """seconds: the whole run's GEMM time, the fastest of steps_timed steps times steps."""

    seconds: float
    steps_timed: int
    steps: int
    products_per_step: int


def _one_step(operands) -> float:
    """Seconds of one step's matmuls, in order."""
    start = time.perf_counter()
    for left, right in operands:
        left @ right
    return time.perf_counter() - start


def time_gemms(experiment, m: int, budget: float = GEMM_BUDGET_SECONDS) -> GemmTiming:
    """Time the bare GEMMs of experiment's run on m examples. X is (n_x, m).

    After one untimed step, whole steps (every mini-batch's forward and backward matmuls) are
    timed one by one until budget seconds have passed (at least one) or as many as the run has;
    the fastest, times the run's steps, is the estimate: other load on the machine only adds
    time, so the fastest step is the one it disturbed least.
    """
    spec, steps = experiment.spec, experiment.config.steps
    sizes = [hi - lo for lo, hi in minibatch_bounds(m, experiment.config.mini_batch_size)]
    operands = gemm_operands(spec, sizes, np.dtype(spec.dtype))
    _one_step(operands)  # untimed: the BLAS's threads and first allocations
    start = time.perf_counter()
    fastest, done = _one_step(operands), 1
    while done < steps and time.perf_counter() - start < budget:
        fastest = min(fastest, _one_step(operands))
        done += 1
    return GemmTiming(fastest * steps, done, steps, len(operands))


# ---------------------------------------------------------------- the course's loops


@dataclass(frozen=True)
class LoopTiming:
    """One mini-batch of batch examples through a convnet's convolutions and pools, forward and
    backward: the course's loops (pure_numpy.loops) against the vectorized reference."""

    loops_seconds: float
    vectorized_seconds: float
    batch: int


def _timed(function, *args):
    start = time.perf_counter()
    out = function(*args)
    return out, time.perf_counter() - start


def time_loops(experiment, batch: int) -> LoopTiming:
    """Time both versions on every Conv2D and Pool2D of the network, on standard normal images
    of batch examples passed through its ReLUs (batch norm and the skip left out)."""
    from pure_numpy import layers as vectorized
    from pure_numpy import loops

    spec, rng = experiment.spec, np.random.default_rng(0)
    A, seconds = rng.standard_normal((batch, *spec.example_shape)), {"loops": 0.0, "vec": 0.0}
    for layer in layers.flat(spec.layers):
        if isinstance(layer, layers.Conv2D):
            W, b = rng.standard_normal((layer.f, layer.f, layer.n_C_prev, layer.n_C)), 0.1
            for name, module in (("loops", loops), ("vec", vectorized)):
                (Z, cache), forward = _timed(
                    module.conv_forward, A, W, np.full((1, 1, 1, layer.n_C), b), layer.hparameters
                )
                _, backward = _timed(module.conv_backward, Z, cache)
                seconds[name] += forward + backward
            A = Z
        elif isinstance(layer, layers.Pool2D):
            for name, module in (("loops", loops), ("vec", vectorized)):
                (P, cache), forward = _timed(module.pool_forward, A, layer.hparameters, layer.mode)
                _, backward = _timed(module.pool_backward, P, cache, layer.mode)
                seconds[name] += forward + backward
            A = P
        elif isinstance(layer, layers.Activation):
            A = np.maximum(A, 0)
        elif isinstance(layer, layers.Flatten):
            break
    return LoopTiming(seconds["loops"], seconds["vec"], batch)


# ---------------------------------------------------------------- the runs


HEADER = (f"{'experiment':<16}{'framework':<13}{'dtype':<9}{'run s':>10}{'compile s':>11}"
          f"{'x numpy':>9}{'x numpy e2e':>13}{'gemm s':>10}{'limit x':>9}")  # fmt: skip


def _usable(framework_names) -> list[str]:
    """The installed ones of framework_names, NumPy first (the base of the speed-ups)."""
    names = framework_names or frameworks.defaults()
    usable = [n for n in names if frameworks.available(split_framework(n)[0])]
    base = frameworks.reference().name
    return [base, *[n for n in usable if n != base]]


def pairs_measured() -> list[tuple[str, str]]:
    """(framework, the one it is measured against): ("keras", "tf"), ("keras-jax", "jax")."""
    return [(f.name, f.measured_against) for f in frameworks.descriptors() if f.measured_against]


def check_repeat(repeat) -> int:
    """repeat: how many rounds of runs the bench makes (the fastest of each counts)."""
    if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
        raise DlparityError(f"repeat: must be a positive integer, got {repeat!r}")
    return repeat


def _silent(text: str) -> None:
    pass


def run_bench(
    names, framework_names=None, data_dir=None, dtype="float64", out=print, repeat: int = 1,
    status=_silent,
) -> dict:  # fmt: skip
    """Train each experiment on each usable framework in repeat rounds (the fastest counts);
    {"runs": [row...], "pairs": [row...]}. out takes each printed line, status what starts
    next (the GEMMs, a framework's run)."""
    check_repeat(repeat)
    usable, runs, pairs = _usable(framework_names), [], []
    if repeat > 1:
        out(f"run s and gemm s: the fastest of {repeat} rounds; compile s: the first round's")
    out(HEADER)
    for name in names:
        if name == CHARMODEL:
            runs.extend(_charmodel_rows(usable, repeat, out, status))
            continue
        experiment = experiments.get(name).with_dtype(dtype)
        arrays = data.load(experiment.dataset, data_dir)
        rows = _experiment_rows(experiment, usable, arrays, repeat, out, status)
        runs.extend(rows)
        pairs.extend(_pair_rows(name, rows, out))
    missing = [n for n in framework_names or frameworks.defaults() if n not in usable]
    if missing:
        out(f"not installed here: {', '.join(missing)}")
    return {"runs": runs, "pairs": pairs}


def _faster_gemms(a: GemmTiming | None, b: GemmTiming) -> GemmTiming:
    """The faster of two timings of the same GEMMs, with the steps both timed."""
    if a is None:
        return b
    return replace(min(a, b, key=lambda t: t.seconds), steps_timed=a.steps_timed + b.steps_timed)


def _experiment_rows(experiment, usable, arrays, repeat: int, out, status=_silent) -> list[dict]:
    """repeat rounds of the bare GEMMs then each framework's run, interleaved so that load on the
    machine falls on all alike; each keeps its fastest time, and its first compile time (what a
    single run pays: JAX's later runs reuse the compiled program). The last round prints the
    rows, one per framework; NumPy runs first and is the base of the speed-ups."""
    gemm, fastest, rows = None, {}, []
    for round_, last in enumerate([False] * (repeat - 1) + [True], 1):
        of = f" (round {round_} of {repeat})" if repeat > 1 else ""
        status(f"{experiment.name}: timing the bare GEMMs{of}")
        gemm = _faster_gemms(gemm, time_gemms(experiment, _examples(experiment, arrays)))
        if last:
            out(f"{experiment.name}: bare GEMMs {gemm.seconds:.3f} s ({gemm.products_per_step} "
                f"matmuls a step; the fastest of {gemm.steps_timed} timed steps, "
                f"times {gemm.steps})")  # fmt: skip
            if experiment.spec.architecture == "convnet":
                status(f"{experiment.name}: timing the course's loops")
                out(_loops_line(experiment, time_loops(experiment, _batch(experiment, arrays))))
        for fw in usable:
            status(f"{experiment.name}: training {fw}{of}")
            result = run_experiment(experiment, fw, arrays=arrays).result
            seconds, compile_s = fastest.get(fw, (result.seconds, result.compile_seconds))
            fastest[fw] = (min(seconds, result.seconds), compile_s)
            if last:
                rows.append(_row(experiment, fw, fastest[fw], rows, gemm, repeat, out))
    return rows


def _examples(experiment, arrays) -> int:
    """m, the training set's examples."""
    return arrays[0].shape[experiment.spec.examples_axis]


def _batch(experiment, arrays) -> int:
    m = _examples(experiment, arrays)
    return min(experiment.config.mini_batch_size or m, m)


def _loops_line(experiment, timing: LoopTiming) -> str:
    ratio = timing.loops_seconds / timing.vectorized_seconds
    return (f"{experiment.name}: the course's loops {timing.loops_seconds:.3f} s, the vectorized "
            f"reference {timing.vectorized_seconds:.4f} s ({ratio:.0f}x) for one mini-batch of "
            f"{timing.batch} through the convolutions and pools, forward and backward")  # fmt: skip


def _row(experiment, fw, times, rows, gemm: GemmTiming, repeat, out) -> dict:
    """fw's row from its (seconds, compile seconds), printed; rows[0] (NumPy) is the base."""
    seconds, compile_s = times
    base = rows[0]["seconds"] if rows else seconds
    row = {"experiment": experiment.name, "framework": fw, "dtype": experiment.spec.dtype,
           "seconds": seconds, "compile_seconds": compile_s, "repeat": repeat,
           "speedup_vs_numpy": base / seconds, "gemm_seconds": gemm.seconds,
           "gemm_steps_timed": gemm.steps_timed, "limit_ratio": seconds / gemm.seconds}  # fmt: skip
    out(f"{experiment.name:<16}{fw:<13}{row['dtype']:<9}{seconds:>10.3f}{compile_s:>11.3f}"
        f"{row['speedup_vs_numpy']:>9.1f}{base / (seconds + compile_s):>13.1f}"
        f"{gemm.seconds:>10.3f}{row['limit_ratio']:>9.1f}")  # fmt: skip
    return row


def _pair_rows(name: str, rows: list[dict], out) -> list[dict]:
    """A row per framework measured against another (its descriptor's measured_against: keras
    against tf), both run on experiment name: time over the other's, run and end to end."""
    runs = {r["framework"]: r for r in rows if r["experiment"] == name}
    pairs = []
    for fw, other in pairs_measured():
        if fw in runs and other in runs:
            a, b = runs[fw], runs[other]
            end_to_end = (a["seconds"] + a["compile_seconds"]) / (
                b["seconds"] + b["compile_seconds"]
            )
            pair = {"experiment": name, "framework": f"{fw}/{other}",
                    "ratio": a["seconds"] / b["seconds"], "ratio_end_to_end": end_to_end}  # fmt: skip
            pairs.append(pair)
            out(f"{name:<16}{pair['framework']:<13}{'':>30}"
                f"{pair['ratio']:>9.1f}{end_to_end:>13.1f}  (time over {other}'s)")  # fmt: skip
    return pairs


# ---------------------------------------------------------------- the character model

CHARMODEL = "charmodel"  # C5W1's character model, benched by this name beside the experiments
CHARMODEL_SETTINGS = {"iterations": 2000, "n_a": 50, "dino_names": 7}
CHARMODEL_WHY = {
    "numpy": "a Python loop over each name's steps, forward then backward by hand: about 35 "
    "NumPy calls a step, each costing more than the small product it computes",
    "jax": "one jitted program per iteration (lax.scan over the padded steps, value_and_grad, "
    "optax): one dispatch and one transfer of the loss per name",
    "tf": "one tf.function per iteration, its Python loop over the padded steps unrolled in the "
    "graph, a tape: each of the graph's small ops is dispatched by TensorFlow's executor",
    "keras": "SimpleRNN (a while loop over the padded steps) and a Dense under a tape in a "
    "tf.function, SGD(clipvalue=5), and each iteration's gradients brought back to NumPy in the "
    "course's layout",
}


def charmodel_operands(n_a: int, vocab_size: int, dtype) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (left, right) operands of one time step's matmuls, standard normal in dtype: forward
    Wax x (n_a, n_x) @ (n_x, 1), Waa a_prev (n_a, n_a) @ (n_a, 1), Wya a (n_y, n_a) @ (n_a, 1);
    backward dWya = dy a^T, da = Wya^T dy, dWax = dz x^T, dWaa = dz a_prev^T and da_prev =
    Waa^T dz. dx = Wax^T dz is left out, as no update needs it (the reference's
    rnn_cell_backward forms it, the course's does)."""
    rng = np.random.default_rng(0)
    normal = lambda *shape: rng.standard_normal(shape).astype(dtype)  # noqa: E731
    Wax, Waa, Wya = normal(n_a, vocab_size), normal(n_a, n_a), normal(vocab_size, n_a)
    x, a_prev, a, dy, dz = (normal(vocab_size, 1), normal(n_a, 1), normal(n_a, 1),
                            normal(vocab_size, 1), normal(n_a, 1))  # fmt: skip
    return [(Wax, x), (Waa, a_prev), (Wya, a),
            (dy, a.T), (Wya.T, dy), (dz, x.T), (dz, a_prev.T), (Waa.T, dz)]  # fmt: skip


def time_charmodel_gemms(steps: int, n_a: int, budget: float = GEMM_BUDGET_SECONDS) -> GemmTiming:
    """The run's bare matmuls: one time step's, timed one by one until budget seconds have
    passed, the fastest times the run's time steps (every name's characters and the zero first
    input, unpadded)."""
    from dlparity.core import charmodel as course

    operands = charmodel_operands(n_a, len(course.VOCABULARY), np.float64)
    _one_step(operands)
    start = time.perf_counter()
    fastest, done = _one_step(operands), 1
    while time.perf_counter() - start < budget:
        fastest = min(fastest, _one_step(operands))
        done += 1
    return GemmTiming(fastest * steps, done, steps, len(operands))


def _charmodel_steps(words: list[str], iterations: int) -> tuple[int, int]:
    """The run's time steps, and the padded ones the compiled frameworks compute."""
    from dlparity.core import charmodel as course

    char_to_ix, _ = course.vocabulary()
    steps = sum(len(X) for _, X, _ in course.plan(course.examples(words), char_to_ix, iterations))
    return steps, course.longest(words) * iterations


def _charmodel_rows(usable, repeat: int, out, status=_silent) -> list[dict]:
    """The character model on the shipped names in each framework that runs it, repeat rounds
    (the GEMMs, then each framework), the fastest of each; compile s is the first iteration's
    time (tracing, compilation and its step), run s the other iterations'."""
    from types import SimpleNamespace

    from dlparity.course import charmodel

    names = [fw for fw in usable if fw in charmodel.FRAMEWORKS]
    settings = charmodel.Settings(every=CHARMODEL_SETTINGS["iterations"], **CHARMODEL_SETTINGS)
    words = charmodel.names()
    steps, padded = _charmodel_steps(words, settings.iterations)
    gemm, fastest, rows = None, {}, []
    for round_, last in enumerate([False] * (repeat - 1) + [True], 1):
        of = f" (round {round_} of {repeat})" if repeat > 1 else ""
        status(f"{CHARMODEL}: timing the bare matmuls{of}")
        gemm = _faster_gemms(gemm, time_charmodel_gemms(steps, settings.n_a))
        if last:
            out(f"{CHARMODEL}: bare matmuls {gemm.seconds:.3f} s ({gemm.products_per_step} "
                f"matrix-vector products a time step; the fastest of {gemm.steps_timed} timed "
                f"steps, times {steps}: {settings.iterations} iterations, n_a = {settings.n_a})")  # fmt: skip
        for fw in names:
            status(f"{CHARMODEL}: training {fw}{of}")
            timings = []
            charmodel.run(fw, words, settings, out=None, timings=timings)
            seconds, first = fastest.get(fw, (np.inf, timings[0]))
            fastest[fw] = (min(seconds, sum(timings[1:])), first)
            if last:
                model = SimpleNamespace(name=CHARMODEL, spec=SimpleNamespace(dtype="float64"))
                rows.append(_row(model, fw, fastest[fw], rows, gemm, repeat, out))
    skipped = [fw for fw in usable if fw not in names]
    if skipped:
        out(f"{CHARMODEL}: {', '.join(skipped)} skipped: it runs on {', '.join(names)}")
    out(f"{CHARMODEL}: the compiled frameworks compute every name padded to the longest, "
        f"{padded} steps against the run's {steps}")  # fmt: skip
    for row in rows:
        out(f"  {row['framework']}: {row['limit_ratio']:.1f}x the bare matmuls, "
            f"{row['speedup_vs_numpy']:.1f}x NumPy's speed: {CHARMODEL_WHY[row['framework']]}")  # fmt: skip
    return rows
