"""Data parallelism for jax_impl.train: each mini-batch's examples sharded over a device mesh.

The mesh has one axis, "batch". Every array with examples as columns (X_b, Y_b and the dropout
masks D_l of a mini-batch, all (n, m_b)) is constrained to NamedSharding(mesh, P(None, "batch")):
device k computes a contiguous block of the batch's columns. Parameters, optimizer state and
running batch-norm statistics are replicated, and so is the training set (small, and reshuffled
across all m examples every epoch: each device takes its columns of the shuffled batch locally).

Nothing else changes. Under jit, XLA's SPMD partitioner carries the sharding through the forward
pass and jax.grad's backward pass and inserts an all-reduce wherever a sum runs over the batch
axis: the cost's mean, dW = (1/m) dZ A_prev^T, db, and batch norm's mean and variance, which are
therefore the whole mini-batch's statistics, as on one device. Only the order of those sums
changes. A batch whose size N does not divide is split unevenly: XLA pads the last shards and
leaves the padding out of every sum.
"""

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from dlparity.runtime import devices as device_counts

AXIS = "batch"


class Placement:
    """Where a run's arrays live: the default device (devices=None) or a mesh of `devices`."""

    def __init__(self, devices=None):
        self.devices = device_counts.check_count(devices)
        self.mesh = None if self.devices is None else make_mesh(self.devices)

    def summary(self) -> dict:
        """For TrainResult.extra: the platform and the number of devices."""
        return {"platform": jax.default_backend(), "devices": self.devices or 1}

    def put(self, tree):
        """The run's inputs on its devices: replicated over the mesh, or on the default device."""
        if self.mesh is None:
            return jax.device_put(tree)
        return jax.device_put(tree, NamedSharding(self.mesh, P()))

    def batch(self, tree, axis: int = 1):
        """Every array of tree constrained to be sharded on its examples axis (under jit): the
        columns of (n, m_b), the first axis of images (m_b, n_H, n_W, n_C) with axis=0."""
        if self.mesh is None:
            return tree
        sharding = NamedSharding(self.mesh, P(*[None] * axis, AXIS))
        return jax.tree.map(lambda a: jax.lax.with_sharding_constraint(a, sharding), tree)


def make_mesh(devices: int) -> Mesh:
    """A one-axis mesh ("batch") over the first `devices` devices of JAX's default platform."""
    available = jax.devices()
    if len(available) < devices:
        remedy = (
            f"on a CPU set XLA_FLAGS={device_counts.HOST_FLAG}={devices} before jax is imported "
            "(the dlparity command does this for --devices)"
        )
        raise device_counts.too_few("jax", devices, len(available), available[0].platform, remedy)
    return Mesh(np.array(available[:devices]), (AXIS,))


def platforms() -> str:
    """The platforms JAX computes on here: "cpu", "gpu"."""
    return ", ".join(sorted({d.platform for d in jax.devices()}))
