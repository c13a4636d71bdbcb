"""One training driver: what every framework's train() does around its loop, written once.

`trainer(FrameworkLoop)` is each package's `train`, with one signature everywhere:

    train(spec, config, data, params0, *, progress=None, start=None, stop=None,
          randomness="parity", seed=0, devices=None, stock=False, initializer=None,
          loss_reduction="mean", steps_per_execution=None) -> TrainResult

The driver checks the call and its options (here, once: an option a framework does not take,
given other than its default, is a one-line DlparityError), checks and converts the data,
resolves where the run starts (params0, or start=: a TrainState) and the step it stops before,
and makes the whole run's plan. The framework's Loop then loads the start into its own terms,
builds or fetches the compiled segment that trains steps plan.first .. plan.end - 1, runs it,
and converts the end back to the course's terms. The driver records the costs of the course's
steps (plan.recorded), as the loop reports them or all at its end, calls progress(step, cost)
for each, and returns the TrainResult with the TrainState reached (result.end).

Randomness. "parity" (the default): every framework consumes the plan's batch orders and dropout
masks (dlparity.core.plan), so the runs are the reference's. "native" (the frameworks whose Loop
takes "randomness": jax, tf): the framework's own generator, one rule in both. Outer step e
(iteration or epoch) draws from a key made of (seed, e) alone: split in two, the first half
gives the step's example order (a permutation of the m examples, when the run shuffles), the
second its dropout masks, one key per hidden layer, D_l (n_l, m) with one column per position
of the step's order, cut into mini-batches as the examples are (every mini-batch of every step
gets fresh masks). A run resumed at step e therefore draws what the whole run draws from e on,
and a longer run with the same seed starts as the shorter one.
"""

from __future__ import annotations

import abc
import dataclasses
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any, ClassVar, NamedTuple

import numpy as np

from dlparity.core import contract
from dlparity.core.checks import RANDOMNESS, check_devices, check_train_call
from dlparity.core.errors import DlparityError
from dlparity.core.framework import Framework
from dlparity.core.plan import TrainPlan, make_plan
from dlparity.core.results import TrainResult
from dlparity.core.spec import ModelSpec, TrainConfig
from dlparity.core.state import TrainState, resolve_start

INITIALIZERS = (None, "glorot_normal")
LOSS_REDUCTIONS = ("mean", "sum")


@dataclass(frozen=True)
class Options:
    """train()'s options beyond progress, start and stop; the defaults are the course's run."""

    randomness: str = "parity"  # "parity": the plan's draws; "native": the framework's generator
    seed: int = 0  # native randomness's seed
    devices: int | None = None  # every mini-batch split over N devices
    stock: bool = False  # Keras' own components with the closest mapping
    initializer: str | None = None  # "glorot_normal": C2W3's Keras draw instead of params0
    loss_reduction: str = "mean"  # "sum": C2W3's summed batch loss
    steps_per_execution: int | None = None  # batches per call of Keras' train function

    @property
    def native(self) -> bool:
        return self.randomness == "native"


OPTION_NAMES = tuple(f.name for f in fields(Options))


@dataclass(frozen=True)
class Run:
    """One train() call, checked: the network, the run's config and plan, its options and data
    (NumPy, the spec's dtype); the segment trains steps plan.first .. plan.end - 1."""

    spec: ModelSpec
    config: TrainConfig
    plan: TrainPlan
    options: Options
    X: np.ndarray
    Y: np.ndarray


class Ran(NamedTuple):
    """What a segment's run returns."""

    carry: Any  # the state reached, in the framework's terms (Loop.save converts it)
    seconds: float  # the training itself
    compile_seconds: float = 0.0  # compiling the run did itself (Keras' first call)
    costs: Sequence[float] | None = None  # plan.recorded's costs, when not recorded as it ran


Record = Callable[[int, float], None]


class Segment(abc.ABC):
    """A compiled segment of a run: built (or fetched from a cache) for a plan, it trains the
    plan's steps from a carry. compile_seconds: what building it took (0 when fetched)."""

    compile_seconds: float = 0.0

    @abc.abstractmethod
    def run(self, carry, record: Record) -> Ran:
        """Train steps plan.first .. plan.end - 1 from carry; call record(step, cost) for the
        recorded steps as they complete, or return their costs in Ran.costs."""


