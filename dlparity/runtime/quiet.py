"""Quiet frameworks: what dlparity prints is its own lines, not the frameworks' start-up logging.

The framework packages call these before importing their framework (tf_impl, jax_impl
__init__). TensorFlow: its C++ logging at FATAL only (TF_CPP_MIN_LOG_LEVEL=3: no oneDNN,
CPU-feature, `cuInit` or "Not handling type DT_DOUBLE" lines), the lines its libraries write
while they load, before that setting is read (written to a temporary file during
`import tensorflow`, dropped, and shown if the import fails), and its Python loggers below
ERROR. A user who sets TF_CPP_MIN_LOG_LEVEL gets TensorFlow's logging as TensorFlow writes it.
JAX: its notices that a GPU or TPU may be present without the jaxlib for it. Errors of dlparity and
exceptions of the frameworks are untouched: they are raised, not logged.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
import tempfile

TF_LOG_ENV = "TF_CPP_MIN_LOG_LEVEL"
TF_QUIET_LEVEL = "3"  # FATAL only
TF_PYTHON_LOGGERS = ("tensorflow", "absl")
# the user's setting, read before JAX's import sets its own default (1) in the environment
USER_TF_LOG_LEVEL = os.environ.get(TF_LOG_ENV)
JAX_NOTICES = {
    "jax._src.xla_bridge": ("An NVIDIA GPU may be present", "A Google TPU may be present")
}


@contextlib.contextmanager
def _stderr_into(file):
    """Point file descriptor 2 (where C++ libraries write) at file for the block."""
    sys.stderr.flush()
    saved = os.dup(2)
    os.dup2(file.fileno(), 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def quiet_import(name: str):
    """import name with what its libraries write to file descriptor 2 dropped, or shown if it fails."""
    with tempfile.TemporaryFile() as captured:
        try:
            with _stderr_into(captured):
                return importlib.import_module(name)
        except BaseException:
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise


def import_tensorflow():
    """import tensorflow, quietly unless the user set TF_CPP_MIN_LOG_LEVEL; returns the module."""
    if "tensorflow" in sys.modules or USER_TF_LOG_LEVEL is not None:
        return importlib.import_module("tensorflow")
    os.environ[TF_LOG_ENV] = TF_QUIET_LEVEL  # read by TensorFlow's C++ logging on import
    tf = quiet_import("tensorflow")
    for name in TF_PYTHON_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    return tf


class _DropNotices(logging.Filter):
    def __init__(self, prefixes: tuple[str, ...]):
        super().__init__()
        self.prefixes = prefixes

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.prefixes)


def quiet_jax() -> None:
    """Drop JAX's start-up notices (idempotent); its other warnings still show."""
    for name, prefixes in JAX_NOTICES.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DropNotices) for f in logger.filters):
            logger.addFilter(_DropNotices(prefixes))
