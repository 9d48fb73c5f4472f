"""Keras's uniform weight draws, computed with NumPy from JAX's own generator.

Keras's default initializers (``glorot_uniform`` for Dense kernels,
``uniform`` for embeddings, He and LeCun uniform) draw through
``jax.random.uniform``, and XLA compiles JAX's Threefry generator anew for
each weight shape: 0.1-1.0 s apiece on a CPU, measured here. The recipe's
Dense(10) on 11 columns paid 0.57 s for its two shapes, a third of its
first fit; on 54 columns, 1 s. Threefry-2x32 (Salmon et al., 2011) is a
counter-based hash that NumPy computes in microseconds, so while ratingnet
builds a model, Keras's uniform draws are computed here from the same key,
the same counters and the same float conversion, giving the numbers JAX
gives.

JAX's kernel computes ``u * (maxval - minval) + minval`` with one rounding
(a fused multiply-add) on CPUs that have one; so does this module, and a
draw whose sum it cannot round exactly so goes to JAX. So do draws traced
inside a JAX program, other dtypes, and a JAX configured with another
generator.
"""

import contextlib
import threading
from functools import partial

import jax
import numpy as np

# Threefry-2x32's rotation distances, four per round group, and the
# constant of its key schedule.
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = np.uint32(0x1BD11BDA)
_LOCK = threading.Lock()


class _Routing:
    """Keras's own ``uniform`` while routed, and how many builds route it."""

    depth = 0
    original = None


@contextlib.contextmanager
def uniform_draws_in_numpy():
    """Route Keras's eager ``uniform`` draws through NumPy while inside.

    Builds on other threads may share the routing: it gives the numbers
    Keras's own draws give, so it is put back when the last one leaves.
    """
    module = _keras_random()
    if module is None or not _threefry_in_use():
        yield
        return

    with _LOCK:
        if _Routing.depth == 0:
            _Routing.original = original = module.uniform
            module.uniform = partial(_uniform, original)
        _Routing.depth += 1
    try:
        yield
    finally:
        with _LOCK:
            _Routing.depth -= 1
            if _Routing.depth == 0:
                module.uniform = _Routing.original


def _keras_random():
    try:
        from keras.src.backend.jax import random
    except ImportError:  # A Keras that keeps its JAX random ops elsewhere.
        return None
    return random if callable(getattr(random, "uniform", None)) else None


def _threefry_in_use():
    config = jax.config
    return (
        getattr(config, "jax_default_prng_impl", None) == "threefry2x32"
        and getattr(config, "jax_threefry_partitionable", False) is True
    )


def _uniform(original, shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Keras's ``uniform``: NumPy's numbers where it can, else Keras's own."""
    from keras.src.backend.jax.random import jax_draw_seed

    # One key for either path: a SeedGenerator advances once, as in Keras.
    key = jax_draw_seed(seed)
    draw = _numpy_uniform(shape, minval, maxval, dtype, key)
    if draw is None:
        return original(shape, minval=minval, maxval=maxval, dtype=dtype, seed=key)
    return jax.device_put(draw)


def _numpy_uniform(shape, minval, maxval, dtype, key):
    """The draw of ``jax.random.uniform`` for ``key``, or None where JAX must."""
    from keras.src.backend.config import floatx

    if np.dtype(dtype or floatx()) != np.float32:
        return None
    if isinstance(key, jax.core.Tracer) or not np.isscalar(minval + maxval):
        return None
    key = np.asarray(key)
    if key.shape != (2,) or key.dtype != np.uint32:
        return None

    units = unit_floats(key, tuple(int(n) for n in shape))
    low, high = np.float32(minval), np.float32(maxval)
    scaled = _fused_multiply_add(units, high - low, low)
    return None if scaled is None else np.maximum(low, scaled)


def unit_floats(key, shape):
    """``jax.random.uniform(key, shape)`` for a raw uint32 key: floats in [0, 1)."""
    size = int(np.prod(shape, dtype=np.int64))
    counters = np.arange(size, dtype=np.uint64)
    high = (counters >> np.uint64(32)).astype(np.uint32)
    low = counters.astype(np.uint32)
    first, second = threefry_2x32(key, high, low)

    # The top 23 bits become the mantissa of a float in [1, 2).
    bits = ((first ^ second) >> np.uint32(9)) | np.uint32(0x3F800000)
    return (bits.view(np.float32) - np.float32(1.0)).reshape(shape)


def threefry_2x32(key, x0, x1):
    """Threefry-2x32, 20 rounds: the words ``(x0, x1)`` hashed by ``key``."""
    k0, k1 = np.uint32(key[0]), np.uint32(key[1])
    schedule = (k0, k1, k0 ^ k1 ^ _PARITY)
    with np.errstate(over="ignore"):
        x0, x1 = x0 + schedule[0], x1 + schedule[1]
        for group in range(5):
            for distance in _ROTATIONS[group % 2]:
                x0 = x0 + x1
                x1 = _rotate_left(x1, distance) ^ x0
            # Key injection after every four rounds.
            x0 = x0 + schedule[(group + 1) % 3]
            x1 = x1 + schedule[(group + 2) % 3] + np.uint32(group + 1)
    return x0, x1


def _rotate_left(x, distance):
    return (x << np.uint32(distance)) | (x >> np.uint32(32 - distance))


def _fused_multiply_add(a, b, c):
    """``a * b + c`` in float32 rounded once, or None if float64 cannot tell.

    The float32 product is exact in float64; the sum is exact when no bits
    fall off (checked with Knuth's two-sum), and then one rounding to
    float32 is the fused result.
    """
    product = a.astype(np.float64) * np.float64(b)
    total = product + np.float64(c)
    back = total - product
    error = (product - (total - back)) + (np.float64(c) - back)
    if np.any(error != 0.0):
        return None
    return total.astype(np.float32)