class Loop(abc.ABC):
    """What a framework supplies: its descriptor, its own options, and its part of a run.

    What it accepts follows from its descriptor (dlparity.core.framework.Framework), the one
    description of the framework: randomness and seed where it has native randomness, devices
    where it shards, stock where it has a stock variant, start and stop unless it trains whole
    runs; own_options are the options no descriptor field names (Keras' initializer, ...).
    One instance per train() call, made after the options are checked and before the start is
    resolved (__init__: what must come first, such as devices and precision).
    """

    descriptor: ClassVar[Framework]
    own_options: ClassVar[tuple[str, ...]] = ()
    framework: ClassVar[str]  # the descriptor's name
    takes: ClassVar[tuple[str, ...]]  # the Options it accepts
    partial_runs: ClassVar[str | None]  # why start= and stop= are refused, if they are

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        d = cls.descriptor
        cls.framework, cls.partial_runs = d.name, d.whole_runs
        cls.takes = (*(("randomness", "seed") if d.native_randomness else ()),
                     *(("devices",) if d.devices else ()), *(("stock",) if d.stock else ()),
                     *cls.own_options)  # fmt: skip

    def __init__(self, spec: ModelSpec, config: TrainConfig, options: Options):
        self.spec, self.config, self.options = spec, config, options

    def initial_params(self, params0):
        """The parameters a run without start= begins from (params0 unless an option says)."""
        return params0

    @abc.abstractmethod
    def load(self, state: TrainState, run: Run):
        """The carry: state's params, statistics and optimizer state in the framework's terms."""

    @abc.abstractmethod
    def segment(self, run: Run, carry) -> Segment:
        """The compiled segment for run.plan (built, or fetched when one was)."""

    @abc.abstractmethod
    def save(self, carry, run: Run) -> tuple[dict, dict, dict | None]:
        """(params, bn_state, optimizer) of the carry in the course's terms, as NumPy
        (optimizer None where the framework's state has no course equivalent: no resume)."""

    def learning_rates(self, run: Run) -> np.ndarray:
        """The rate in effect at each step of the run."""
        return run.plan.learning_rates

    def extra(self, run: Run, carry) -> dict:
        """TrainResult.extra beyond randomness and seed."""
        return {}


def check_options(loop: type[Loop], spec: ModelSpec, given: dict, unknown: dict) -> Options:
    """The call's options, checked once for every framework: known, taken by this framework
    (or left at their defaults), and valid."""
    resumes = () if loop.partial_runs else ("start", "stop")
    takes = ", ".join(("progress", *resumes, *loop.takes))
    if unknown:
        name = next(iter(unknown))
        raise DlparityError(f"train: unknown option {name!r}; {loop.framework} takes {takes}")
    defaults = Options()
    for name, value in given.items():
        if name not in loop.takes and value != getattr(defaults, name):
            if name == "devices":
                raise DlparityError(f"devices: {loop.framework} trains on one device")
            raise DlparityError(f"{name}: not an option of {loop.framework}; it takes {takes}")
    options = Options(**given)
    if options.randomness not in RANDOMNESS:
        raise DlparityError(
            f"randomness: unknown option {options.randomness!r}; "
            f"choose one of {', '.join(RANDOMNESS)}"
        )
    seed = options.seed
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**31:
        raise DlparityError(f"seed: must be an integer in [0, 2**31), got {seed!r}")
    check_devices(options.devices)
    if not isinstance(options.stock, bool):
        raise DlparityError(f"stock: must be True or False, got {options.stock!r}")
    _check_keras_options(spec, options)
    return dataclasses.replace(options, seed=int(seed))


def _check_keras_options(spec: ModelSpec, options: Options) -> None:
    initializer, reduction = options.initializer, options.loss_reduction
    if initializer not in INITIALIZERS:
        raise DlparityError(
            f"initializer: unknown option {initializer!r}; choose None or glorot_normal"
        )
    if reduction not in LOSS_REDUCTIONS:
        raise DlparityError(f"loss_reduction: unknown option {reduction!r}; choose mean or sum")
    if reduction == "sum" and spec.lambd > 0:
        raise DlparityError("loss_reduction: the summed loss (C2W3) has no L2 term; use mean")
    spe = options.steps_per_execution
    if spe is not None and (isinstance(spe, bool) or not isinstance(spe, int) or spe < 1):
        raise DlparityError(f"steps_per_execution: must be a positive integer, got {spe!r}")


