"""fetch_file for Met recorded crime against a real HTTP server on 127.0.0.1, scripted per test.

No mocks of urllib: each test starts a ThreadingHTTPServer on an ephemeral port whose handler
plays back a list of replies (status, headers, body, and misbehaviour such as closing the
connection half-way), so the retry, truncation and atomic-landing logic is exercised through the
same http.client code paths a real download uses. Sleeps are recorded, never taken. Every
body served as a good file is in a real MPS layout, so the source's own parser (the contract the
loader applies) accepts it; expected releases and digests come from those bodies (hashlib, the
last month column), not from the code under test.
"""

from __future__ import annotations

import hashlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from orchestration.landing.download import DownloadError, DownloadResult, fetch_file
from orchestration.sources.met_recorded_crime import SOURCE
from tests.support.http_server import running

HEADER = "MajorText,MinorText,LookUp_BoroughName,202104,202105\r\n"
ROWS = [
    "Burglary,Burglary - Residential,Barnet,101,97\r\n",
    "Theft,Shoplifting,Barnet,88,93\r\n",
]
MPS_BODY = (HEADER + "".join(ROWS)).encode("utf-8")
# Big enough that byte counts in messages carry a thousands separator ("1,234 of 5,678").
LARGE_MPS_BODY = (HEADER + "".join(ROWS * 40)).encode("utf-8")
HTML_ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>Service unavailable</title></head>"
    b"<body><h1>Sorry, the datastore is down for maintenance</h1></body></html>\n"
)


@dataclass
class Reply:
    """One scripted response.

    Attributes:
        status: HTTP status code.
        body: bytes written after the headers.
        headers: extra response headers.
        content_length: the Content-Length to announce; defaults to len(body). Announcing more
            than is sent, then closing, is a transfer cut off half-way.
        chunked_cut: send the body with Transfer-Encoding: chunked, announce the first chunk at
            twice its real size, and close mid-chunk.
        delay: seconds to wait before answering (to trip the client's timeout).
    """

    status: int = 200
    body: bytes = MPS_BODY
    headers: dict[str, str] = field(default_factory=dict)
    content_length: int | None = None
    chunked_cut: bool = False
    delay: float = 0.0


class ScriptedServer(ThreadingHTTPServer):
    """An HTTP server that answers request n with reply n (the last reply repeats)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ScriptedHandler)
        self.replies: list[Reply] = [Reply()]
        self.paths: list[str] = []
        self._lock = threading.Lock()

    def script(self, *replies: Reply) -> None:
        self.replies = list(replies)

    def url(self, path: str = "/data/MPS_Borough_Level_Crime.csv") -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}{path}"

    @property
    def requests(self) -> int:
        return len(self.paths)

    def next_reply(self, path: str) -> Reply:
        with self._lock:
            index = min(len(self.paths), len(self.replies) - 1)
            self.paths.append(path)
            return self.replies[index]

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that timed out and hung up makes the late handler's write fail; expected here.
        pass


class _ScriptedHandler(BaseHTTPRequestHandler):
    server: ScriptedServer

    def do_GET(self) -> None:
        reply = self.server.next_reply(self.path)
        if reply.delay:
            time.sleep(reply.delay)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.chunked_cut:
            half = len(reply.body) // 2
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            # Announce a chunk of the whole body, send half of it, then hang up.
            self.wfile.write(f"{len(reply.body):x}\r\n".encode() + reply.body[:half])
        else:
            length = len(reply.body) if reply.content_length is None else reply.content_length
            self.send_header("Content-Length", str(length))
            self.end_headers()
            self.wfile.write(reply.body)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with running(ScriptedServer()) as httpd:
        yield httpd


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    # Not created: fetch_file must create it, as a fresh checkout has no raw/ tree.
    return tmp_path / "raw" / "met" / "recorded_crime"


class SleepRecorder:
    """Stands in for time.sleep: records the delays asked for and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def listing(directory: Path) -> list[str]:
    """Every entry in directory, dotfiles included (a leftover .part file must show up)."""
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def fetch(
    server: ScriptedServer, dest: Path, url: str | None = None, **kwargs: object
) -> DownloadResult:
    """fetch_file for the Met source with test defaults: sleeps recorded, a short timeout."""
    kwargs.setdefault("sleep", SleepRecorder())
    kwargs.setdefault("timeout_seconds", 5.0)
    return fetch_file(SOURCE, url or server.url(), dest, **kwargs)  # type: ignore[arg-type]


