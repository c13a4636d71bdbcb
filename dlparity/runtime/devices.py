"""`--devices N`: the device count a data-parallel run asks for, checked, and made to exist.

On a machine without N accelerators, N devices are simulated on the host: JAX splits the CPU
into N XLA devices when XLA_FLAGS holds --xla_force_host_platform_device_count=N, read once,
when JAX starts its backend; TensorFlow splits it into N logical CPU devices, configured before
it initializes (tf_impl.parallel). Framework-free: this module imports neither.
"""

from __future__ import annotations

import os
import re
import sys

from dlparity.core.checks import check_devices
from dlparity.core.errors import DlparityError

HOST_FLAG = "--xla_force_host_platform_device_count"


def check_count(devices) -> int | None:
    """devices as given to train(): None (no mesh, one device) or a positive integer."""
    return check_devices(devices)


def host_flags(flags: str, devices: int) -> str:
    """XLA_FLAGS with the host device count set to devices (replacing a count already there)."""
    kept = re.sub(rf"\s*{HOST_FLAG}=\S*", "", flags).strip()
    return f"{kept} {HOST_FLAG}={devices}".strip()


def simulate_host_devices(devices: int) -> None:
    """Ask XLA for `devices` host devices, for a JAX that has not started yet in this process.

    Harmless where accelerators exist (it shapes the CPU platform only). When jax is already
    imported the flag may come too late; jax_impl.parallel then says so when the mesh is built.
    """
    if "jax" not in sys.modules:
        os.environ["XLA_FLAGS"] = host_flags(os.environ.get("XLA_FLAGS", ""), devices)


def block(m, replica, replicas: int):
    """Replica r's examples of a batch of m: [r m / N, (r + 1) m / N), rounded down, so block
    sizes differ by at most one (plain integers or a framework's integer tensors)."""
    return (replica * m) // replicas, ((replica + 1) * m) // replicas


def too_few(framework: str, devices: int, found: int, platform: str, remedy: str) -> DlparityError:
    """The one-line error when a framework sees fewer devices than asked."""
    return DlparityError(
        f"devices: {devices} asked, but {framework} has {found} {platform} device(s); {remedy}"
    )
