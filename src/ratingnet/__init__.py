"""ratingnet: scikit-learn estimators for Keras models that predict ratings."""
