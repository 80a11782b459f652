"""A real browser session through the proxy: `python deploy/check_proxy.py [BASE_URL]`.

Opens BASE_URL/train (default http://127.0.0.1:8080) in Debian's Chromium, headless, and
checks what needs a working, sticky websocket behind nginx: the page renders (Streamlit
sends the whole page over /_stcore/stream), Play trains and Pause stops (messages in both
directions, a long-lived session), and a saved run uploads (PUT /_stcore/upload_file/
<session>, a plain HTTP request that must reach the process holding the session).
Prints one line per check and exits non-zero if any fails. Called by deploy/try_local.sh.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def epoch(page) -> int:
    """The Train page's Epoch (its status row is drawn by the live element)."""
    metric = page.locator(".rnnviz-metric").filter(has_text="Epoch").first
    return int(re.sub(r"\D", "", metric.locator(".rnnviz-metric-value").inner_text()))


def saved_run(folder: Path) -> Path:
    """A 3-epoch run saved in the CLI's format (what the Train page's uploader loads)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from rnnviz.train.recipes import configured, train
    from rnnviz.train.runfile import save

    return Path(save(train(configured("sine"), 3), folder / "run"))


def main(base: str) -> int:
    results: list[tuple[bool, str]] = []

    def check(ok: bool, what: str) -> None:
        results.append((ok, what))
        print(f"  browser: {'ok  ' if ok else 'FAIL'} {what}", flush=True)

    sockets: list[dict] = []

    def on_websocket(ws) -> None:
        info = {"url": ws.url, "received": 0, "sent": 0, "closed": False}
        ws.on("framereceived", lambda _f: info.__setitem__("received", info["received"] + 1))
        ws.on("framesent", lambda _f: info.__setitem__("sent", info["sent"] + 1))
        ws.on("close", lambda _w: info.__setitem__("closed", True))
        sockets.append(info)

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.on("websocket", on_websocket)
            response = page.goto(f"{base}/train", timeout=60_000)
            status = response.status if response else None
            upstream = response.headers.get("x-upstream") if response else None
            check(status == 200, f"GET {base}/train -> {status}, served by {upstream}")
            page.wait_for_selector(READY, timeout=60_000)
            body = page.inner_text("body")
            check("Train a recurrent network" in body, 'page shows "Train a recurrent network"')

            page.get_by_role("button", name="Play", exact=True).click()
            deadline = time.monotonic() + 30
            while epoch(page) < 3 and time.monotonic() < deadline:
                page.wait_for_timeout(250)
            played = epoch(page)
            page.get_by_role("button", name="Pause", exact=True).click()
            page.wait_for_selector(READY, timeout=30_000)
            page.wait_for_timeout(800)
            paused_at = epoch(page)
            page.wait_for_timeout(1500)
            check(played >= 3 and epoch(page) == paused_at,
                  f"Play trained (epoch {played} when looked at), Pause stopped it at {paused_at}")

            page.get_by_text("Save, export, load").click()
            upload = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
            upload.set_input_files(str(saved_run(Path(tmp))))
            page.wait_for_selector("text=Loaded run.npz", timeout=30_000)
            page.wait_for_selector(READY, timeout=30_000)
            check(epoch(page) == 3, "a saved run uploaded through the proxy and loaded")

            errors = page.query_selector_all('[data-testid="stException"]')
            check(not errors, f"no stException on the page ({len(errors)} found)")
            streams = [s for s in sockets if "/_stcore/stream" in s["url"]]
            check(len(streams) == 1 and not streams[0]["closed"]
                  and streams[0]["received"] > 0 and streams[0]["sent"] > 0,
                  "one websocket, never dropped: " + "; ".join(
                      f"{s['url']} sent {s['sent']} received {s['received']} frames"
                      f"{' (closed)' if s['closed'] else ''}" for s in streams))
        except Exception as exc:  # a timeout or a missing element: report, don't trace
            check(False, f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
        finally:
            browser.close()
    return 0 if results and all(ok for ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"))
