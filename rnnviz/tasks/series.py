"""Time-series forecasting (many-to-one), after the Keras tutorial's windows and scaling."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnnviz.tasks.base import ArrayTask, Baseline, Batch, check_float, check_int, format_value


def create_windows(
    data: np.ndarray, window_size: int, horizon: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Slide a window over a series (as in Keras): X (N, W, 1) and y (N, 1), the value ``horizon``
    steps after each window (horizon 1 = the next value)."""
    data = np.asarray(data, dtype=np.float64).ravel()  # (L,)
    W = check_int("window_size", window_size, 1)
    h = check_int("horizon", horizon, 1)
    N = len(data) - W - h + 1
    if N < 1:
        raise ValueError(
            f"data has {len(data)} values; window_size={W} and horizon={h} need at least {W + h}"
        )
    idx = np.arange(N)[:, None] + np.arange(W)  # (N, W)
    return data[idx][..., None], data[idx[:, -1] + h][:, None]  # (N, W, 1), (N, 1)


class MinMaxScaler:
    """Scale to ``feature_range`` with the min/max of the data given to ``fit`` (numpy)."""

    def __init__(self, feature_range: tuple[float, float] = (0.0, 1.0)) -> None:
        lo, hi = (check_float("feature_range", v) for v in feature_range)
        if not lo < hi:
            raise ValueError(
                f"feature_range must be (low, high) with low < high, got {feature_range}"
            )
        self.feature_range = (lo, hi)
        self.data_min_: float | None = None
        self.data_max_: float | None = None

    def fit(self, x: np.ndarray) -> MinMaxScaler:
        x = np.asarray(x, dtype=np.float64)
        if x.size == 0 or not np.isfinite(x).all():
            raise ValueError("x must be non-empty and finite to fit the scaler")
        self.data_min_, self.data_max_ = float(x.min()), float(x.max())
        return self

    @property
    def scale_(self) -> float:
        """Output units per data unit; a constant series is only shifted."""
        if self.data_min_ is None:
            raise ValueError("scaler is not fitted: call fit first")
        span = self.data_max_ - self.data_min_
        lo, hi = self.feature_range
        return (hi - lo) / span if span > 0 else 1.0

    def transform(self, x: np.ndarray) -> np.ndarray:
        scale = self.scale_  # raises if not fitted
        return self.feature_range[0] + (np.asarray(x, dtype=np.float64) - self.data_min_) * scale

    def inverse_transform(self, x_scaled: np.ndarray) -> np.ndarray:
        scale = self.scale_  # raises if not fitted
        x_scaled = np.asarray(x_scaled, dtype=np.float64)
        return (x_scaled - self.feature_range[0]) / scale + self.data_min_

    def fit_transform(self, x: np.ndarray) -> np.ndarray:
        return self.fit(x).transform(x)


def forecast(
    predict: Callable[[np.ndarray], np.ndarray], last_window: np.ndarray, steps: int
) -> np.ndarray:
    """Recursive multi-step forecast: predict the next value, append it, slide, repeat.

    ``predict`` maps X (1, W, 1) to (1, 1); ``last_window`` is (W,), (W, 1) or (1, W, 1).
    Returns (steps,) float64 in the same (scaled) units. Assumes horizon 1.
    """
    check_int("steps", steps, 0)
    window = np.asarray(last_window, dtype=np.float64).ravel().copy()  # (W,)
    if window.size == 0:
        raise ValueError("last_window is empty")
    out = np.empty(steps, dtype=np.float64)
    for k in range(steps):
        y = np.asarray(predict(window[None, :, None]), dtype=np.float64)  # (1, 1)
        out[k] = y.ravel()[0]
        window = np.append(window[1:], out[k])
    return out


