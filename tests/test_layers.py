"""The house's layering, enforced: what each folder of rnnviz may import (architecture.md)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "rnnviz"
STDLIB = set(sys.stdlib_module_names)


def imports(path: Path) -> set[str]:
    """Every module a file imports (absolute names; relative ones resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module
            out.add(mod)
            out |= {f"{mod}.{a.name}" for a in node.names}
    return out


def files(folder: str) -> list[Path]:
    return sorted((PKG / folder).rglob("*.py"))


def top(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize("path", files("core"), ids=lambda p: str(p.relative_to(PKG)))
def test_the_core_imports_only_numpy_and_the_standard_library(path):
    bad = {m for m in imports(path)
           if top(m) not in STDLIB | {"numpy", "__future__"}
           and not m.startswith("rnnviz.core")}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_only_ui_pages_and_app_import_streamlit():
    allowed = {PKG / "ui", ROOT / "pages"}
    offenders = []
    for path in [*PKG.rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"]:
        exempt = path in (ROOT / "app.py", PKG / "serve.py")  # serve starts Streamlit
        if (any(top(m) == "streamlit" for m in imports(path)) and not exempt
                and not any(a in path.parents for a in allowed)):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, offenders


@pytest.mark.parametrize("path", files("figures"), ids=lambda p: str(p.relative_to(PKG)))
def test_figures_take_arrays_never_a_run(path):
    """Figures import plotly, pandas, numpy and each other (and the pure text helpers of
    rnnviz.numbers and rnnviz.tasks): no run, session, lesson, live or UI module; the data
    they draw is handed to them."""
    bad = {m for m in imports(path) if m.startswith("rnnviz.")
           and not m.startswith(("rnnviz.figures", "rnnviz.numbers", "rnnviz.tasks"))}
    bad |= {m for m in imports(path) if top(m) == "streamlit"}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize("folder", ["lessons", "live", "train", "tasks"])
def test_the_middle_layers_know_no_ui(folder):
    for path in files(folder):
        bad = {m for m in imports(path) if m.startswith("rnnviz.ui") or top(m) == "streamlit"}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_no_two_modules_share_a_name():
    names: dict[str, list[str]] = {}
    for path in PKG.rglob("*.py"):
        if path.name != "__init__.py":
            names.setdefault(path.stem, []).append(str(path.relative_to(PKG)))
    assert {k: v for k, v in names.items() if len(v) > 1} == {}


def test_the_checks_see_a_violation():
    """The import reader finds what these tests forbid (a check that cannot fail is none)."""
    sample = PKG / "core" / "activations.py"
    assert "numpy" in imports(sample)
    assert "rnnviz.ui.player" in imports(PKG / "ui" / "state.py")
    assert any(top(m) == "streamlit" for m in imports(PKG / "ui" / "player.py"))
