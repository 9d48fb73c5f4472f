"""``jax.jit`` for programs that cost more to compile than to run.

XLA's CPU compiler emits each fused kernel through MLIR by default; its
older emitters compile a kernel in about half the time and run it somewhat
slower. A prediction program runs its kernels once per call, so it takes
the older emitters where this XLA still has them: TeachingRatings' 5-fold
CV compiles its prediction program in 0.1 s instead of 0.2 s. A training
program runs its kernels thousands of times, and compiles as usual: the
older emitters saved 0.3 s of its compilation on TeachingRatings and cost
as much in training.
"""

import jax

_QUICK_COMPILE = {"xla_cpu_use_fusion_emitters": False}


def quick_jit(function):
    """``jax.jit(function)``, compiled for speed of compilation if XLA allows."""
    return _QuickProgram(function)


class _QuickProgram:
    """A jitted function compiled with ``_QUICK_COMPILE`` while XLA accepts it."""

    def __init__(self, function):
        self._function = function
        try:
            self._program = jax.jit(function, compiler_options=_QUICK_COMPILE)
        except TypeError:
            # A JAX without per-program compiler options.
            self._program = jax.jit(function)

    def __call__(self, *args):
        try:
            return self._program(*args)
        except Exception as error:
            if "compile option" not in str(error):
                raise
        # An XLA without the option refuses it before anything runs.
        self._program = jax.jit(self._function)
        return self._program(*args)
