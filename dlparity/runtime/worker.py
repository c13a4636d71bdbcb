"""A framework whose descriptor says `worker` (keras-jax: keras_impl on Keras' JAX backend), in a
process of its own.

Keras fixes its backend when it is first imported, and one process of dlparity already runs
Keras on TensorFlow for --framework keras. So such a framework's train and predict hand their
work to a worker, `python -m dlparity.runtime.worker` with KERAS_BACKEND set to the framework's
backend (dlparity.runtime.keras_backend), started on first use and kept for the rest of the
process, one per backend. Requests and replies are pickled over the worker's stdin and a
duplicate of its stdout (dlparity's own processes only); the worker's stray prints go to
stderr. Progress reports travel back while a run trains. In a process whose Keras is already
on that backend, the same functions run here, without a worker.

Only the worker imports the framework's package: the parent process needs nothing but the pipe.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import subprocess
import sys
from types import SimpleNamespace

from dlparity.core.errors import DlparityError
from dlparity.core.framework import Framework
from dlparity.runtime import frameworks, keras_backend

_workers: dict[str, subprocess.Popen] = {}  # Keras backend -> its worker


def _start(backend: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "dlparity.runtime.worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=keras_backend.worker_environment(backend),
    )
    atexit.register(_stop, process)
    return process


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.stdin.close()
        process.wait(timeout=60)


def _call(framework: Framework, function: str, args: tuple, kwargs: dict, progress=None):
    """Run the framework's function ("train" or "predict") in its worker; the worker's
    progress(step, cost) calls come back to progress; a DlparityError there is raised here with
    its message."""
    backend = framework.keras_backend
    if backend not in _workers or _workers[backend].poll() is not None:
        _workers[backend] = _start(backend)
    process = _workers[backend]
    pickle.dump((framework.name, function, args, kwargs, progress is not None), process.stdin)
    process.stdin.flush()
    while True:
        try:
            kind, *payload = pickle.load(process.stdout)
        except EOFError:
            del _workers[backend]
            raise DlparityError(
                f"{framework.name}: the Keras-on-{keras_backend.spelled(backend)} worker "
                "process ended"
            ) from None
        if kind == "progress":
            progress(*payload)
        elif kind == "error":
            raise DlparityError(payload[0])
        else:
            return payload[0]


def functions(framework: Framework) -> SimpleNamespace:
    """The framework's train and predict: in its worker, or here when this process's Keras is
    on its backend."""

    def train(spec, config, data, params0, *, progress=None, **options):
        if keras_backend.runs_here(framework.keras_backend):
            run = frameworks.function(framework.train)
            return run(spec, config, data, params0, progress=progress, **options)
        return _call(framework, "train", (spec, config, data, params0), options, progress)

    def predict(params, X, spec, *, bn_state=None):
        if keras_backend.runs_here(framework.keras_backend):
            return frameworks.function(framework.predict)(params, X, spec, bn_state=bn_state)
        return _call(framework, "predict", (params, X, spec), {"bn_state": bn_state})

    return SimpleNamespace(name=framework.name, train=train, predict=predict)


# ---------------------------------------------------------------- the worker's side


def _serve(requests, replies) -> None:
    def send(*message):
        pickle.dump(message, replies)
        replies.flush()

    while True:
        try:
            name, function, args, kwargs, wants_progress = pickle.load(requests)
        except EOFError:
            return
        if wants_progress:
            kwargs["progress"] = lambda step, cost: send("progress", step, cost)
        try:
            # imported by name, as the loader does: the runtime sits below the packages it runs
            run = frameworks.function(getattr(frameworks.get(name), function))
            send("result", run(*args, **kwargs))
        except DlparityError as error:
            send("error", str(error))


def main() -> None:
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    with contextlib.suppress(KeyboardInterrupt):  # the parent reports the interruption
        _serve(sys.stdin.buffer, replies)


if __name__ == "__main__":
    main()
