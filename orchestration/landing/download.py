"""Download a source's latest file into its landing folder, safely.

Publishers put files at URLs we do not control, over networks we do not control. Everything
downstream trusts that a file in a landing folder is complete, so this module only ever puts a
file there once it has arrived in full, meets the source's contract (its own parser reads it)
and is on disk; a failed or partial download leaves the folder exactly as it was.

How that is guaranteed:

* The body is streamed into a hidden temporary file (`.<name>.part`) in the destination directory,
  so file scanners that skip dotfiles never see it and the final `os.replace` is a same-filesystem,
  atomic rename.
* The byte count is checked against Content-Length (urllib's `read(n)` silently returns short on a
  dropped connection, so the check cannot be left to it), the source's parser reads the whole
  file (the same contract the loader applies), and the file is fsynced before it is renamed into
  place.
* Transient failures (connection errors, timeouts, a cut-off transfer, HTTP 5xx and 429) are
  retried with exponential backoff; other 4xx responses and content that breaks the contract are
  not, because asking again will not change the answer.
"""

from __future__ import annotations

import dataclasses
import email.utils
import hashlib
import http.client
import logging
import os
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from orchestration.landing.contract import ContractError, sha256_of
from orchestration.landing.source import Release, Source

__all__ = ["DownloadError", "DownloadResult", "fetch_file"]

_LOG = logging.getLogger(__name__)

# Never wait longer than this between attempts, whatever the backoff or Retry-After says: a
# scheduled run that sleeps for an hour is worse than one that fails and is retried next tick.
MAX_BACKOFF_SECONDS = 60.0

_CHUNK_BYTES = 1024 * 1024
_USER_AGENT = "safer-communities-pipeline/0.1 (+open data download)"


