"""The report in a real browser (Debian's chromium, headless): it renders, its figures are the
records', hostile text from a data source stays text (no element, attribute or script of its
own; the title unchanged), and opening it makes no network request.

The report is made by the CLI from a job table on moto holding known records. Chromium reads it
from a file with every request sent to a proxy on loopback that records what reaches it (and a
resolver that resolves nothing), so a fetch would be seen, not merely fail. The screenshot is
kept at .artifacts/report.png (git-ignored) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import struct
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from moto import mock_aws

from sync_auditor_cli.main import main
from tests.cli.report_support import (
    EXFIL,
    HOSTILE_STRINGS,
    RANGE_START,
    REPORT_HISTORY,
    REPORT_TABLE,
    TITLE,
    Dom,
    expected_figures,
    read_dom,
    unsafe_parts,
)
from tests.cli.support import NOW, record_history
from tests.conftest import FAKE_AWS_ENV

ARTIFACTS = Path(__file__).parents[2] / ".artifacts"
SCREENSHOT = ARTIFACTS / "report.png"
WINDOW = (1280, 1600)
INSTALL = (
    "chromium is not installed; this test needs Debian's headless browser: run `make chromium` "
    "(as root: apt-get update && apt-get install -y --no-install-recommends chromium), "
    "which `make test` does first"
)
# A hung browser fails the test instead of stalling the suite; a render takes ~2 s here.
TIMEOUT_SECONDS = 90
# Headless chromium still calls home (sign-in and a preconnect to www.google.com) whatever the
# flags: those requests are the browser's, not the page's, which mentions no such host (the
# render tests find no URL in the page at all).
BROWSER_OWN = (".google.com",)


class Proxy:
    """A loopback listener set as chromium's proxy: it records the first bytes of every
    connection (the request line: CONNECT host:443 or GET http://host/...) and answers none."""

    def __init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self.requests: list[bytes] = []
        self.idle_connections = 0
        self.handled = threading.Semaphore(0)  # released once per connection read
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._server.accept()
            except OSError:  # closed: the browser has exited
                return
            with connection:
                connection.settimeout(5)
                try:
                    first = connection.recv(4096)
                except OSError:
                    first = b""
                # Chromium opens spare sockets to its proxy ahead of need and closes the unused
                # ones at exit: a connection that never sent a request line asked for nothing.
                if first:
                    self.requests.append(first)
                else:
                    self.idle_connections += 1
            self.handled.release()

    def close(self) -> list[str]:
        """The hosts asked for, one per connection (the request line's target)."""
        self._server.close()
        self._thread.join(timeout=10)
        return [_host(request) for request in self.requests]


def _host(request: bytes) -> str:
    """CONNECT host:443 HTTP/1.1 or GET http://host/path HTTP/1.1 -> host."""
    target = [*request.split(b" "), b"", b""][1].decode("latin-1")
    return target.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0] or repr(request[:80])


def chromium_binary() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(INSTALL, pytrace=False)
    return path


def run_chromium(binary: str, profile: Path, proxy: Proxy, *action: str) -> str:
    """One headless run; returns its stdout. Its whole process group goes on a timeout, since
    chromium's helpers outlive a killed parent."""
    argv = [
        binary,
        "--headless",
        "--disable-gpu",
        "--no-sandbox",  # CI runs as root, where chromium's sandbox refuses to start
        f"--user-data-dir={profile}",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        "--disable-domain-reliability",
        "--disable-client-side-phishing-detection",
        "--no-pings",
        "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,Translate",
        f"--proxy-server=http://127.0.0.1:{proxy.port}",
        "--proxy-bypass-list=<-loopback>",  # even loopback goes to the proxy
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",  # but the proxy
        "--virtual-time-budget=3000",  # let any timer an injected script set fire
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        *action,
    ]
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = process.communicate(timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"chromium did not finish within {TIMEOUT_SECONDS} s: {' '.join(argv)}")
    assert process.returncode == 0, f"chromium exited {process.returncode}: {err[-2000:]}"
    return out


