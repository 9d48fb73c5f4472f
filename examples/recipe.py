"""The classic recipe on the red wine table, with ratingnet.

Dense(10, relu) then Dense(1, linear), loss "mse", optimizer "adam", batch
size 5 and 100 epochs, wrapped as a scikit-learn regressor; fitted on 80% of
the wines and scored on the other 20%.
"""

import time

from ratingnet import KerasRegressor
from ratingnet.datasets import load_wine

import keras
import numpy as np
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def baseline_model(n_features_in_):
    model = keras.Sequential(
        [
            keras.Input((n_features_in_,)),
            keras.layers.Dense(10, activation="relu"),
            keras.layers.Dense(1, activation="linear"),
        ]
    )
    model.compile(loss="mse", optimizer="adam")
    return model


def main():
    X, y = load_wine(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, random_state=7
    )
    estimator = make_pipeline(
        StandardScaler(),
        KerasRegressor(model=baseline_model, epochs=100, batch_size=5, random_state=7),
    )

    start = time.perf_counter()
    estimator.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    predicted = estimator.predict(X_test)

    print("Red wine quality, the recipe (Dense(10, relu) -> Dense(1)), 100 epochs")
    print(f"trained on {len(X_train)} wines in {seconds:.2f} s\n")
    print(f"{'predicted':>10} {'quality':>8}")
    for guess, truth in zip(predicted[:10], y_test[:10], strict=True):
        print(f"{guess:>10.2f} {truth:>8d}")
    print(f"\ntest MSE {mean_squared_error(y_test, predicted):.3f}")
    print(f"test MAE {mean_absolute_error(y_test, predicted):.3f}")
    print(f"test R²  {r2_score(y_test, predicted):.3f}")
    baseline = np.mean((y_test - y_train.mean()) ** 2)
    print(f"(predicting the training mean: MSE {baseline:.3f})")


if __name__ == "__main__":
    main()
