"""Products over a few rows, rewritten as a multiply and a sum."""

from ratingnet._engine.dots import with_fast_dots

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest
from jax import lax

ROWS_FIRST = (((1,), (1,)), ((0,), (0,)))


def _products(function, *args):
    return str(jax.make_jaxpr(with_fast_dots(function))(*args)).count("dot_general")


def _random(*shape, seed=0):
    return jnp.asarray(np.random.default_rng(seed).normal(size=shape), jnp.float32)


@pytest.mark.parametrize(
    "lhs_shape, rhs_shape, dimension_numbers",
    [
        ((5, 11), (5, 10), (((0,), (0,)), ((), ()))),
        ((3, 5, 11), (3, 5, 10), ROWS_FIRST),
        ((3, 5, 10), (3, 11, 5), (((1,), (2,)), ((0,), (0,)))),
        ((2, 3, 4, 6), (3, 4, 7), (((2,), (1,)), ((1,), (0,)))),
    ],
)
def test_a_product_over_few_rows_is_rewritten_to_the_same_numbers(
    lhs_shape, rhs_shape, dimension_numbers
):
    lhs, rhs = _random(*lhs_shape), _random(*rhs_shape, seed=1)

    def product(a, b):
        return lax.dot_general(a, b, dimension_numbers)

    np.testing.assert_allclose(
        jax.jit(with_fast_dots(product))(lhs, rhs), product(lhs, rhs), atol=1e-5
    )
    assert _products(product, lhs, rhs) == 0


def test_forward_products_and_many_rows_stay_products():
    def forward(x, kernel):
        return x @ kernel

    def many_rows(a, b):
        return lax.dot_general(a, b, ROWS_FIRST)

    assert _products(forward, _random(3, 5, 11), _random(3, 11, 10)) == 1
    assert _products(many_rows, _random(3, 64, 11), _random(3, 64, 10)) == 1


def test_a_dense_layers_gradients_under_vmap_lose_their_row_products():
    layer = keras.layers.Dense(10, activation="relu")
    layer.build((None, 11))
    weights = [jnp.stack([v.value] * 3) for v in layer.trainable_variables]
    x = _random(3, 5, 11)

    def gradient(weights, x):
        def loss(weights):
            outputs, _ = layer.stateless_call(weights, [], x)
            return jnp.sum(outputs**2)

        return jax.grad(loss)(weights)

    batched = jax.vmap(gradient)
    rewritten = jax.jit(with_fast_dots(batched))(weights, x)

    for got, want in zip(rewritten, batched(weights, x), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    # The forward product remains; the kernel gradient's goes.
    assert str(jax.make_jaxpr(batched)(weights, x)).count("dot_general") == 2
    assert _products(batched, weights, x) == 1


def test_products_inside_jit_and_cond_are_rewritten():
    @jax.jit
    def inner(a, b):
        return lax.dot_general(a, b, ROWS_FIRST)

    def branches(flag, a, b):
        return lax.cond(flag, inner, lambda a, b: inner(a, b) * 2.0, a, b)

    lhs, rhs = _random(3, 5, 11), _random(3, 5, 10, seed=1)

    for flag in (True, False):
        np.testing.assert_allclose(
            jax.jit(with_fast_dots(branches))(flag, lhs, rhs),
            branches(flag, lhs, rhs),
            atol=1e-5,
        )
    assert _products(branches, True, lhs, rhs) == 0


def test_a_jax_the_rewrite_does_not_know_runs_the_function_as_it_is(monkeypatch):
    from ratingnet._engine import dots

    def unknown_internals(*args):
        raise AttributeError("'JaxprEqn' object has no attribute 'ctx'")

    monkeypatch.setattr(dots, "_evaluate", unknown_internals)
    lhs, rhs = _random(3, 5, 11), _random(3, 5, 10, seed=1)

    def product(a, b):
        return lax.dot_general(a, b, ROWS_FIRST)

    np.testing.assert_allclose(
        jax.jit(with_fast_dots(product))(lhs, rhs), product(lhs, rhs), atol=1e-6
    )
    assert _products(product, lhs, rhs) == 1