class DownloadError(RuntimeError):
    """A download that did not produce a file; nothing was written to the destination directory.

    Attributes:
        url: the URL that was requested.
        reason: what went wrong on the last attempt, e.g. "server returned HTTP 503".
        attempts: how many requests were made.
        status: the HTTP status of the last response, if the server sent one.
    """

    def __init__(
        self, message: str, *, url: str, reason: str, attempts: int, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.url = url
        self.reason = reason
        self.attempts = attempts
        self.status = status


@dataclass(frozen=True)
class DownloadResult:
    """The file in the destination directory after a successful download.

    Attributes:
        path: the file's final path.
        sha256: hex SHA-256 of the file's bytes.
        bytes: the file's size.
        release: the file's release, as its parser reads it.
        attempts: how many requests it took.
        changed: False if a file of that name with identical bytes was already there (and was left
            untouched), True if the file was created or replaced.
    """

    path: Path
    sha256: str
    bytes: int
    release: Release
    attempts: int
    changed: bool


class _Transient(Exception):
    """A failure worth another attempt (connection, timeout, cut-off transfer, 5xx, 429)."""

    def __init__(
        self, reason: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


class _Permanent(Exception):
    """A failure that another attempt will not fix (other 4xx, a broken contract, local disk)."""

    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class _Fetched:
    """A complete, validated body sitting in a temporary file."""

    tmp_path: Path
    sha256: str
    size: int
    release: Release
    disposition_name: str | None


def fetch_file(
    source: Source,
    url: str,
    dest_dir: Path,
    *,
    attempts: int = 4,
    backoff_seconds: float = 2.0,
    timeout_seconds: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
    log: logging.Logger | None = None,
) -> DownloadResult:
    """Download a file of `source` into `dest_dir`, atomically, with retries.

    The file is named from Content-Disposition (basename only), else from the URL path if that
    ends in a type the source accepts, else from the source's `download_name` and the release.
    A file of that name with identical bytes is left untouched (`changed=False`); one with
    different bytes is replaced atomically, because raw/ keeps the latest copy of a named file and
    the loader keeps the history by hash.

    Args:
        source: whose file this is: its parser checks the content, its file types name it.
        url: where to download from (http or https).
        dest_dir: the landing directory; created if missing.
        attempts: total number of requests to make before giving up on transient failures.
        backoff_seconds: the wait after the first failed attempt; doubled after each further one,
            capped at `MAX_BACKOFF_SECONDS`. A Retry-After header in seconds takes precedence.
        timeout_seconds: socket timeout for connecting and for each read (not the whole transfer,
            which for a large file on a slow link may legitimately take longer).
        sleep: how to wait between attempts; tests pass a recorder.
        log: where attempts and retries are logged; defaults to this module's logger.

    Returns:
        What landed (or was already there) and how many attempts it took.

    Raises:
        DownloadError: the download failed; the message names the URL, what happened and that
            nothing was written. The temporary file has been removed and dest_dir is unchanged.
        ValueError: `attempts` is less than 1.
    """
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts}")
    logger = log if log is not None else _LOG
    dest_dir = Path(dest_dir)

    def fail(reason: str, made: int, status: int | None, note: str) -> DownloadError:
        message = f"Could not download {url}: {reason} ({note}). Nothing was written to {dest_dir}."
        logger.error("%s", message)
        return DownloadError(message, url=url, reason=reason, attempts=made, status=status)

    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = f"could not create the destination directory: {exc}"
        raise fail(reason, 0, None, "no attempt made") from exc

    for attempt in range(1, attempts + 1):
        logger.info("Downloading %s (attempt %d of %d)", url, attempt, attempts)
        try:
            fetched = _fetch_once(source, url, dest_dir, timeout_seconds)
        except _Permanent as exc:
            note = "not retried" if attempt == 1 else f"on attempt {attempt}, not retried"
            raise fail(exc.reason, attempt, exc.status, note) from exc
        except _Transient as exc:
            if attempt == attempts:
                plural = "s" if attempts != 1 else ""
                note = f"after {attempts} attempt{plural}"
                raise fail(exc.reason, attempt, exc.status, note) from exc
            delay = _retry_delay(backoff_seconds, attempt, exc.retry_after)
            logger.warning(
                "Attempt %d of %d for %s failed: %s; retrying in %.1fs",
                attempt,
                attempts,
                url,
                exc.reason,
                delay,
            )
            sleep(delay)
            continue

        try:
            result = _land(source, fetched, url, dest_dir, attempt, logger)
        except OSError as exc:
            raise fail(f"could not write the file: {exc}", attempt, None, "not retried") from exc
        finally:
            _remove_quietly(fetched.tmp_path)
        return result

    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


def _retry_delay(backoff_seconds: float, attempt: int, retry_after: float | None) -> float:
    """The wait before the next attempt: Retry-After if given, else exponential, both capped."""
    if retry_after is not None:
        return min(max(retry_after, 0.0), MAX_BACKOFF_SECONDS)
    return min(backoff_seconds * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)


def _fetch_once(source: Source, url: str, dest_dir: Path, timeout_seconds: float) -> _Fetched:
    """Make one request and stream a complete, validated body into a temporary file.

    The temporary file is removed here on any failure, so the caller only ever owns a good one.
    """
    # urllib would also open file: and ftp: URLs; only the web is a source for raw/.
    if urllib.parse.urlsplit(url).scheme.lower() not in ("http", "https"):
        raise _Permanent("only http and https URLs are supported")
    try:
        request = urllib.request.Request(
            url,
            # identity: the byte count and hash must be of the file itself, not a compressed form.
            headers={"User-Agent": _USER_AGENT, "Accept-Encoding": "identity"},
        )
    except ValueError as exc:
        raise _Permanent(f"the URL is not valid: {exc}") from exc
    try:
        response = urllib.request.urlopen(request, timeout=timeout_seconds)
    except urllib.error.HTTPError as exc:
        try:
            raise _classify_http_error(exc) from exc
        finally:
            exc.close()
    # URLError and TimeoutError are OSErrors; RemoteDisconnected and friends are HTTPExceptions.
    except (OSError, http.client.HTTPException) as exc:
        raise _Transient(_describe_connection_error(exc, timeout_seconds)) from exc

    with response:
        expected = _content_length(response.headers.get("Content-Length"))
        disposition_name = response.headers.get_filename()
        tmp_path = _create_temp(dest_dir)
        try:
            sha, size = _stream(response, tmp_path, expected, timeout_seconds)
            release = _check_contract(source, tmp_path)
        except BaseException:
            _remove_quietly(tmp_path)
            raise
    return _Fetched(tmp_path, sha, size, release, disposition_name)


def _classify_http_error(exc: urllib.error.HTTPError) -> Exception:
    """5xx and 429 are worth retrying; any other 4xx (or odd status) is final."""
    reason = f"server returned HTTP {exc.code}" + (f" {exc.reason}" if exc.reason else "")
    if exc.code == 429 or 500 <= exc.code <= 599:
        retry_after = _parse_retry_after(exc.headers.get("Retry-After") if exc.headers else None)
        return _Transient(reason, status=exc.code, retry_after=retry_after)
    return _Permanent(reason, status=exc.code)


def _parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date; None if absent or garbled."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _describe_connection_error(exc: BaseException, timeout_seconds: float) -> str:
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError):
        return f"timed out after {timeout_seconds:g}s waiting for the server"
    return f"connection failed: {reason}"


