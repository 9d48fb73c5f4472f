"""Replicas spread over the CPU devices, so that they train on every core.

XLA runs one program on one thread, and a small model keeps one core busy.
ratingnet gives JAX one CPU device per core (``ratingnet._backend``), and a
program over several replicas then splits its replica axis over the
devices: each device trains its share on its own core, in the same program.
The replica count is padded to a multiple of the devices with copies of the
last replica, whose results are dropped. Each replica computes what it
would alone, so results do not depend on the number of devices beyond the
rounding of XLA's kernels for other batch shapes.

The tables are made in memory that the devices read in place
(``host_zeros``), so a table copied to every device takes its memory once.
"""

import math
from dataclasses import dataclass

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec


@dataclass(frozen=True)
class Placement:
    """Where the arrays of a training run live: split by replica, or whole."""

    n_replicas: int
    n_padded: int
    split: object
    whole: object

    def put_split(self, tree):
        """Pad the leading (replica) axis of NumPy arrays, split it over devices."""
        return jax.device_put(jax.tree_util.tree_map(self._pad, tree), self.split)

    def put_whole(self, tree):
        """A copy of each array on every device."""
        return jax.device_put(tree, self.whole)

    def take(self, tree):
        """Back to NumPy, without the padding replicas."""
        return jax.tree_util.tree_map(
            lambda a: np.asarray(a)[: self.n_replicas], jax.device_get(tree)
        )

    def _pad(self, array):
        array = np.asarray(array)
        extra = self.n_padded - len(array)
        if not extra:
            return array
        return np.concatenate([array, np.repeat(array[-1:], extra, axis=0)])


# XLA's CPU client reads a NumPy array in place, instead of copying it to
# each device, when the array starts on a boundary of this many bytes.
_ALIGNMENT = 64


def host_zeros(shape, dtype):
    """A NumPy array of zeros that CPU devices can hold without a copy.

    NumPy aligns its arrays to 16 bytes; a table put on every device was
    then copied once per device (two more copies of 320 MB for a 5-fold
    cross-validation of 400,000 rows of 50 columns on two cores).
    """
    dtype = np.dtype(dtype)
    n_bytes = math.prod(shape) * dtype.itemsize
    buffer = np.zeros(n_bytes + _ALIGNMENT, np.uint8)
    start = -buffer.ctypes.data % _ALIGNMENT
    return buffer[start : start + n_bytes].view(dtype).reshape(shape)


def placement(n_replicas):
    """The placement of ``n_replicas`` replicas: over all devices when several."""
    devices = jax.devices()
    per_device = -(-n_replicas // len(devices))
    n_devices = -(-n_replicas // per_device)

    mesh = Mesh(np.array(devices[:n_devices]), ("replicas",))
    return Placement(
        n_replicas=n_replicas,
        n_padded=n_devices * per_device,
        split=NamedSharding(mesh, PartitionSpec("replicas")),
        whole=NamedSharding(mesh, PartitionSpec()),
    )
