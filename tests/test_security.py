"""Security basics: upload limits, XSRF on, no user text rendered as HTML, no pickle/eval."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [*ROOT.glob("app.py"), *ROOT.glob("pages/*.py"), *ROOT.glob("rnnviz/**/*.py")]


def test_streamlit_config_limits_uploads_and_keeps_xsrf_on():
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["server"]["maxUploadSize"] <= 10  # MB
    assert cfg["server"].get("enableXsrfProtection", True) is True
    assert cfg["browser"]["gatherUsageStats"] is False
    assert cfg["runner"]["postScriptGC"] is False


def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def _name(func) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def test_html_is_only_ever_a_constant():
    """st.html / unsafe_allow_html only with literal strings or module constants."""
    for path in SOURCES:
        tree = ast.parse(path.read_text(), str(path))
        constants = {t.id for n in ast.walk(tree) if isinstance(n, ast.Assign)
                     and isinstance(n.value, ast.Constant) for t in n.targets
                     if isinstance(t, ast.Name)}
        for call in _calls(tree):
            unsafe = any(k.arg == "unsafe_allow_html" and not (
                isinstance(k.value, ast.Constant) and k.value.value is False)
                for k in call.keywords)
            if _name(call.func) == "html" or unsafe:
                arg = call.args[0] if call.args else None
                ok = isinstance(arg, ast.Constant) or (isinstance(arg, ast.Name)
                                                       and arg.id in constants)
                assert ok, f"{path.name}:{call.lineno} renders non-constant HTML"


def test_no_pickle_no_eval_and_npz_loads_refuse_pickles():
    for path in SOURCES:
        text = path.read_text()
        tree = ast.parse(text, str(path))
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)
                    for a in n.names} | {getattr(n, "module", None) for n in ast.walk(tree)
                                         if isinstance(n, ast.ImportFrom)}
        assert "pickle" not in imported, path
        for call in _calls(tree):
            assert _name(call.func) not in ("eval", "exec"), (
                f"{path.name}:{call.lineno}")
            if _name(call.func) == "load" and any(k.arg == "allow_pickle" for k in call.keywords):
                kw = next(k for k in call.keywords if k.arg == "allow_pickle")
                assert isinstance(kw.value, ast.Constant) and kw.value.value is False
        assert "allow_pickle=True" not in text, path
