"""Replicas spread over the CPU devices, so that they train on every core.

XLA runs one program on one thread, and a small model keeps one core busy.
ratingnet gives JAX one CPU device per core (``ratingnet._backend``), and a
program over several replicas then splits its replica axis over the
devices: each device trains its share on its own core, in the same program.
The replica count is padded to a multiple of the devices with copies of the
last replica, whose results are dropped. Each replica computes what it
would alone, so results do not depend on the number of devices beyond the
rounding of XLA's kernels for other batch shapes.
"""

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
