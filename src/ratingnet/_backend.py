"""Make sure Keras runs on JAX, on every CPU core, with programs kept on disk."""

import contextlib
import os
import sys

_BACKEND_ERROR = (
    "ratingnet trains Keras models with JAX, but Keras was already imported "
    "with the {backend!r} backend. Set the environment variable "
    "KERAS_BACKEND=jax before anything imports keras (or import ratingnet "
    "first)."
)


def ensure_jax_backend():
    """Select Keras's JAX backend, or explain why it cannot be selected."""
    if "keras" not in sys.modules:
        os.environ["KERAS_BACKEND"] = "jax"

    import keras

    backend = keras.backend.backend()
    if backend != "jax":
        raise ImportError(_BACKEND_ERROR.format(backend=backend))


def enable_compilation_cache():
    """Keep XLA programs on disk so a new process skips most compilation.

    The folder is ``RATINGNET_CACHE_DIR`` or ``~/.cache/ratingnet/jax``; set
    ``RATINGNET_CACHE_DIR=""`` to turn the cache off. A cache the user already
    configured for JAX is left alone.
    """
    import jax

    if jax.config.jax_compilation_cache_dir:
        return

    default = os.path.join(os.path.expanduser("~"), ".cache", "ratingnet", "jax")
    folder = os.environ.get("RATINGNET_CACHE_DIR", default)
    if not folder:
        return

    jax.config.update("jax_compilation_cache_dir", folder)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


# Each device that trains replicas holds its own copy of the training table,
# so more devices than this cost memory for little more speed.
_MAX_DEVICES = 8


def use_every_core():
    """Ask JAX for one CPU device per core, so replicas can train side by side.

    XLA runs a small program on one thread; with a device per core, the
    engine splits the replicas of a program (folds, ensemble members) over
    the devices and trains them on all cores at once. Programs that are not
    split run on the first device, as before. At most 8 devices are made
    unless ``RATINGNET_CPU_DEVICES`` asks for more. Nothing changes when the user
    chose a device count (``JAX_NUM_CPU_DEVICES``, or XLA's
    ``--xla_force_host_platform_device_count``), when JAX already ran
    something, or with ``RATINGNET_CPU_DEVICES=1``.
    """
    import jax

    chosen = os.environ.get("RATINGNET_CPU_DEVICES")
    if chosen is None and (
        jax.config.jax_num_cpu_devices > 0
        or "xla_force_host_platform_device_count" in os.environ.get("XLA_FLAGS", "")
    ):
        return

    count = _device_count(chosen) if chosen else min(_usable_cores(), _MAX_DEVICES)
    # Once JAX has run something, its devices are what they are.
    with contextlib.suppress(RuntimeError):
        jax.config.update("jax_num_cpu_devices", count)


def _device_count(text):
    if not text.isdigit() or int(text) < 1:
        raise ValueError(
            f"RATINGNET_CPU_DEVICES must be a positive whole number; got {text!r}. "
            "Set it to 1 to train on one core, or unset it to use every core."
        )
    return int(text)


def _usable_cores():
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return os.cpu_count() or 1
