"""hptlens: find hyperparameter tuning in RL/ML code."""

__version__ = "0.1.0"