def test_a_good_file_lands_with_its_url_name_content_and_sha256_and_no_part_file(
    server: ScriptedServer, dest: Path
) -> None:
    result = fetch(server, dest)

    assert isinstance(result, DownloadResult)
    assert result.path == dest / "MPS_Borough_Level_Crime.csv"
    assert result.path.read_bytes() == MPS_BODY
    assert result.sha256 == hashlib.sha256(MPS_BODY).hexdigest()
    assert result.bytes == len(MPS_BODY)
    assert result.release.label == "2021-05"
    assert result.release.last_period == date(2021, 5, 1)
    assert result.attempts == 1
    assert result.changed is True
    assert listing(dest) == ["MPS_Borough_Level_Crime.csv"]


def test_downloading_the_same_file_again_reports_unchanged_and_does_not_rewrite_it(
    server: ScriptedServer, dest: Path
) -> None:
    first = fetch(server, dest)
    before = first.path.stat()
    time.sleep(0.01)  # so a rewrite would show in mtime_ns even on coarse clocks

    second = fetch(server, dest)

    after = second.path.stat()
    assert second.changed is False
    assert second.path == first.path
    assert second.sha256 == first.sha256
    assert (after.st_mtime_ns, after.st_ino) == (before.st_mtime_ns, before.st_ino)
    assert listing(dest) == ["MPS_Borough_Level_Crime.csv"]
    assert server.requests == 2


def test_a_changed_file_of_the_same_name_replaces_the_old_copy(
    server: ScriptedServer, dest: Path
) -> None:
    fetch(server, dest)
    newer = MPS_BODY.replace(b"101,97", b"101,98")
    server.script(Reply(body=newer))

    result = fetch(server, dest)

    assert result.changed is True
    assert result.path.read_bytes() == newer
    assert result.sha256 == hashlib.sha256(newer).hexdigest()
    assert listing(dest) == ["MPS_Borough_Level_Crime.csv"]


