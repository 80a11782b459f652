"""No screen says "seed 000": every page as rendered (text, labels, options, help, figure
JSON), every Train preset and task, and the CLI help name the tutorials, not our shorthand.
Old preset ids keep working, with a note that they were renamed."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from apptest import chart_specs, open_app
from google.protobuf.message import Message

from rnnviz.train import settings as cf
from rnnviz.ui import sitemap

ROOT = Path(__file__).resolve().parents[1]
SHORTHAND = re.compile(r"seed[ _-]?00", re.I)  # "seed 000", "Seed 003", "seed003-modern"


def rendered(at) -> str:
    """Every string the page sent, one a line: each element's proto fields (markdown bodies,
    captions, titles, labels, select options as format_func wrote them, help, metrics) and,
    decoded, the JSON of components (the Plotly figures: titles, legend names,
    hovertemplates, annotations)."""
    def walk(node):
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    out: list[str] = []
    for node in walk(at._tree):
        if getattr(node, "proto", None) is not None:
            _strings(node.proto, out)
    return "\n".join(out)


def _strings(value, out: list[str]) -> None:
    if isinstance(value, Message):
        for field, v in value.ListFields():
            if field.name != "id":  # an element's id holds its key: the code's, not shown
                _strings(v, out)
    elif isinstance(value, str):
        out.append(value)
        if value[:1] in "{[":
            with contextlib.suppress(ValueError):  # not JSON: the string itself is kept
                _strings(json.loads(value), out)
    elif isinstance(value, dict):
        for k, v in value.items():
            _strings(k, out)
            _strings(v, out)
    elif isinstance(value, (list, tuple)) or type(value).__name__.startswith("Repeated"):
        for v in value:
            _strings(v, out)


def shorthand(text: str) -> list[str]:
    """Each "seed 00x" in text, with a little context."""
    return [text[max(m.start() - 60, 0) : m.end() + 30] for m in SHORTHAND.finditer(text)]


def test_the_scan_sees_figure_legends_select_options_and_help():
    """The checks below would catch a 'seed 000' wherever these strings sit."""
    at = open_app("pages/gradient_lab.py")
    text = rendered(at)
    legends = [t.get("name", "") for spec in chart_specs(at) for t in spec.get("data", [])]
    assert "0.5^k (Mayank Sharma's guide)" in legends  # a figure's legend (component JSON)
    assert "0.5^k (Mayank Sharma's guide)" in text
    train = open_app("pages/train_live.py")
    assert "randn/1000 (Victor Zhou's tutorial)" in rendered(train)  # a format_func option
    assert "changes live, without a new model" in rendered(train)  # a widget's help
    assert shorthand("a legend 0.5^k (seed 000) and Seed 003 and seed003-modern") != []


@pytest.mark.parametrize("page", sitemap.PAGES, ids=lambda p: p.url or "home")
def test_no_page_says_seed_00x(page):
    at = open_app(page.file)
    assert not shorthand(rendered(at)), shorthand(rendered(at))


@pytest.mark.parametrize("page", [p for p in sitemap.PAGES if p.url != "train"],
                         ids=lambda p: p.url or "home")
def test_no_choice_of_a_select_box_or_radio_leads_to_seed_00x(page):
    """Each option of each select box and radio on the page (not Train: its presets and
    tasks are below), chosen in turn: the page it draws."""
    at = open_app(page.file)
    for kind in ("selectbox", "radio"):
        for label, n in [(w.label, len(w.options)) for w in getattr(at, kind)]:
            for i in range(n):
                w = next((w for w in getattr(at, kind) if w.label == label), None)
                if w is None or i >= len(w.options) or w.disabled:
                    continue  # the widget went away (or is off) with an earlier choice
                at = w.set_value(_raw(w, w.options[i])).run()
                assert not at.exception, (label, i, at.exception)
                found = shorthand(rendered(at))
                assert not found, (label, w.options[i], found)


def _raw(widget, label: str):
    """The option behind a label: AppTest sees only the labels; a dict's .get as format_func
    gives the key back."""
    owner = getattr(widget.format_func, "__self__", None)
    if isinstance(owner, dict):
        return next((k for k, v in owner.items() if v == label), label)
    return label


@pytest.mark.parametrize("preset", list(cf.PRESETS))
def test_no_train_preset_says_seed_00x(preset):
    at = open_app("pages/train_live.py", query={"preset": preset})
    assert not any("unknown" in w.value for w in at.warning)  # the preset was opened
    assert not shorthand(rendered(at)), shorthand(rendered(at))


def test_no_train_task_says_seed_00x():
    """Every task the Train page offers, opened by its link."""
    tasks = next(b for b in open_app("pages/train_live.py").selectbox if b.label == "Task")
    opened = set()
    for task in tasks.options:
        at = open_app("pages/train_live.py", query={"task": task})
        opened.add(at.session_state["train:run"].task.name)
        assert not shorthand(rendered(at)), (task, shorthand(rendered(at)))
    assert {"sentiment", "charlm", "sine", "adding", "copy"} <= opened


def test_the_home_page_links_to_about_and_about_names_every_tutorial():
    at = open_app()
    assert any(sitemap.by_url("about").title in p.proto.label for p in at.get("page_link"))
    text = rendered(open_app("pages/about_sources.py"))
    for title, author in (
            ("Understanding Recurrent Neural Networks: A Complete Guide from Theory to Practice",
             "Mayank Sharma"),
            ("Recurrent Neural Networks (RNNs) Explained: Handling Sequential Data", None),
            ("### *Recurrent Neural Networks*", None),
            ("An Introduction to Recurrent Neural Networks for Beginners", "Victor Zhou")):
        assert title in text and (author is None or author in text), title


@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"], ["presets"]],
                         ids=" ".join)
def test_the_cli_help_does_not_say_seed_00x(argv):
    r = subprocess.run([sys.executable, "-m", "rnnviz", *argv], capture_output=True,
                       text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert len(r.stdout) > 100  # it printed the help
    assert not shorthand(r.stdout + r.stderr), shorthand(r.stdout + r.stderr)


def test_the_readme_does_not_say_seed_00x():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert not shorthand(text), shorthand(text)


def test_old_presets_are_not_offered_on_screen():
    assert not any(SHORTHAND.search(p) for p in cf.PRESETS)
    assert all(p.id == k for k, p in cf.PRESETS.items())


@pytest.mark.parametrize("old, new", list(cf.RENAMED_PRESETS.items()))
def test_an_old_preset_link_opens_the_renamed_preset_with_a_warning(old, new):
    cfg, warnings = cf.from_query({"preset": old})
    assert cfg == cf.preset_config(new)
    assert warnings == [f"preset '{old}' was renamed '{new}': use ?preset={new}"]
    at = open_app("pages/train_live.py", query={"preset": old})
    assert any(f"was renamed '{new}'" in w.value for w in at.warning)
    run = at.session_state["train:run"]
    assert run.cfg.train.optimizer == cf.preset_config(new).train.optimizer


def test_the_old_init_name_in_a_link_or_a_run_file_still_works():
    cfg, warnings = cf.from_query({"preset": "sentiment-tutorial", "init": "seed003"})
    assert cfg.model.init == "randn1000"
    assert warnings == ["init='seed003' was renamed 'randn1000': use init=randn1000"]
    old = cf.preset_config("sentiment-tutorial").to_dict()
    old["model"]["init"] = "seed003"  # a run file written before the rename
    assert cf.RunConfig.from_dict(old).model.init == "randn1000"