@dataclass(frozen=True)
class Rendered:
    dom: Dom
    expected: dict[str, dict[str, str]]
    requests: list[str]  # the host of each request that reached the proxy


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rendered]:
    binary = chromium_binary()
    work = tmp_path_factory.mktemp("report")
    page = work / "report.html"
    # Given: the job table holds known records, hostile text in names, codes and messages.
    # (Module-wide, so before the per-test fake_aws: the same fake credentials and region here.)
    with pytest.MonkeyPatch.context() as env, mock_aws():
        for name, value in FAKE_AWS_ENV.items():
            env.setenv(name, value)
        records = record_history(REPORT_TABLE, REPORT_HISTORY)
        # When: the CLI writes the report of the last 7 days.
        code = main(["report", "--table", REPORT_TABLE, "--out", str(page)], clock=lambda: NOW)
    assert code == 0
    in_range = [r for r in records.values() if r["startTime"] >= RANGE_START]

    ARTIFACTS.mkdir(exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    shutil.copyfile(page, ARTIFACTS / "report.html")
    proxy = Proxy()
    try:
        dumped = run_chromium(binary, work / "profile", proxy, "--dump-dom", page.as_uri())
        run_chromium(binary, work / "profile", proxy, f"--screenshot={SCREENSHOT}", page.as_uri())
    finally:
        requests = proxy.close()
    yield Rendered(read_dom(dumped), expected_figures(in_range), requests)


def test_the_page_renders_with_the_records_figures(rendered: Rendered) -> None:
    dom = rendered.dom

    assert dom.title == TITLE
    assert "Data sources, worst first" in dom.text
    assert set(dom.figures) == set(rendered.expected)
    for key, figures in rendered.expected.items():
        assert {name: dom.figures[key][name] for name in figures} == figures
    # The fleet's totals are the sums of the same records.
    assert dom.fleet["sources"] == str(len(rendered.expected))
    for name in ("jobs", "finished", "failures", "documents-failed"):
        assert dom.fleet[name] == str(sum(int(f[name]) for f in rendered.expected.values()))


def test_hostile_text_is_only_text_in_the_browsers_dom(rendered: Rendered) -> None:
    dom = rendered.dom

    # Then: no element, handler or link came from the records, and no script changed the title.
    assert unsafe_parts(dom) == []
    assert dom.title == TITLE and "pwned" not in dom.title
    for hostile in HOSTILE_STRINGS:
        assert hostile in dom.text


def test_opening_the_report_makes_no_network_request(rendered: Rendered) -> None:
    assert not [t for t, a in rendered.dom.elements if t in ("base", "link", "script", "img")]
    assert EXFIL not in rendered.requests
    assert [host for host in rendered.requests if not host.endswith(BROWSER_OWN)] == []


def test_the_screenshot_shows_the_page(rendered: Rendered) -> None:
    data = SCREENSHOT.read_bytes()

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert (width, height) == WINDOW
    # A blank or error page compresses to a few KB; tables, text and timelines do not.
    assert len(data) > 30_000


def test_the_proxy_takes_a_spare_connection_for_no_request() -> None:
    # Given the recording proxy, one connection that sends a request and one that sends nothing
    proxy = Proxy()
    with socket.create_connection(("127.0.0.1", proxy.port)) as asking:
        asking.sendall(b"CONNECT exfil.example:443 HTTP/1.1\r\n\r\n")
    with socket.create_connection(("127.0.0.1", proxy.port)):
        pass

    # When both are read and the browser is done
    assert all(proxy.handled.acquire(timeout=10) for _ in range(2))
    hosts = proxy.close()

    # Then the request is recorded and the spare connection is not a request
    assert hosts == ["exfil.example"]
    assert proxy.idle_connections == 1
