"""Character-level language model (many-to-many), after Mayank Sharma's character model."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rnnviz.tasks.base import Baseline, Batch, Task, check_int, entropy, one_hot, uniform_baseline

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

# name -> (file in rnnviz/data or None for an inline text, the text when inline, source note)
BUNDLED_TEXTS: dict[str, tuple[str | None, str, str]] = {
    "hello": (None, "hello world", "Mayank Sharma's character_level_example"),
    "gettysburg": (
        "gettysburg.txt",
        "",
        "Abraham Lincoln, the Gettysburg Address (19 November 1863), Bliss copy; public domain",
    ),
}
BUNDLED = "bundled"  # CharLMTask(text="bundled") uses bundled_text("gettysburg")
LONG_TEXT = 2000  # texts longer than this use stride seq_len // 2 by default
MIN_TRAIN_WINDOWS = 10  # hold out a test set only if this many training windows remain
MAX_TEST_WINDOWS = 1000  # cap on the held-out windows (keeps test_batch small)


def bundled_text(name: str = "gettysburg") -> str:
    """One of the texts shipped with the app (see ``BUNDLED_TEXTS``)."""
    if name not in BUNDLED_TEXTS:
        raise ValueError(f"unknown text {name!r}; choose one of {', '.join(BUNDLED_TEXTS)}")
    file, inline, _ = BUNDLED_TEXTS[name]
    if file is None:
        return inline
    return (DATA_DIR / file).read_text(encoding="utf-8")


def display_char(c: str) -> str:
    """Visible label of a character: space -> "␣", newline -> "↵", tab -> "⇥"."""
    return {" ": "␣", "\n": "↵", "\t": "⇥", "\r": "␍"}.get(c, c)


class CharLMTask(Task):
    """Predict the next character at every step of a window of text."""

    name = "charlm"
    title = "Character language model (many-to-many)"
    readout = "all"
    loss = "cross_entropy"
    metric_name = "accuracy"
    higher_is_better = True

    def __init__(
        self, text: str = "hello world", seq_len: int = 10, stride: int | None = None,
        lowercase: bool = False,
    ) -> None:  # fmt: skip
        """Windows of ``seq_len`` characters of ``text``; the targets are the next characters.

        ``text="bundled"`` means the bundled Gettysburg Address (see ``BUNDLED_TEXTS``).
        """
        if not isinstance(text, str):
            raise ValueError(f"text must be a string, got {type(text).__name__}")
        if text == BUNDLED:
            text = bundled_text("gettysburg")
        if lowercase:
            text = text.lower()
        if len(text) < 2:
            raise ValueError(f"text must have at least 2 characters, got {len(text)}")
        if len(set(text)) < 2:
            raise ValueError(f"text must contain at least 2 different characters, got {text[:1]!r}")
        self.requested_seq_len = check_int("seq_len", seq_len, 1)
        if stride is not None:
            check_int("stride", stride, 1)
        self.text = text
        self.lowercase = bool(lowercase)
        N = len(text)
        L = min(self.requested_seq_len, N - 1)  # short text: seq_len = len(text) - 1
        self.seq_len = L
        if stride is None:
            stride = 1 if N <= LONG_TEXT else max(1, L // 2)
        self.stride = int(stride)

        # Vocabulary as in Mayank Sharma's guide: chars = sorted(list(set(text))).
        self.vocab: list[str] = sorted(set(text))
        self.char_to_idx: dict[str, int] = {c: i for i, c in enumerate(self.vocab)}
        self.idx_to_char: dict[int, str] = dict(enumerate(self.vocab))
        self.input_size = self.output_size = len(self.vocab)  # D = O = V
        self.data = np.array([self.char_to_idx[c] for c in text], dtype=np.int64)  # (N,)

        starts = np.arange(0, N - L, self.stride)  # window i: inputs data[i:i+L], targets +1
        n_test = min(MAX_TEST_WINDOWS, int(np.ceil(0.1 * len(starts))))
        test_starts = starts[len(starts) - n_test :]
        # Training windows must end (last target data[i+L]) before the first test input.
        train_starts = starts[starts + L < test_starts[0]] if n_test else starts
        self.held_out = n_test > 0 and len(train_starts) >= max(MIN_TRAIN_WINDOWS, n_test)
        if not self.held_out:
            train_starts = test_starts = starts
        self._starts = {"train": train_starts, "test": test_starts}
        self.explanation = self._explain()

    def _explain(self) -> str:
        split = (
            "The test set is the last part of the text (the last 10% of windows, never seen "
            "in training), so test accuracy asks: has the model learnt spelling, or just "
            "memorised?"
            if self.held_out
            else "This text is too short to hold any of it out, so the test set is the same "
            "windows as training: the score measures memorisation."
        )
        return (
            f"Each input step $x_t$ is one character of the text, one-hot over the "
            f"{len(self.vocab)} distinct characters (`chars = sorted(set(text))`, as in the "
            f"character-level example of Mayank Sharma's guide). The text is cut into windows of "
            f"{self.seq_len} characters (every {self.stride} character"
            f"{'s' if self.stride > 1 else ''}); the target at every step is the *next* "
            "character, so the network makes a prediction $y_t$ at every step (many-to-many). "
            f"{split} Chance accuracy is about 1/{len(self.vocab)}; watch which characters "
            "become predictable first (spaces and common letter pairs)."
        )

    @property
    def n_train(self) -> int:
        return len(self._starts["train"])

    @property
    def n_test(self) -> int:
        return len(self._starts["test"])

    def _batch(self, split: str, idx: np.ndarray) -> Batch:
        starts = self._starts[split][idx]  # (B,)
        pos = starts[:, None] + np.arange(self.seq_len)  # (B, T)
        inputs, targets = self.data[pos], self.data[pos + 1]  # (B, T) int
        X = one_hot(inputs, self.input_size)  # (B, T, V)
        tokens = [[display_char(self.vocab[i]) for i in row] for row in inputs]
        return Batch(X=X, Y=targets, mask=None, tokens=tokens)

    def target_counts(self) -> np.ndarray:
        """(V,) how often each character is a target in the training windows (as the loss
        counts them: a character in two overlapping windows counts twice)."""
        starts = self._starts["train"]  # (N,)
        pos = starts[:, None] + np.arange(self.seq_len) + 1  # (N, T) target positions
        return np.bincount(self.data[pos].ravel(), minlength=len(self.vocab))

    def _baselines(self) -> tuple[Baseline, ...]:
        """ln V (a uniform guess), then the unigram entropy of the training targets (the
        best a network can do that ignores what it has read)."""
        V = len(self.vocab)
        uniform = uniform_baseline(V, "characters")
        counts = self.target_counts()
        h = entropy(counts)
        top = int(np.argmax(counts))
        share = counts[top] / counts.sum()
        unigram = Baseline(
            h, f"letter frequencies: {h:.3g}",
            f"No context: a network that ignores what it has read can at best give each "
            f"character its frequency among the training targets (the most common, "
            f"'{display_char(self.vocab[top])}', {share:.0%}). Cross-entropy = the entropy "
            f"of those frequencies, −Σ p ln p = {h:.3f} (perplexity e^H = {np.exp(h):.3g}).")
        return (uniform._replace(hover=uniform.hover[:-1] + f" (perplexity V = {V})."),
                unigram)

    def probe_batch(self) -> Batch:
        """The first window of the text (1 sample)."""
        return self._batch("train", np.array([0]))

    def encode_prompt(self, prompt: str) -> tuple[np.ndarray, list[str]]:
        """A prompt -> (X (1, T, V), unknown_chars); chars outside the vocabulary are skipped."""
        if not prompt:
            raise ValueError("prompt is empty: type at least one character")
        if self.lowercase:
            prompt = prompt.lower()
        known = [c for c in prompt if c in self.char_to_idx]
        unknown = list(dict.fromkeys(c for c in prompt if c not in self.char_to_idx))
        if not known:
            raise ValueError(
                f"prompt has no character from the vocabulary ({''.join(self.vocab)!r})"
            )
        idx = np.array([self.char_to_idx[c] for c in known], dtype=np.int64)  # (T,)
        return one_hot(idx, self.input_size)[None], unknown  # (1, T, V)

    def decode(self, indices) -> str:
        """Character indices -> text."""
        return "".join(self.vocab[int(i)] for i in np.asarray(indices).ravel())

    def default_model(self) -> dict:
        return dict(
            cell="rnn", input_size=self.input_size,
            hidden_size=10 if len(self.text) <= 32 else 64, output_size=self.output_size,
            num_layers=1, bidirectional=False, activation="tanh", readout="all",
            init="xavier", init_scale=1.0, seed=0,
        )  # fmt: skip
