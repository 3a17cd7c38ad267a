"""The browser page and GraphiQL render real data in headless Chromium with no internet.

They need Debian's chromium: ``make browser`` installs it (apt-get, as root) and .ci/run calls it
before ``make test``; ``make test`` itself installs nothing, so on a machine without it these tests
skip with the reason shown.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser")
CHROMIUM = next(filter(None, map(shutil.which, CHROMIUM_NAMES)), None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason=f"no {' or '.join(CHROMIUM_NAMES)} on PATH (Debian's is /usr/bin/chromium): install it with `make browser` "
    "(runs `apt-get install chromium` as root)",
)

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=8000",
    "--window-size=1280,900",
    # the network is "off": every host except the local server resolves nowhere
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def _chromium(url: str, *extra: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *extra, url],
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
    return result.stdout


def test_concept_page_renders_real_data(server_url: str, tmp_path: Path) -> None:
    dom = _chromium(f"{server_url}/#/concept/grouped-query-attention", "--dump-dom")
    assert 'id="concept"' in dom
    assert "Grouped-Query Attention" in dom and "Ainslie" in dom and "Mistral 7B" in dom
    assert "Errata" in dom
    shot = tmp_path / "concept.png"
    _chromium(f"{server_url}/#/concept/grouped-query-attention", f"--screenshot={shot}")
    assert shot.exists() and shot.stat().st_size > 10_000


def test_search_page_finds_typos(server_url: str) -> None:
    dom = _chromium(f"{server_url}/#/search/layernrom", "--dump-dom")
    assert "Layer Normalization" in dom


def test_graphiql_renders_offline(server_url: str, tmp_path: Path) -> None:
    dom = _chromium(f"{server_url}/graphql", "--dump-dom")
    assert "graphiql-container" in dom
    assert "compatiblePairs" in dom  # the prefilled example query
    shot = tmp_path / "graphiql.png"
    _chromium(f"{server_url}/graphql", f"--screenshot={shot}")
    assert shot.exists() and shot.stat().st_size > 10_000


# The concept page's layout, measured in the page over Chrome's DevTools protocol (imports kept here: this block was
# added at the end of the file while the top was being edited elsewhere).
LAYOUT_PROBE = """(() => {
  const graph = document.getElementById("graph"), formula = document.querySelector("#concept .formula");
  if (!graph || !formula || !window.nnvGraph) return null;
  const box = graph.getBoundingClientRect(), card = document.getElementById("concept").getBoundingClientRect();
  return { graphTop: box.top, graphBottom: box.bottom, graphLeft: box.left, cardRight: card.right,
           formulaScroll: formula.scrollWidth, formulaClient: formula.clientWidth,
           pageScroll: document.documentElement.scrollWidth, viewportWidth: innerWidth, viewportHeight: innerHeight };
})()"""


def _group_alive(group: int) -> bool:
    import os
    import signal

    try:
        os.killpg(group, signal.SIGKILL)  # also reaches a helper that was forked while the group was being killed
    except ProcessLookupError:
        return False
    return True


def _layout(url: str, width: int, height: int) -> dict[str, float]:
    """:data:`LAYOUT_PROBE` on ``url`` in a ``width`` × ``height`` viewport (a phone's below 600 px), once the graph is drawn."""
    import itertools
    import json
    import os
    import signal
    import time

    import httpx
    from websockets.sync.client import connect

    from tests.conftest import wait_until

    flags = [flag for flag in FLAGS if not flag.startswith(("--virtual-time-budget", "--window-size"))]
    with tempfile.TemporaryDirectory() as profile:
        command = [str(CHROMIUM), *flags, f"--user-data-dir={profile}", "--remote-debugging-port=0", f"--window-size={width},{height}"]
        browser = subprocess.Popen([*command, "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            active = Path(profile) / "DevToolsActivePort"
            wait_until(active.exists, "chromium's DevTools endpoint", attempts=600)
            targets = httpx.get(f"http://127.0.0.1:{active.read_text().split()[0]}/json/list", timeout=10).json()
            with connect(next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"], max_size=None) as devtools:
                ids = itertools.count(1)

                def call(method: str, **params: object) -> dict[str, object]:
                    ident = next(ids)
                    devtools.send(json.dumps({"id": ident, "method": method, "params": params}))
                    while True:  # events come in between; each recv waits at most 30 s
                        message = json.loads(devtools.recv(timeout=30))
                        if message.get("id") == ident:
                            return dict(message.get("result", {}))

                # mobile=False: a phone-sized window without mobile auto-zoom, so an overflow shows as pageScroll > width
                call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
                call("Page.navigate", url=url)
                for _ in range(300):  # the page queries /graphql twice, then draws the graph: at most ~30 s
                    value = call("Runtime.evaluate", expression=LAYOUT_PROBE, returnByValue=True)["result"]
                    if isinstance(value, dict) and value.get("value"):
                        return dict(value["value"])
                    time.sleep(0.1)
        finally:  # the browser and its helper processes (its own process group), before the profile goes
            os.killpg(browser.pid, signal.SIGKILL)
            browser.wait(timeout=30)
            wait_until(lambda: not _group_alive(browser.pid), "the end of chromium's helper processes", attempts=200)
    pytest.fail(f"the concept page at {url} did not draw its graph")


@pytest.mark.parametrize(
    ("concept", "width", "height"),
    [("adan", 1280, 800), ("adamw", 1280, 800), ("adan", 390, 844), ("adamw", 390, 844), ("llama", 390, 844)],
)
def test_concept_page_fits_formula_and_graph_in_view(server_url: str, concept: str, width: int, height: int) -> None:
    layout = _layout(f"{server_url}/#/concept/{concept}", width, height)
    assert (layout["viewportWidth"], layout["viewportHeight"]) == (width, height)
    assert layout["formulaScroll"] <= layout["formulaClient"]  # wraps inside its box (Adan's is 238 characters)
    assert layout["pageScroll"] <= width  # nothing overflows the page sideways
    if width >= 1000:  # the graph beside the card, wholly in the first screen
        assert layout["graphLeft"] >= layout["cardRight"] and layout["graphBottom"] <= height
