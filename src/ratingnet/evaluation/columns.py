"""Which columns are numbers and which are categories, and how to encode them.

Numbers get their missing values filled with the column's median (and a
column marking which were missing) and are standardized; categories, text or
the columns named as categorical, get their missing values filled with the
most frequent category and are one-hot encoded. Categories not seen in fit
encode as all zeros, so that a cross-validation fold may hold a rare one.
"""

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

NUMERIC = "numeric"
CATEGORICAL = "categorical"


def column_kinds(X, categorical=()):
    """Each column's kind, ``"numeric"`` or ``"categorical"``, in X's order.

    Parameters
    ----------
    X : pandas.DataFrame
    categorical : iterable of str, default=()
        Columns to treat as categories even though they hold numbers.

    Returns
    -------
    dict of str to str
    """
    forced = set(categorical)
    return {
        column: CATEGORICAL
        if column in forced or not _is_number(X[column].dtype)
        else NUMERIC
        for column in X.columns
    }


def _is_number(dtype):
    return pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)


def make_encoder(kinds):
    """A ColumnTransformer that fills, scales and one-hot encodes by kind.

    Parameters
    ----------
    kinds : dict of str to str
        Column kinds, as `column_kinds` returns them.

    Returns
    -------
    sklearn.compose.ColumnTransformer
    """
    numeric = [c for c, kind in kinds.items() if kind == NUMERIC]
    categorical = [c for c, kind in kinds.items() if kind == CATEGORICAL]
    steps = []
    if numeric:
        numbers = make_pipeline(
            SimpleImputer(strategy="median", add_indicator=True), StandardScaler()
        )
        steps.append((NUMERIC, numbers, numeric))
    if categorical:
        categories = make_pipeline(
            SimpleImputer(strategy="most_frequent"),
            OneHotEncoder(handle_unknown="ignore", sparse_output=False),
        )
        steps.append((CATEGORICAL, categories, categorical))
    return ColumnTransformer(steps, verbose_feature_names_out=False)
