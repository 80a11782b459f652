"""One-to-many generation from a character model (Mayank Sharma's): prompt in, text out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnviz.core.losses import softmax
from rnnviz.tasks import CharLMTask, one_hot


@dataclass
class Sample:
    """Generated text and, for each generated character, the distribution it was drawn from."""

    prompt: str
    text: str  # the generated continuation only
    probs: np.ndarray  # (n, V) next-character distribution at each generated step
    chosen_p: np.ndarray  # (n,) probability of the character that was picked
    unknown: list[str]  # prompt characters outside the vocabulary (skipped)


def sample(model, task: CharLMTask, prompt: str = "", n: int = 50, temperature: float = 1.0,
           greedy: bool = False, rng: np.random.Generator | None = None) -> Sample:
    """Continue `prompt` by n characters.

    Greedy picks argmax p; otherwise p = softmax(logits / temperature) is sampled with rng.
    An empty (or all-unknown) prompt starts from the first character of the training text.
    """
    if not (isinstance(n, int) and 1 <= n <= 5000):
        raise ValueError(f"n must be an integer in [1, 5000], got {n!r}")
    if not greedy and not (0.01 <= temperature <= 100):
        raise ValueError(f"temperature must be in [0.01, 100], got {temperature!r}")
    rng = rng or np.random.default_rng(0)
    V = len(task.vocab)
    X, unknown = task.encode_prompt(prompt) if prompt else (np.zeros((1, 0, V)), [])
    if X.shape[1] == 0:
        X = one_hot([task.char_to_idx[task.text[0]]], V)[None]
        prompt = task.text[0]
    else:
        prompt = "".join(c for c in prompt if c in task.char_to_idx)
    out, state = model.forward(X)  # out (1, T, V) logits
    logits = out[0, -1]
    chars, probs, chosen = [], np.empty((n, V)), np.empty(n)
    for i in range(n):
        p = softmax(logits if greedy else logits / temperature)
        k = int(np.argmax(p)) if greedy else int(rng.choice(V, p=p))
        probs[i], chosen[i] = p, p[k]
        chars.append(task.idx_to_char[k])
        out, state = model.forward(one_hot([k], V)[None], h0=state)
        logits = out[0, -1]
    return Sample(prompt=prompt, text="".join(chars), probs=probs, chosen_p=chosen,
                  unknown=unknown)
