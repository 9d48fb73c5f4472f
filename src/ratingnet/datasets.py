"""Rating tables that ship with ratingnet (see ``data/README.md``)."""

from importlib import resources

import pandas as pd


def load_wine(*, return_X_y=False):
    """The UCI red wine quality table: 1,599 wines, 11 measurements, quality 3-8.

    P. Cortez et al., "Modeling wine preferences by data mining from
    physicochemical properties", Decision Support Systems 47(4), 2009;
    UCI Machine Learning Repository, CC BY 4.0.

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(X, y)`` (a DataFrame and the ``quality`` Series) instead of
        the whole table.

    Examples
    --------
    >>> from ratingnet.datasets import load_wine
    >>> X, y = load_wine(return_X_y=True)
    >>> X.shape, sorted(y.unique().tolist())
    ((1599, 11), [3, 4, 5, 6, 7, 8])
    """
    with resources.files("ratingnet").joinpath("data/winequality-red.csv").open() as f:
        table = pd.read_csv(f)
    if return_X_y:
        return table.drop(columns="quality"), table["quality"]
    return table


def wine_path():
    """The path of the shipped red wine CSV file."""
    return str(resources.files("ratingnet").joinpath("data/winequality-red.csv"))
