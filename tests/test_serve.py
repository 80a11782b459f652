"""rnnviz.serve: the start-up work it takes off the first visitor's path."""

from __future__ import annotations

from pathlib import Path

from streamlit import delta_generator

from rnnviz import serve
from rnnviz.tasks import load_bundled_sentiment


def test_warm_streamlit_does_the_once_per_process_repl_check(monkeypatch):
    # serve calls Streamlit's private check through getattr, so that a Streamlit without
    # it still starts; this test is what notices when the warm-up stops doing anything
    assert hasattr(delta_generator, "_maybe_print_use_warning")
    monkeypatch.setattr(delta_generator, "_use_warning_has_been_displayed", False)
    serve._warm_streamlit()
    assert delta_generator._use_warning_has_been_displayed


def test_bundled_sentiment_is_read_once_and_handed_out_as_fresh_lists():
    train, test = load_bundled_sentiment()
    assert len(train) > 0 and len(test) > 0
    n = len(train)
    train.clear()  # the caller's own list
    again, _ = load_bundled_sentiment()
    assert len(again) == n and again is not train


def test_the_component_scan_it_skips_is_still_streamlits(monkeypatch):
    """serve replaces Streamlit's start-up scan for packaged components (none are used);
    if Streamlit renames it, the replacement would silently stop saving anything."""
    from streamlit.components.v2 import component_manager, manifest_scanner

    monkeypatch.setattr(manifest_scanner, "scan_component_manifests",
                        manifest_scanner.scan_component_manifests)  # restored afterwards
    source = Path(component_manager.__file__).read_text(encoding="utf-8")
    assert "scan_component_manifests()" in source  # what discover_and_register_components calls
    serve._skip_component_scan()
    assert manifest_scanner.scan_component_manifests() == []