def _content_length(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        length = int(value.strip())
    except ValueError:
        return None
    return length if length >= 0 else None


def _create_temp(dest_dir: Path) -> Path:
    """A new hidden `.part` file in dest_dir, created with the umask's permissions.

    Same directory so the final rename is atomic; leading dot so scanners that skip dotfiles
    never pick up a half-written file; os.open with 0o666 (not mkstemp's 0o600) so the landed
    file is readable by whoever could read the rest of raw/.
    """
    while True:
        path = dest_dir / f".download-{secrets.token_hex(8)}.part"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:  # pragma: no cover - 64 random bits
            continue
        except OSError as exc:
            raise _Permanent(f"could not create a temporary file in {dest_dir}: {exc}") from exc
        os.close(fd)
        return path


def _stream(
    response: http.client.HTTPResponse, tmp_path: Path, expected: int | None, timeout: float
) -> tuple[str, int]:
    """Copy the body into tmp_path, hashing it; fsync before returning.

    Network failures mid-body are transient; local write failures are permanent.
    """
    digest = hashlib.sha256()
    received = 0
    try:
        out = open(tmp_path, "wb")  # closed in the finally below
    except OSError as exc:
        raise _Permanent(f"could not write the temporary file: {exc}") from exc
    try:
        while True:
            try:
                chunk = response.read(_CHUNK_BYTES)
            except http.client.IncompleteRead as exc:
                raise _Transient(
                    _cut_off(received + len(exc.partial), expected, chunked=expected is None)
                ) from exc
            except TimeoutError as exc:
                raise _Transient(
                    f"timed out after {timeout:g}s with {received:,} bytes received"
                ) from exc
            except (OSError, http.client.HTTPException) as exc:
                raise _Transient(f"connection failed after {received:,} bytes: {exc}") from exc
            if not chunk:
                break
            received += len(chunk)
            digest.update(chunk)
            try:
                out.write(chunk)
            except OSError as exc:
                raise _Permanent(f"could not write the temporary file: {exc}") from exc
        # http.client's read(n) returns b"" on a dropped connection rather than raising, so a
        # short body has to be caught by counting.
        if expected is not None and received != expected:
            if received < expected:
                raise _Transient(_cut_off(received, expected, chunked=False))
            raise _Transient(f"server sent {received:,} bytes but announced {expected:,}")
        try:
            out.flush()
            os.fsync(out.fileno())
        except OSError as exc:
            raise _Permanent(f"could not write the temporary file: {exc}") from exc
    finally:
        out.close()
    return digest.hexdigest(), received


def _cut_off(received: int, expected: int | None, *, chunked: bool) -> str:
    if expected is not None:
        return f"connection closed after {received:,} of {expected:,} bytes"
    if chunked:
        return f"connection closed after {received:,} bytes, in the middle of a chunk"
    return f"connection closed after {received:,} bytes"  # pragma: no cover


def _check_contract(source: Source, path: Path) -> Release:
    """The source's own parser reads the downloaded file: the contract the loader applies."""
    try:
        return source.parser.parse(path).release
    except ContractError as exc:
        raise _Permanent(
            f"the content is not a valid {source.title} file: {exc.where}: {exc.rule}"
        ) from exc


def _land(
    source: Source,
    fetched: _Fetched,
    url: str,
    dest_dir: Path,
    attempts: int,
    logger: logging.Logger,
) -> DownloadResult:
    """Move the validated temporary file to its final name, unless identical bytes are there."""
    name = _final_name(source, fetched.disposition_name, url, fetched.release)
    final = dest_dir / name
    result = DownloadResult(
        path=final,
        sha256=fetched.sha256,
        bytes=fetched.size,
        release=fetched.release,
        attempts=attempts,
        changed=True,
    )
    if final.is_file() and final.stat().st_size == fetched.size:
        if sha256_of(final) == fetched.sha256:
            # Leave the existing file alone (mtime included): sensors and the loader key on it.
            logger.info("%s is unchanged (sha256 %s); nothing to do", final, fetched.sha256[:12])
            return dataclasses.replace(result, changed=False)
    replacing = final.exists()
    os.replace(fetched.tmp_path, final)
    _fsync_dir(dest_dir)
    logger.info(
        "%s %s (%s bytes, release %s, sha256 %s) from %s",
        "Replaced" if replacing else "Wrote",
        final,
        f"{fetched.size:,}",
        fetched.release.label,
        fetched.sha256[:12],
        url,
    )
    return result


def _final_name(source: Source, disposition_name: str | None, url: str, release: Release) -> str:
    """Content-Disposition's name, else the URL's basename, else the source's download name.

    Names are reduced to a basename (no directory parts, no leading dots, no control characters)
    because they come from the server and must not escape dest_dir or hide from scanners. A name
    of a type the source does not accept is passed over, as the loader would refuse it.
    """
    for candidate in (disposition_name, urllib.parse.unquote(urllib.parse.urlsplit(url).path)):
        name = _sanitise(candidate)
        if name and source.accepts(Path(name)):
            return name
    return source.download_name.format(release=release)


def _sanitise(name: str | None) -> str | None:
    if not name:
        return None
    name = PurePosixPath(name.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".").strip()
    if not name or len(name.encode("utf-8")) > 255:
        return None
    return name


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable; best effort, as not every filesystem supports it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
