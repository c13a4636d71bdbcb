"""--framework keras-jax: keras_impl on Keras' JAX backend, in a process of its own.

Keras fixes its backend when it is first imported, and one process of dlparity already runs
Keras on TensorFlow for --framework keras. So keras-jax's train and predict hand their work to
a worker, `python -m dlparity.runtime.worker` with KERAS_BACKEND=jax, started on first use and kept
for the rest of the process. Requests and replies are pickled over the worker's stdin and a
duplicate of its stdout (dlparity's own processes only); the worker's stray prints go to
stderr. Progress reports travel back while a run trains. In a process whose Keras is already
on JAX, the same functions run here, without a worker.

Only the worker imports keras_impl: the parent process needs nothing but the pipe.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import pickle
import subprocess
import sys

from dlparity.core.errors import DlparityError

_worker: list[subprocess.Popen] = []


def _keras_on_jax_here() -> bool:
    keras = sys.modules.get("keras")
    return keras is not None and keras.backend.backend() == "jax"


def _start() -> subprocess.Popen:
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    process = subprocess.Popen(
        [sys.executable, "-m", "dlparity.runtime.worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
    )
    atexit.register(_stop, process)
    return process


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.stdin.close()
        process.wait(timeout=60)


def _call(function: str, args: tuple, kwargs: dict, progress=None):
    """Run keras_impl's function(*args, **kwargs) in the worker; its progress(step, cost)
    calls come back to progress; a DlparityError there is raised here with its message."""
    if not _worker or _worker[0].poll() is not None:
        _worker[:] = [_start()]
    process = _worker[0]
    pickle.dump((function, args, kwargs, progress is not None), process.stdin)
    process.stdin.flush()
    while True:
        try:
            kind, *payload = pickle.load(process.stdout)
        except EOFError:
            _worker.clear()
            raise DlparityError("keras-jax: the Keras-on-JAX worker process ended") from None
        if kind == "progress":
            progress(*payload)
        elif kind == "error":
            raise DlparityError(payload[0])
        else:
            return payload[0]


def train(spec, config, data, params0, *, progress=None, **options):
    """keras_impl.train.train on Keras' JAX backend."""
    if _keras_on_jax_here():
        keras_train = importlib.import_module("keras_impl.train")
        return keras_train.train(spec, config, data, params0, progress=progress, **options)
    return _call("train", (spec, config, data, params0), options, progress)


def predict(params, X, spec, *, bn_state=None):
    """keras_impl.models.predict on Keras' JAX backend."""
    if _keras_on_jax_here():
        models = importlib.import_module("keras_impl.models")
        return models.predict(params, X, spec, bn_state=bn_state)
    return _call("predict", (params, X, spec), {"bn_state": bn_state})


# ---------------------------------------------------------------- the worker's side


def _serve(requests, replies) -> None:
    # imported by name, as the framework loader does: the runtime sits below the packages it runs
    models = importlib.import_module("keras_impl.models")
    keras_train = importlib.import_module("keras_impl.train")
    functions = {"train": keras_train.train, "predict": models.predict}

    def send(*message):
        pickle.dump(message, replies)
        replies.flush()

    while True:
        try:
            function, args, kwargs, wants_progress = pickle.load(requests)
        except EOFError:
            return
        if wants_progress:
            kwargs["progress"] = lambda step, cost: send("progress", step, cost)
        try:
            send("result", functions[function](*args, **kwargs))
        except DlparityError as error:
            send("error", str(error))


def main() -> None:
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    with contextlib.suppress(KeyboardInterrupt):  # the parent reports the interruption
        _serve(sys.stdin.buffer, replies)


if __name__ == "__main__":
    main()
