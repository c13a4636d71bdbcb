"""TensorFlow's MirroredStrategy over N devices, simulated on the CPU where there are not N GPUs:
used by tf_impl (its loop) and keras_impl (model.fit on several devices) alike. TensorFlow is
imported by the functions, so importing this module imports no framework."""

from __future__ import annotations

import contextlib

from dlparity.runtime import devices as device_counts


def simulate_cpus(devices: int) -> None:
    """Split the CPU into `devices` logical devices, if TensorFlow has not initialized yet."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    if len(tf.config.get_logical_device_configuration(cpu) or [None]) >= devices:
        return
    with contextlib.suppress(RuntimeError):  # initialized: devices fixed; make_strategy says so
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(devices)]
        )


def make_strategy(devices: int):
    """A tf.distribute.MirroredStrategy over `devices` GPUs if there are enough, else logical CPU
    devices."""
    import tensorflow as tf

    # physical devices can be listed without initializing TensorFlow, logical ones cannot
    kind = "GPU" if len(tf.config.list_physical_devices("GPU")) >= devices else "CPU"
    if kind == "CPU":
        simulate_cpus(devices)
    found = tf.config.list_logical_devices(kind)
    if len(found) < devices:
        remedy = (
            "TensorFlow fixes its devices when it initializes: run train(devices=N) first in the "
            "process, or call tf.config.set_logical_device_configuration before any TF op"
        )
        raise device_counts.too_few("tf", devices, len(found), kind, remedy)
    names = [d.name for d in found[:devices]]
    if kind == "GPU":
        return tf.distribute.MirroredStrategy(names)
    # CPU collectives key their groups per strategy from 1: a second strategy of another size in
    # the process would join the first one's groups. Summing on one device has no groups.
    return tf.distribute.MirroredStrategy(
        names, cross_device_ops=tf.distribute.ReductionToOneDevice()
    )


def platforms() -> str:
    """The kinds of device TensorFlow computes on here: "CPU", "CPU, GPU" (tf, and keras on it)."""
    import tensorflow as tf

    return ", ".join(sorted({d.device_type for d in tf.config.list_physical_devices()}))