def test_two_503s_then_a_200_succeeds_on_the_third_attempt_with_growing_backoff(
    server: ScriptedServer, dest: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server.script(Reply(status=503, body=b"busy"), Reply(status=503, body=b"busy"), Reply())
    sleep = SleepRecorder()

    with caplog.at_level(logging.INFO, logger="orchestration.landing.download"):
        result = fetch(server, dest, sleep=sleep, backoff_seconds=0.5)

    assert result.attempts == 3
    assert result.path.read_bytes() == MPS_BODY
    assert server.requests == 3
    assert sleep.delays == [0.5, 1.0]
    assert sleep.delays[1] > sleep.delays[0]
    retries = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(retries) == 2 and all("HTTP 503" in m for m in retries)
    attempts_logged = [r.getMessage() for r in caplog.records if "attempt" in r.getMessage()]
    assert any("attempt 3 of 4" in m for m in attempts_logged)
    assert listing(dest) == ["MPS_Borough_Level_Crime.csv"]


def test_backoff_is_capped_and_a_429_retry_after_is_honoured(
    server: ScriptedServer, dest: Path
) -> None:
    server.script(
        Reply(status=429, body=b"slow down", headers={"Retry-After": "7"}),
        Reply(status=500, body=b"oops"),
        Reply(status=500, body=b"oops"),
        Reply(),
    )
    sleep = SleepRecorder()

    result = fetch(server, dest, sleep=sleep, backoff_seconds=40.0)

    assert result.attempts == 4
    # 7 from Retry-After; then 40 * 2 = 80 and 40 * 4 = 160, both capped at 60.
    assert sleep.delays == [7.0, 60.0, 60.0]


def test_a_server_that_always_returns_500_fails_naming_the_url_and_status_and_writes_nothing(
    server: ScriptedServer, dest: Path
) -> None:
    dest.mkdir(parents=True)
    existing = dest / "MPS_Borough_Level_Crime.csv"
    existing.write_bytes(b"an older copy the loader has already seen\n")
    before = existing.stat()
    server.script(Reply(status=500, body=b"Internal Server Error"))
    sleep = SleepRecorder()

    with pytest.raises(DownloadError) as caught:
        fetch(server, dest, sleep=sleep, attempts=3, backoff_seconds=0.1)

    message = str(caught.value)
    assert server.url() in message
    assert "HTTP 500" in message
    assert "after 3 attempts" in message
    assert "Nothing was written" in message
    assert caught.value.status == 500 and caught.value.attempts == 3
    assert server.requests == 3
    assert sleep.delays == [0.1, 0.2]
    assert listing(dest) == ["MPS_Borough_Level_Crime.csv"]
    assert existing.read_bytes() == b"an older copy the loader has already seen\n"
    assert existing.stat().st_mtime_ns == before.st_mtime_ns


def test_a_download_cut_off_half_way_leaves_nothing_in_raw(
    server: ScriptedServer, dest: Path
) -> None:
    half = LARGE_MPS_BODY[: len(LARGE_MPS_BODY) // 2]
    server.script(Reply(body=half, content_length=len(LARGE_MPS_BODY)))

    with pytest.raises(DownloadError) as caught:
        fetch(server, dest, attempts=2, backoff_seconds=0.1)

    message = str(caught.value)
    assert f"connection closed after {len(half):,} of {len(LARGE_MPS_BODY):,} bytes" in message
    assert "," in f"{len(half):,}"  # the counts really are big enough to be formatted
    assert server.url() in message
    assert "Nothing was written" in message
    # A cut-off transfer is transient, so it was retried before giving up.
    assert server.requests == 2
    assert dest.is_dir() and listing(dest) == []


def test_a_chunked_download_cut_off_mid_chunk_is_detected_too(
    server: ScriptedServer, dest: Path
) -> None:
    server.script(Reply(body=LARGE_MPS_BODY, chunked_cut=True))

    with pytest.raises(DownloadError) as caught:
        fetch(server, dest, attempts=1)

    assert "connection closed after" in str(caught.value)
    assert "in the middle of a chunk" in str(caught.value)
    assert listing(dest) == []


def test_a_404_fails_at_once_without_retrying(server: ScriptedServer, dest: Path) -> None:
    server.script(Reply(status=404, body=b"Not Found"))
    sleep = SleepRecorder()

    with pytest.raises(DownloadError) as caught:
        fetch(server, dest, sleep=sleep)

    assert "HTTP 404" in str(caught.value)
    assert "not retried" in str(caught.value)
    assert server.url() in str(caught.value)
    assert caught.value.attempts == 1
    assert server.requests == 1
    assert sleep.delays == []
    assert listing(dest) == []


def test_an_html_error_page_served_with_200_is_rejected_and_nothing_is_written(
    server: ScriptedServer, dest: Path
) -> None:
    server.script(Reply(body=HTML_ERROR_PAGE, headers={"Content-Type": "text/html"}))
    sleep = SleepRecorder()

    with pytest.raises(DownloadError) as caught:
        fetch(server, dest, sleep=sleep)

    message = str(caught.value)
    assert f"the content is not a valid {SOURCE.title} file: file: " in message
    assert "HTML" in message
    assert "<!DOCTYPE html>" in message  # shows what was served instead
    assert server.url() in message
    assert server.requests == 1 and sleep.delays == []  # the same page would come back
    assert listing(dest) == []


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (
            b"MajorText,MinorText,LookUp_BoroughName\r\nBurglary,Burglary - Residential,Barnet\r\n",
            "header",
        ),
        (
            b"MajorText,MinorText,LookUp_BoroughName,Total\r\n"
            b"Burglary,Burglary - Residential,Barnet,1\r\n",
            "header, column 4 ('Total')",
        ),
    ],
    ids=["key columns only", "a total instead of months"],
)
def test_a_csv_without_month_columns_is_rejected(
    server: ScriptedServer, dest: Path, body: bytes, where: str
) -> None:
    server.script(Reply(body=body))
    sleep = SleepRecorder()

    with pytest.raises(DownloadError) as caught:
        fetch(server, dest, sleep=sleep)

    message = str(caught.value)
    assert f"the content is not a valid {SOURCE.title} file: {where}: " in message
    assert "YYYYMM" in message
    assert server.requests == 1 and sleep.delays == []  # a contract failure is not retried
    assert listing(dest) == []


