"""A framework as the command and the tools see it: one descriptor per package.

Each framework package holds its descriptor, FRAMEWORK, in its `framework.py`, which imports this
module and nothing else; dlparity.runtime.frameworks reads it as a file of its own, without
importing the package (whose __init__ starts its framework). So reading a descriptor imports no
framework: functions are named by "module:qualified name", and imported when a run needs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Framework:
    """One framework: what `--framework NAME` runs and what the tools may ask of it."""

    name: str  # --framework NAME
    package: str  # the package holding its code: "jax_impl"
    train: str  # "module:function", train(spec, config, data, params0, *, progress=None, **options)
    predict: str  # "module:function", predict(params, X, spec, *, bn_state=None)
    needs: tuple[str, ...] = ()  # the third-party packages it imports
    gradcheck: str | None = None  # "module:function", the course's gradient check (`gradcheck`)
    devices: bool = False  # train(devices=N) shards each mini-batch over N devices (--devices)
    native_randomness: bool = False  # train(randomness="native") draws with its own generator
    whole_runs: str | None = None  # why train() takes no start=, stop= (--save, --resume, ...)
    stock: str | None = None  # NAME-stock, train(stock=True): what it uses instead of the course's
    reference: bool = False  # the course's own code: compare's first column, bench's base
    keras_backend: str | None = None  # the Keras backend it runs on (KERAS_BACKEND)
    worker: bool = False  # runs in a process of its own, unless this one's Keras is on its backend
    platforms: str | None = None  # "module:function" -> the platforms it computes on (None: cpu)
    measured_against: str | None = None  # bench: the framework its time is divided by
    show: str | None = None  # its column's heading in `dlparity show` (None: no column)
    lessons: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    # topic of dlparity.course.lessons -> the "module:qualified name"s `show` reads, in order
    variants: tuple[Framework, ...] = ()  # the package's other frameworks (keras_impl: keras-jax)

    @property
    def default(self) -> bool:
        """Whether it runs when a command names no framework: one that starts a process of its
        own runs when asked for."""
        return not self.worker
