"""Keras's uniform weight draws, computed with NumPy from JAX's own generator.

Keras's default initializers (``glorot_uniform`` for Dense kernels,
``uniform`` for embeddings, He and LeCun uniform) draw through
``jax.random.uniform``, and XLA compiles JAX's Threefry generator anew for
each weight shape: 0.1-1.0 s apiece on a CPU, measured here. The recipe's
Dense(10) on 11 columns paid 0.57 s for its two shapes, a third of its
first fit; on 54 columns, 1 s. Threefry-2x32 (Salmon et al., 2011) is a
counter-based hash that NumPy computes in microseconds, so while ratingnet
builds a model, Keras's uniform draws on that thread are computed here
from the same key, the same counters and the same float arithmetic, giving
the numbers JAX gives.

XLA computes ``u * (maxval - minval) + minval`` in one rounding (a fused
multiply-add) where the CPU has one, and flushes subnormal numbers to zero;
a tiny compiled program tells once per process which rounding applies.
Draws this module cannot match go to JAX: those traced inside a program,
other dtypes, typed keys, ranges near subnormal numbers or whose fused sum
float64 cannot round exactly, and draws of more than 2**22 numbers (whose
compilation is small beside the model's training).
"""

import contextlib
import threading
from functools import cache, partial

import jax
import numpy as np

# Threefry-2x32's rotation distances, four per round group, and the
# constant of its key schedule.
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = np.uint32(0x1BD11BDA)
_MAX_SIZE = 2**22
_TINY = np.finfo(np.float32).tiny
_LOCK = threading.Lock()


class _Routing:
    """Keras's own ``uniform`` while routed, and the threads that route it."""

    original = None
    depths = {}


@contextlib.contextmanager
def uniform_draws_in_numpy():
    """Compute Keras's eager ``uniform`` draws on this thread with NumPy."""
    module = _keras_random()
    if module is None or not _threefry_in_use():
        yield
        return

    thread = threading.get_ident()
    with _LOCK:
        if not _Routing.depths:
            _Routing.original = module.uniform
            module.uniform = partial(_uniform, _Routing.original)
        _Routing.depths[thread] = _Routing.depths.get(thread, 0) + 1
    try:
        yield
    finally:
        with _LOCK:
            _Routing.depths[thread] -= 1
            if not _Routing.depths[thread]:
                del _Routing.depths[thread]
            if not _Routing.depths:
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
    """Keras's ``uniform``: NumPy's numbers where they match, else Keras's own."""
    if threading.get_ident() not in _Routing.depths:
        return original(shape, minval=minval, maxval=maxval, dtype=dtype, seed=seed)

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

    shape = _concrete_shape(shape)
    plain = not isinstance(key, jax.core.Tracer) and _is_raw_key(key)
    if shape is None or not plain or np.dtype(dtype or floatx()) != np.float32:
        return None
    if not (np.isscalar(minval) and np.isscalar(maxval)):
        return None

    low, high = np.float32(minval), np.float32(maxval)
    units = unit_floats(np.asarray(key), shape)
    if _fuses_multiply_add():
        product, scaled = None, _fused_multiply_add(units, high - low, low)
    else:
        product = units * (high - low)
        scaled = product + low
    if scaled is None or _has_subnormal(low, high, high - low, product, scaled):
        return None
    return np.maximum(low, scaled)


def _concrete_shape(shape):
    """``shape`` as a tuple of sizes, or None if it is not a small concrete one."""
    try:
        shape = (int(shape),) if np.isscalar(shape) else tuple(int(n) for n in shape)
    except (TypeError, ValueError):
        return None
    if any(n < 0 for n in shape) or np.prod(shape, dtype=np.float64) > _MAX_SIZE:
        return None
    return shape


def _is_raw_key(key):
    return (
        getattr(key, "shape", None) == (2,) and getattr(key, "dtype", None) == np.uint32
    )


def _has_subnormal(*arrays):
    """Whether any of the arrays (None: none) holds a number XLA flushes to zero."""
    return any(np.any((a != 0) & (np.abs(a) < _TINY)) for a in arrays if a is not None)


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


@cache
def _fuses_multiply_add():
    """Whether XLA's CPU kernels round ``a * b + c`` once (a fused multiply-add).

    With a = b = 1 + 2**-12 and c = -(1 + 2**-11), the exact result is
    2**-24, which a separately rounded product loses.
    """
    a = np.full(4, 1 + 2**-12, np.float32)
    c = np.full(4, -(1 + 2**-11), np.float32)
    return bool(np.asarray(jax.jit(lambda a, b, c: a * b + c)(a, a, c))[0] != 0)


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
