"""Where compiled programs are kept between runs, so that a run compiles once, not every time.

The folder: $DLPARITY_CACHE when set to a path; else $XDG_CACHE_HOME/dlparity; else
~/.cache/dlparity. DLPARITY_CACHE=off switches caching off. JAX keeps its persistent
compilation cache in FOLDER/jax, every program included however small or quick to compile.
TensorFlow has nothing to keep: tf.function traces in Python every run, and without XLA
(parity needs jit_compile=False) there is no compiled program to store.
"""

from __future__ import annotations

import os
from pathlib import Path

from dlparity.core.errors import DlparityError

ENV_VAR = "DLPARITY_CACHE"
OFF = ("off", "0", "no", "false", "none")


def _default_folder() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"  # XDG: relative is unset
    return base / "dlparity"


def cache_folder() -> Path | None:
    """The cache folder, or None when DLPARITY_CACHE switches it off.

    A DLPARITY_CACHE that names an existing file is an error; the folder is not created here.
    """
    value = os.environ.get(ENV_VAR, "").strip()
    if value.lower() in OFF and value:
        return None
    folder = Path(value).expanduser() if value else _default_folder()
    if folder.exists() and not folder.is_dir():
        raise DlparityError(f"{ENV_VAR}: {folder} is a file; give a folder, or off")
    return folder


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


def jax_folder() -> Path | None:
    """FOLDER/jax, created; None when caching is off or the default folder cannot be created.

    A folder the user named in DLPARITY_CACHE that cannot be created is an error.
    """
    folder = cache_folder()
    if folder is None:
        return None
    if not _writable(folder / "jax"):
        if os.environ.get(ENV_VAR, "").strip():
            raise DlparityError(f"{ENV_VAR}: cannot write to {folder}; give a folder, or off")
        return None
    return folder / "jax"


def configure_jax(jax) -> Path | None:
    """Turn on JAX's persistent compilation cache in jax_folder(); returns the folder or None.

    A cache folder set for JAX itself (JAX_COMPILATION_CACHE_DIR) is kept unless DLPARITY_CACHE
    is set.
    """
    own = jax.config.jax_compilation_cache_dir
    if own and not os.environ.get(ENV_VAR, "").strip():
        return Path(own)
    folder = jax_folder()
    if folder is None:
        return None
    jax.config.update("jax_compilation_cache_dir", str(folder))
    # the course's programs compile in about a second and are small: cache every one
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)  # -1: no size minimum
    return folder
