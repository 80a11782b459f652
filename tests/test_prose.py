"""The pages' prose (rnnviz/prose/*.md): every `prose.text(lesson, section)` call in the code
names a section that exists, and every section of every file is shown somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rnnviz import prose

ROOT = Path(__file__).resolve().parents[1]
PROSE = ROOT / "rnnviz" / "prose"
SOURCES = sorted([*ROOT.glob("*.py"), *(ROOT / "pages").rglob("*.py"),
                  *(ROOT / "rnnviz").rglob("*.py")])
ANY_CALL = re.compile(r"\bprose\.text\(")
CALL = re.compile(r"""\bprose\.text\(\s*(["'])(\w+)\1\s*,\s*(["'])([^"'\s]+)\3\s*\)""")


def calls() -> list[tuple[str, str, str]]:
    """(file:line, lesson, section) for every call in the source."""
    found = []
    for path in SOURCES:
        src = path.read_text(encoding="utf-8")
        for m in CALL.finditer(src):
            where = f"{path.relative_to(ROOT)}:{src.count(chr(10), 0, m.start()) + 1}"
            found.append((where, m[2], m[4]))
    return found


def test_every_call_names_its_lesson_and_section_literally():
    """A call with a computed argument would escape the checks below: none is allowed."""
    for path in SOURCES:
        src = path.read_text(encoding="utf-8")
        n_any, n_literal = len(ANY_CALL.findall(src)), len(CALL.findall(src))
        assert n_any == n_literal, f"{path.relative_to(ROOT)}: prose.text() with a non-literal " \
                                   "lesson or section"
    assert len(calls()) > 20  # the regex does find the calls


@pytest.mark.parametrize("where,lesson,section", calls())
def test_every_call_names_a_section_that_exists(where, lesson, section):
    assert (PROSE / f"{lesson}.md").is_file(), f"{where}: no rnnviz/prose/{lesson}.md"
    assert section in prose.sections(lesson), f"{where}: {lesson}.md has no '## {section}'"
    assert prose.text(lesson, section)  # and it has a body


@pytest.mark.parametrize("path", sorted(PROSE.glob("*.md")), ids=lambda p: p.name)
def test_every_section_is_used_and_named_once(path):
    lesson = path.stem
    raw = path.read_text(encoding="utf-8")
    assert raw.startswith("# "), f"{path.name} starts with its '# Title' line"
    names = re.findall(r"^## +(\S+) *$", raw, flags=re.M)
    assert names, f"{path.name} has no sections"
    assert len(names) == len(set(names)), f"{path.name} repeats a section name"
    used = {section for _, les, section in calls() if les == lesson}
    dead = [n for n in names if n not in used]
    assert not dead, f"{path.name}: sections no code shows: {dead}"


def test_a_missing_section_names_the_file():
    with pytest.raises(KeyError, match=r"rnnviz/prose/home\.md has no section '## nowhere'"):
        prose.text("home", "nowhere")