def test_content_that_is_not_utf8_is_rejected(server: ScriptedServer, dest: Path) -> None:
    latin1 = (HEADER + "Burglary,Caf\xe9 burglary,Barnet,1,2\r\n").encode("latin-1")
    server.script(Reply(body=latin1))

    with pytest.raises(DownloadError) as caught:
        fetch(server, dest)

    offset = latin1.index(b"\xe9")
    assert f": byte {offset}: the file must be UTF-8 text" in str(caught.value)
    assert listing(dest) == []


@pytest.mark.parametrize(
    ("body", "release"),
    [
        (
            "Borough,Major Category,Minor Category,201811,201812\r\n"
            "Barnet,Burglary,Burglary in a Dwelling,180,201\r\n",
            "2018-12",
        ),
        (
            "MajorText,MinorText,BoroughName,202209,202210\r\n"
            "BURGLARY,BURGLARY IN A DWELLING,Barnet,140,151\r\n",
            "2022-10",
        ),
    ],
    ids=["pre-2019 layout", "CONNECT 2024 layout"],
)
def test_every_real_layout_and_a_utf8_bom_are_accepted(
    server: ScriptedServer, dest: Path, body: str, release: str
) -> None:
    data = ("\ufeff" + body).encode("utf-8")
    server.script(Reply(body=data))

    result = fetch(server, dest)

    assert result.release.label == release
    assert result.path.read_bytes() == data  # landed byte for byte, BOM kept
    assert result.sha256 == hashlib.sha256(data).hexdigest()


def test_the_name_comes_from_content_disposition_reduced_to_a_basename(
    server: ScriptedServer, dest: Path
) -> None:
    server.script(
        Reply(headers={"Content-Disposition": 'attachment; filename="../../../.MPS Crime.csv"'})
    )

    result = fetch(server, dest, url=server.url("/download/whatever.csv"))

    # Directory parts and leading dots are dropped: the file stays in dest and stays visible.
    assert result.path == dest / "MPS Crime.csv"
    assert listing(dest) == ["MPS Crime.csv"]
    assert listing(dest.parent) == ["recorded_crime"]


def test_without_a_csv_name_the_file_is_named_after_its_release_month(
    server: ScriptedServer, dest: Path
) -> None:
    result = fetch(server, dest, url=server.url("/download?id=1234"))

    assert result.path == dest / "MPS_Borough_Level_Crime_202105.csv"
    assert result.release.label == "2021-05"
    assert listing(dest) == ["MPS_Borough_Level_Crime_202105.csv"]


def test_a_server_that_does_not_answer_in_time_fails_with_a_timeout(
    server: ScriptedServer, dest: Path
) -> None:
    server.script(Reply(delay=0.6))
    sleep = SleepRecorder()

    with pytest.raises(DownloadError) as caught:
        fetch(server, dest, sleep=sleep, attempts=2, timeout_seconds=0.2, backoff_seconds=0.1)

    assert "timed out after 0.2s" in str(caught.value)
    assert "after 2 attempts" in str(caught.value)
    assert sleep.delays == [0.1]
    assert listing(dest) == []


def test_a_refused_connection_is_retried_then_reported(dest: Path) -> None:
    # A port that was free a moment ago and has nothing listening on it now.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/MPS.csv"
    sleep = SleepRecorder()

    with pytest.raises(DownloadError) as caught:
        fetch_file(SOURCE, url, dest, attempts=3, backoff_seconds=0.1, sleep=sleep)

    assert url in str(caught.value)
    assert "connection failed" in str(caught.value)
    assert sleep.delays == [0.1, 0.2]
    assert listing(dest) == []


def test_a_served_name_of_a_type_the_source_does_not_accept_is_passed_over(
    server: ScriptedServer, dest: Path
) -> None:
    # The loader would refuse an .xlsx in a .csv source, so the CSV body is not landed as one.
    server.script(Reply(headers={"Content-Disposition": 'attachment; filename="MPS Crime.xlsx"'}))

    result = fetch(server, dest, url=server.url("/download/MPS%20Crime.xlsx"))

    assert result.path == dest / "MPS_Borough_Level_Crime_202105.csv"
    assert listing(dest) == ["MPS_Borough_Level_Crime_202105.csv"]