class _Recorder:
    """The costs of the plan's recorded steps, each passed on to progress as it is recorded."""

    def __init__(self, plan: TrainPlan, progress):
        self.plan, self.progress, self.costs = plan, progress, {}

    def __call__(self, step: int, cost) -> None:
        self.costs[step] = float(cost)
        if self.progress is not None:
            self.progress(step, self.costs[step])

    def done(self, costs) -> dict:
        """All the costs, costs (when given: the recorded steps', in order) recorded first."""
        if costs is not None:
            for step, cost in zip(self.plan.recorded, costs, strict=True):
                self(step, cost)
        assert list(self.costs) == self.plan.recorded, (list(self.costs), self.plan.recorded)
        return self.costs


def drive(
    loop: type[Loop], spec, config, data, params0, progress, start, stop, given: dict, unknown: dict
) -> TrainResult:
    """One train() call with loop, the framework's part; given: the options as called."""
    check_train_call(spec, config, data, progress)
    options = check_options(loop, spec, given, unknown)
    if loop.partial_runs is not None and (start is not None or stop is not None):
        raise DlparityError(f"start, stop: {loop.partial_runs}")
    X, Y = contract.training_data(spec, *data)
    part = loop(spec, config, options)
    if start is None:
        params0 = part.initial_params(params0)
    state, stop = resolve_start(spec, config, params0, start, stop)
    plan = make_plan(spec, config, X.shape[spec.examples_axis], first=state.step, stop=stop)
    run = Run(spec, config, plan, options, X, Y)
    carry = part.load(state, run)
    segment = part.segment(run, carry)
    recorder = _Recorder(plan, progress)
    ran = segment.run(carry, recorder)
    costs = recorder.done(ran.costs)
    params, bn_state, optimizer = part.save(ran.carry, run)
    params = {k: params[k] for k in state.params}
    bn_state = {k: bn_state[k] for k in state.bn_state}
    end = None if optimizer is None else TrainState(params, bn_state, optimizer, plan.end)
    extra = {}
    if "randomness" in loop.takes:
        extra = {"randomness": options.randomness, "seed": options.seed}
    return TrainResult(
        params=params,
        bn_state=bn_state,
        costs=costs,
        learning_rates=part.learning_rates(run),
        seconds=ran.seconds,
        compile_seconds=segment.compile_seconds + ran.compile_seconds,
        extra={**extra, **part.extra(run, ran.carry)},
        end=end,
    )


def trainer(loop: type[Loop]) -> Callable[..., TrainResult]:
    """The package's train(), the same signature in every framework, driving loop."""

    def train(
        spec: ModelSpec,
        config: TrainConfig,
        data,
        params0,
        *,
        progress=None,
        start=None,
        stop=None,
        randomness: str = "parity",
        seed: int = 0,
        devices: int | None = None,
        stock: bool = False,
        initializer: str | None = None,
        loss_reduction: str = "mean",
        steps_per_execution: int | None = None,
        **unknown,
    ) -> TrainResult:
        given = {"randomness": randomness, "seed": seed, "devices": devices, "stock": stock,
                 "initializer": initializer, "loss_reduction": loss_reduction,
                 "steps_per_execution": steps_per_execution}  # fmt: skip
        return drive(loop, spec, config, data, params0, progress, start, stop, given, unknown)

    train.__module__, train.__qualname__ = loop.__module__, "train"
    notes = inspect.cleandoc(loop.__doc__ or "")
    takes = ", ".join(loop.takes) or "none"
    train.__doc__ = TRAIN_DOC.format(framework=loop.framework, takes=takes, notes=notes)
    return train


TRAIN_DOC = """Train from params0 on data = (X, Y) with {framework}; returns a TrainResult.

progress(step, cost) is called at each recorded step. start: a dlparity.core.state.TrainState
to continue from (params0 then None); stop: the outer step to stop before (default: the run's
end). result.end is the state reached. The options (dlparity.core.driver.Options) {framework}
takes: {takes}; any other must keep its default. dlparity.core.driver does the shared part.

{notes}"""