class SineTask(ArrayTask):
    """Forecast the next value of a (noisy) sine wave or of a user series from a window."""

    name = "sine"
    readout = "last"
    loss = "mse"
    metric_name = "mse"
    higher_is_better = False

    def __init__(
        self, n_points: int = 400, freq: float = 1 / 25, phase: float = 0.0,
        noise: float = 0.0, window: int = 20, horizon: int = 1,
        feature_range: tuple[float, float] = (0.0, 1.0), series=None,
        test_fraction: float = 0.2, seed: int = 0,
    ) -> None:  # fmt: skip
        """A sine with ``freq`` cycles per step (or ``series``), split in time, scaled, windowed."""
        self.window = check_int("window", window, 1)
        self.horizon = check_int("horizon", horizon, 1)
        self.test_fraction = check_float("test_fraction", test_fraction, 0, 1, True, True)
        self.noise = check_float("noise", noise, 0)
        self.freq = check_float("freq", freq, 0, 0.5, lo_open=True)
        self.phase = check_float("phase", phase)
        self.seed = check_int("seed", seed, 0)
        self.user_series = series is not None
        if self.user_series:
            try:
                raw = np.asarray(series, dtype=np.float64)
            except (TypeError, ValueError):
                raise ValueError("series must be a 1-D array of numbers") from None
            if raw.ndim != 1:
                raise ValueError(f"series must be 1-D, got shape {raw.shape}")
            if not np.isfinite(raw).all():
                raise ValueError(f"series has {int((~np.isfinite(raw)).sum())} NaN/inf values")
        else:
            n = check_int("n_points", n_points, 2)
            rng = np.random.default_rng(self.seed)
            t = np.arange(n)
            raw = np.sin(2 * np.pi * self.freq * t + self.phase)
            if self.noise > 0:
                raw = raw + self.noise * rng.standard_normal(n)
        self.raw = raw  # (N,) original units
        N, W, h = len(raw), self.window, self.horizon
        self.n_train_points = int(round(N * (1 - self.test_fraction)))  # values before the split
        n_train_win = self.n_train_points - W - h + 1
        if n_train_win < 1 or self.n_train_points >= N:
            need = int(np.ceil((W + h) / (1 - self.test_fraction))) + 1
            arg = "series" if self.user_series else "n_points"
            raise ValueError(
                f"{arg} is too short: {N} points with window={W}, horizon={h} and "
                f"test_fraction={self.test_fraction} leave no training or test window; "
                f"need about {need} points"
            )
        # Fit the scaler on the training part only (no peeking at the test values).
        self.scaler = MinMaxScaler(feature_range).fit(raw[: self.n_train_points])
        self.scaled = self.scaler.transform(raw)  # (N,)
        X, y = create_windows(self.scaled, W, h)  # (M, W, 1), (M, 1)
        self.target_index = np.arange(len(y)) + W - 1 + h  # (M,) series index of each target
        train = self.target_index < self.n_train_points
        self._X = {"train": X[train], "test": X[~train]}
        self._Y = {"train": y[train], "test": y[~train]}
        self.input_size = 1
        self.output_size = 1
        self.title = (
            "Time series: forecast your series" if self.user_series
            else "Time series: forecast a sine wave"
        )  # fmt: skip
        self.explanation = self._explain()

    def _explain(self) -> str:
        what = (
            "your series" if self.user_series
            else f"a sine wave with {self.freq:g} cycles per step (one period = "
            f"{1 / self.freq:.3g} steps){' plus noise' if self.noise else ''}"
        )  # fmt: skip
        ahead = "next value" if self.horizon == 1 else f"value {self.horizon} steps ahead"
        lo, hi = self.scaler.feature_range
        return (
            f"Each input step $x_t$ is one value of {what}, scaled to [{lo:g}, {hi:g}] with "
            f"min-max scaling fitted on the training part only (the advice of the Keras "
            f"tutorial *Recurrent Neural Networks*: RNNs need "
            f"scaled inputs). A window of {self.window} values goes in and the target is the "
            f"{ahead}, read from the last hidden state (many-to-one, mean squared error). The "
            f"split is chronological: the last {self.test_fraction:.0%} of the series is the "
            "test set. Watch the forecast curve line up with the truth, then try recursive "
            "multi-step forecasting, where small errors feed back and grow."
        )

    def _step_labels(self, X: np.ndarray) -> list[list[str]]:
        return [[format_value(v) for v in row] for row in X[..., 0]]

    def _baselines(self) -> tuple[Baseline, ...]:
        """On the training windows: always the mean target (MSE = the targets' variance),
        then repeating each window's last value (the naive forecast)."""
        y = self._Y["train"][:, 0]  # (N,) scaled targets
        last = self._X["train"][:, -1, 0]  # (N,) each window's last value
        m = float(y.mean())
        var = float(((y - m) ** 2).mean())
        naive = float(((last - y) ** 2).mean())
        ahead = "next value" if self.horizon == 1 else f"value {self.horizon} steps ahead"
        return (
            Baseline(var, f"always the mean: {var:.3g}",
                     f"No learning: always answer {m:.3f}, the mean of the training targets "
                     f"(scaled units). Its MSE is their variance, {var:.3g}: a network at "
                     "this line ignores its input."),
            Baseline(naive, f"repeat last value: {naive:.3g}",
                     f"The naive forecast, with no model: answer each window's last value "
                     f"as the {ahead}. Its MSE on the training windows is {naive:.3g}; a "
                     "network below this line forecasts better than copying its input."),
        )

    def probe_batch(self) -> Batch:
        """The first test window (1 sample)."""
        return self._batch("test", np.array([0]))

    def inverse(self, values: np.ndarray) -> np.ndarray:
        """Scaled values -> original units (for display)."""
        return self.scaler.inverse_transform(values)

    def window_before(self, index: int) -> np.ndarray:
        """The scaled window of values just before series index ``index``: (1, W, 1)."""
        index = check_int("index", index, self.window, len(self.scaled))
        return self.scaled[index - self.window : index][None, :, None]

    def forecast_test(self, predict: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """Recursive forecast over the test part from the last training window, original units."""
        if self.horizon != 1:
            raise ValueError(f"recursive forecasting needs horizon=1, got horizon={self.horizon}")
        start = self.n_train_points
        steps = len(self.scaled) - start
        return self.inverse(forecast(predict, self.window_before(start), steps))

    def default_model(self) -> dict:
        return dict(
            cell="rnn", input_size=1, hidden_size=32, output_size=1, num_layers=1,
            bidirectional=False, activation="tanh", readout="last", init="xavier",
            init_scale=1.0, seed=0,
        )  # fmt: skip
