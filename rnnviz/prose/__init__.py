"""The pages' prose: one Markdown file per lesson (intros, "what am I looking at?"), kept
apart from the code that computes. A file is split into sections by its "## name" lines;
`text("train", "reading")` is the section "## reading" of train.md. Sentences that carry
computed numbers are built by the lesson modules, not here."""

from __future__ import annotations

import functools
import re
from importlib import resources


@functools.cache
def sections(lesson: str) -> dict[str, str]:
    """Every section of `lesson`.md: {name: Markdown}."""
    raw = resources.files(__package__).joinpath(f"{lesson}.md").read_text(encoding="utf-8")
    parts = re.split(r"^## +(\S+) *\n", raw, flags=re.M)
    return {name: body.strip() for name, body in zip(parts[1::2], parts[2::2], strict=True)}


def text(lesson: str, section: str) -> str:
    """One section's Markdown (KeyError names what is missing)."""
    try:
        return sections(lesson)[section]
    except KeyError:
        raise KeyError(f"rnnviz/prose/{lesson}.md has no section '## {section}'") from None
