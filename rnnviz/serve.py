"""Start the app: `python -m rnnviz.serve [streamlit options]` (what scripts/run.sh runs).

Same as `streamlit run app.py`, with one fix. Streamlit decides once per process whether a
folder named pages/ beside the entry script is a legacy multipage folder, and only learns
otherwise when app.py first calls st.navigation. Until then the very first visitor of a
fresh server who opens a deep link such as /train gets a "Page not found" dialog. This
entry point declares up front that the app navigates with st.navigation. For a shorter
cold start it skips Streamlit's scan of the installed packages for components, and imports
the app's modules in the background while the browser loads the page.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app.py"


def _warm_up() -> None:
    """Import what the first page run needs while the browser loads Streamlit's frontend,
    so the first visitor does not wait for these imports. It starts once the server's
    runtime is up: importing during the server's own start-up (same GIL) delayed its first
    health answer by ~0.35 s."""
    import time

    from streamlit.runtime import Runtime, RuntimeState

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (
            Runtime.exists() and Runtime.instance().state != RuntimeState.INITIAL):
        time.sleep(0.02)
    import rnnviz.lessons.training  # noqa: F401  (numpy, pandas, plotly and the figures)
    import rnnviz.train.run  # noqa: F401
    import rnnviz.ui.player  # noqa: F401  (app.py's imports)
    from rnnviz.tasks import load_bundled_sentiment

    load_bundled_sentiment()  # the default preset's data, read once per process
    _warm_streamlit()


def _warm_streamlit() -> None:
    """Streamlit's own once-per-process work in a first script run (~80 ms measured)."""
    import streamlit.emojis  # noqa: F401  (set_page_config's page_icon check: a big regex)
    from streamlit import delta_generator

    # It looks whether it runs in a REPL, with inspect.stack(), on the first element any
    # script sends: done here, where no visitor waits for it.
    getattr(delta_generator, "_maybe_print_use_warning", lambda: None)()


def _skip_component_scan() -> None:
    """Streamlit reads the metadata of every installed package at start-up, looking for
    packaged components: 0.15 s of the start in the app's .venv, and it finds none. rnnviz's
    one component is declared in code (ui/livechart.py) and needs no scan."""
    from streamlit.components.v2 import manifest_scanner

    manifest_scanner.scan_component_manifests = lambda max_workers=None: []


def main(argv: list[str] | None = None) -> int:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False  # app.py navigates with st.navigation
    _skip_component_scan()
    threading.Thread(target=_warm_up, name="rnnviz-warm-up", daemon=True).start()
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
