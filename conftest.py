"""Test-session settings, applied before any test imports a framework.

Compiled programs go to a temporary folder of the session (DLPARITY_CACHE), never to the
user's cache folder; the folder is removed at the end.
"""

import os
import shutil
import tempfile

_CACHE = tempfile.mkdtemp(prefix="dlparity-test-cache-")


def pytest_configure(config):
    os.environ["DLPARITY_CACHE"] = _CACHE


def pytest_unconfigure(config):
    shutil.rmtree(_CACHE, ignore_errors=True)
