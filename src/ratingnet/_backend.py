"""Make sure Keras runs on JAX, and keep compiled programs between processes."""

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
