"""The logging filter: the second line of defence that keeps identifiers out of every log line."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import runpy
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.error import HTTPError
from urllib.parse import quote, urlencode
from urllib.request import Request, urlopen

import pytest
from gunicorn.config import Config as GunicornConfig
from gunicorn.glogging import Logger as GunicornLogger
from werkzeug.serving import make_server

from tests.conftest import TEST_CONFIG
from webhooks import config
from webhooks.logs import REDACTED, RedactingFilter, install

KHMER = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]")


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing formatted lines, through the filter, to a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("tests.webhooks.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)
    logger.propagate = True


@pytest.mark.parametrize(
    ("message", "args", "secret"),
    [
        pytest.param("reply to +85512345678 failed", (), "85512345678", id="phone-in-message"),
        pytest.param("reply to %s failed", ("+85512345678",), "85512345678", id="phone-in-args"),
        pytest.param("reply to 85512345678", (), "85512345678", id="phone-without-plus"),
        pytest.param("reply to 012 345 678", (), "345 678", id="local-format-with-spaces"),
        pytest.param("reply to 012-345-678", (), "345-678", id="local-format-with-dashes"),
        pytest.param("from whatsapp:+85587654321", (), "87654321", id="whatsapp-address"),
        pytest.param("from %s", ("WhatsApp:+855 87 654 321",), "654 321",
                     id="whatsapp-address-spaced"),
        pytest.param("chat %d", (987654321,), "987654321", id="telegram-chat-id"),
        pytest.param("group chat -1001234567890", (), "1001234567890", id="group-chat-id"),
        pytest.param("user @sokha_test wrote", (), "sokha_test", id="telegram-username"),
        pytest.param("text was %r", ("ម៉ឺនុយ",), "ម៉ឺនុយ", id="khmer-in-args"),
        pytest.param("text was ខ្ញុំនៅភ្នំពេញ ok", (), "ខ្ញុំ", id="khmer-in-message"),
        pytest.param("HTTP Request: POST https://api.telegram.org/bot%s/sendMessage",
                     ("7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",), "AAHdqTcvCH1vGWJxfSe",
                     id="bot-token-in-a-url"),
        pytest.param("token %s refused", ("123456:TEST-TOKEN",), "TEST-TOKEN", id="bot-token"),
        pytest.param("GET /bot123456%3ATEST-TOKEN/getMe", (), "TEST-TOKEN",
                     id="bot-token-percent-encoded"),
    ],
)
def test_identifier_is_redacted(
    logged: tuple[logging.Logger, io.StringIO], message: str, args: tuple[object, ...], secret: str
) -> None:
    logger, stream = logged
    logger.warning(message, *args)
    output = stream.getvalue()
    assert secret not in output
    assert not KHMER.search(output)
    assert REDACTED in output


@pytest.mark.parametrize(
    "message",
    [
        pytest.param("POST /webhooks/twilio/sms 200 in 12 ms", id="status-and-timing"),
        pytest.param("district 1201 of province 12", id="place-codes"),
        pytest.param("database unavailable (OperationalError); sent the static reply",
                     id="pipeline-line"),
        pytest.param("opens 10:00:00, closes 17:30 (T10:00:00+07:00), ::1:8080", id="times"),
    ],
)
def test_ordinary_operational_lines_are_kept(
    logged: tuple[logging.Logger, io.StringIO], message: str
) -> None:
    logger, stream = logged
    logger.info(message)
    assert stream.getvalue() == f"INFO tests.webhooks.redaction: {message}\n"


SENDER = ("+85512345678", "@sokha_test", "ម៉ឺនុយ")


def _fail_with_identifiers(address: str, username: str, text: str) -> None:
    # Built at run time: the traceback shows this source line, which must hold no identifier.
    raise ValueError(f"cannot route {address} ({username}) who said {text}")


@pytest.mark.parametrize("style", ["exception", "exc_info"])
def test_exception_message_is_dropped_but_type_and_frames_kept(
    logged: tuple[logging.Logger, io.StringIO], style: str
) -> None:
    """An exception's message can quote input; the traceback keeps only type and frames."""
    logger, stream = logged
    try:
        _fail_with_identifiers(*SENDER)
    except ValueError as error:
        if style == "exception":
            logger.exception("engine failed")
        else:
            logger.error("engine failed (%s)", type(error).__name__, exc_info=error)
    output = stream.getvalue()
    assert "engine failed" in output
    assert "Traceback (most recent call last)" in output
    assert "_fail_with_identifiers" in output  # the frames are still there to debug with
    assert output.rstrip().endswith("ValueError")
    for secret in ("85512345678", "sokha_test", "(@"):
        assert secret not in output
    assert not KHMER.search(output)


def test_exception_chain_does_not_leak_the_cause(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = logged
    try:
        try:
            _fail_with_identifiers(*SENDER)
        except ValueError as error:
            raise RuntimeError("wrapped") from error
    except RuntimeError:
        logger.exception("engine failed")
    assert "85512345678" not in stream.getvalue()


def test_install_puts_the_filter_on_root_handlers_once() -> None:
    handler = logging.StreamHandler(io.StringIO())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        install()
        install()
        assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
    finally:
        root.removeHandler(handler)


# --- query strings: never logged ----------------------------------------------------------------
# With Twilio set to GET, a texter's Body, From, ProfileName and FromCity arrive in the query
# string, percent-encoded, where no pattern above can recognise them.

ROOT = Path(__file__).resolve().parents[2]
GET_FIELDS = {"Body": "សួស្តី ខ្ញុំត្រូវការជំនួយ", "From": "+85512345678",
              "ProfileName": "Sokha Chan", "FromCity": "PHNOM PENH"}
QUERY = urlencode(GET_FIELDS)  # Body=%E1%9E%9F...&From=%2B85512345678&ProfileName=Sokha+Chan...
# Spaces as %20 and a quote: werkzeug decodes both in the request line it logs.
QUERY_20 = urlencode({**GET_FIELDS, "ProfileName": 'Sokha "Chan"'}, quote_via=quote)
TRACES = ("Sokha", "PHNOM", "%2B", "85512345678", "%E1", "Body=", "From=", "?")


def assert_no_trace(output: str) -> None:
    assert "/webhooks/twilio/sms" in output
    for trace in TRACES:
        assert trace not in output, trace
    assert not KHMER.search(output)


@pytest.mark.parametrize(
    "line",
    [
        pytest.param('127.0.0.1 - - [06/Dec/2026 10:00:00] "GET %s HTTP/1.1" 200 -', id="werkzeug"),
        pytest.param('10.0.0.1 - - [06/Dec/2026:10:00:00 +0000] "GET %s HTTP/1.1" 200 12 '
                     '"https://sangkhim.example.org%s" "TwilioProxy/1.1"', id="gunicorn-default"),
        pytest.param("retrying https://sangkhim.example.org%s", id="absolute-url"),
    ],
)
def test_query_strings_are_stripped_from_request_lines(
    logged: tuple[logging.Logger, io.StringIO], line: str
) -> None:
    logger, stream = logged
    target = f"/webhooks/twilio/sms?{QUERY}"
    logger.info(line, *([target] * line.count("%s")))
    assert_no_trace(stream.getvalue())


def test_a_question_in_prose_is_kept(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = logged
    logger.info("is /healthz up? yes")
    assert stream.getvalue().endswith(": is /healthz up? yes\n")


def _ok(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


@pytest.mark.parametrize("query", [QUERY, QUERY_20], ids=["plus", "percent-20"])
def test_werkzeug_server_logs_get_requests_without_the_query(
    logged: tuple[logging.Logger, io.StringIO], query: str
) -> None:
    """werkzeug's own request line (``flask run``, the browser tests), through the filter."""
    logger, stream = logged
    capture = next(h for h in logger.handlers if getattr(h, "stream", None) is stream)
    werkzeug_log = logging.getLogger("werkzeug")
    werkzeug_log.addHandler(capture)
    server = make_server("127.0.0.1", 0, _ok)
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/webhooks/twilio/sms?{query}"
        with urlopen(url, timeout=10) as response:
            assert response.status == 200
        thread.join(timeout=10)
    finally:
        werkzeug_log.removeHandler(capture)
        server.server_close()
    assert_no_trace(stream.getvalue())


def gunicorn_settings() -> dict[str, Any]:
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_access_log_format_has_the_path_but_no_query(tmp_path: Path) -> None:
    """gunicorn's own access logger, with the format of gunicorn.conf.py and no filter at all."""
    fmt = gunicorn_settings()["access_log_format"]
    for atom in ("%(r)s", "%(q)s", "%(f)s", "{"):
        assert atom not in fmt  # request line, query, referrer, headers or environ
    cfg = GunicornConfig()
    cfg.set("accesslog", str(tmp_path / "access.log"))
    cfg.set("access_log_format", fmt)
    logger = GunicornLogger(cfg)
    environ = {
        "REQUEST_METHOD": "GET", "RAW_URI": f"/webhooks/twilio/sms?{QUERY}",
        "PATH_INFO": "/webhooks/twilio/sms", "QUERY_STRING": QUERY, "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.1", "HTTP_USER_AGENT": "TwilioProxy/1.1",
        "HTTP_REFERER": f"https://sangkhim.example.org/webhooks/twilio/sms?{QUERY}",
    }
    response = SimpleNamespace(status="200 OK", sent=12, headers=[])
    try:
        logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=3))
    finally:
        for name in ("gunicorn.error", "gunicorn.access"):
            log = logging.getLogger(name)
            for handler in [h for h in log.handlers if getattr(h, "_gunicorn", False)]:
                log.removeHandler(handler)
                handler.close()
            log.propagate = True
    line = (tmp_path / "access.log").read_text()
    assert '"GET /webhooks/twilio/sms HTTP/1.1" 200 12' in line
    assert_no_trace(line)


# --- access lines: status, size and duration kept ------------------------------------------------
# The audit found '"GET /healthz HTTP/1.1" [redacted]ms': "200 1834 12" looked like a phone
# number written in groups. Real lines, written by gunicorn's own logger with the format of
# gunicorn.conf.py, through the filter as ``install`` attaches it.

BOT_TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def gunicorn_access_lines(
    tmp_path: Path, requests: list[dict[str, Any]], fmt: str | None = None
) -> list[str]:
    """Each request (method, path, query, status, size, ms, agent, remote) logged by
    gunicorn's access logger with the RedactingFilter; the lines written."""
    cfg = GunicornConfig()
    cfg.set("accesslog", str(tmp_path / "access.log"))
    cfg.set("access_log_format", fmt or gunicorn_settings()["access_log_format"])
    logger = GunicornLogger(cfg)
    install()
    try:
        for asked in requests:
            environ = {
                "REQUEST_METHOD": asked.get("method", "POST"), "PATH_INFO": asked["path"],
                "RAW_URI": asked["path"] + (f"?{asked['query']}" if asked.get("query") else ""),
                "QUERY_STRING": asked.get("query", ""), "SERVER_PROTOCOL": "HTTP/1.1",
                "REMOTE_ADDR": asked.get("remote", "54.172.60.1"),
                "HTTP_USER_AGENT": asked.get("agent", "TwilioProxy/1.1"),
                "HTTP_X_FORWARDED_FOR": "+85512345678",
            }
            response = SimpleNamespace(status=asked["status"], sent=asked["size"], headers=[])
            logger.access(response, SimpleNamespace(headers=[("X-FORWARDED-FOR", "+85512345678")]),
                          environ, timedelta(milliseconds=asked["ms"]))
    finally:
        for name in ("gunicorn.error", "gunicorn.access"):
            log = logging.getLogger(name)
            for handler in [h for h in log.handlers if getattr(h, "_gunicorn", False)]:
                log.removeHandler(handler)
                handler.close()
            log.propagate = True
        for handler in logging.getLogger().handlers:  # install() filtered the root's too
            for found in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
                handler.removeFilter(found)
    return (tmp_path / "access.log").read_text().splitlines()


@pytest.mark.parametrize(
    ("asked", "kept", "secrets"),
    [
        pytest.param({"path": "/webhooks/twilio/sms", "status": "200 OK", "size": 1834, "ms": 12},
                     '54.172.60.1 [', [], id="twilio-post"),
        pytest.param({"path": "/webhooks/twilio/sms", "status": "200 OK", "size": 12345678,
                      "ms": 15000, "remote": "149.154.167.220"},
                     '"POST /webhooks/twilio/sms HTTP/1.1" 200 12345678 15000ms', [],
                     id="eight-digit-size-and-slow"),
        pytest.param({"path": "/webhooks/telegram", "status": "200 OK", "size": 0, "ms": 3,
                      "agent": "-"},
                     '"POST /webhooks/telegram HTTP/1.1" 200 0 3ms "-"', [], id="telegram"),
        pytest.param({"method": "GET", "path": "/healthz", "status": "200 OK", "size": 16,
                      "ms": 0},
                     '"GET /healthz HTTP/1.1" 200 16 0ms "TwilioProxy/1.1"', [], id="healthz"),
        pytest.param({"method": "GET", "path": "/readyz", "status": "503 SERVICE UNAVAILABLE",
                      "size": 78, "ms": 2001},
                     '"GET /readyz HTTP/1.1" 503 78 2001ms', [], id="readyz-503"),
        pytest.param({"method": "GET", "path": f"/bot{BOT_TOKEN}/getMe", "status": "404 NOT FOUND",
                      "size": 207, "ms": 1},
                     f'"GET /bot{REDACTED}/getMe HTTP/1.1" 404 207 1ms',
                     ["AAHdqTcvCH1vGWJxfSe", "7012345678"], id="telegram-token-in-path"),
        pytest.param({"path": f"/webhooks/telegram/{BOT_TOKEN.replace(':', '%3A')}",
                      "status": "404 NOT FOUND", "size": 207, "ms": 2},
                     f'"POST /webhooks/telegram/{REDACTED} HTTP/1.1" 404 207 2ms',
                     ["AAHdqTcvCH1vGWJxfSe"], id="telegram-token-percent-encoded"),
        pytest.param({"method": "GET", "path": "/webhooks/twilio/sms", "query": QUERY,
                      "status": "200 OK", "size": 301, "ms": 25},
                     '"GET /webhooks/twilio/sms HTTP/1.1" 200 301 25ms',
                     ["Sokha", "PHNOM", "85512345678", "Body", "?"], id="twilio-get-query"),
        pytest.param({"method": "GET", "path": "/webhooks/twilio/sms/+85512345678",
                      "status": "404 NOT FOUND", "size": 207, "ms": 1},
                     f'"GET /webhooks/twilio/sms/{REDACTED} HTTP/1.1" 404 207 1ms',
                     ["85512345678"], id="phone-in-path"),
        pytest.param({"path": "/webhooks/twilio/sms", "status": "403 FORBIDDEN", "size": 19,
                      "ms": 4, "agent": "curl from whatsapp:+85587654321 @sokha_test"},
                     f'403 19 4ms "curl from {REDACTED}',
                     ["87654321", "sokha_test"], id="identifiers-in-the-user-agent"),
    ],
)
def test_gunicorn_access_lines_keep_status_size_and_duration(
    tmp_path: Path, asked: dict[str, Any], kept: str, secrets: list[str]
) -> None:
    (line,) = gunicorn_access_lines(tmp_path, [asked])
    status, size, ms = asked["status"].split()[0], asked["size"], asked["ms"]
    assert f'HTTP/1.1" {status} {size} {ms}ms "' in line, line
    assert kept in line, line
    assert line.startswith(f"{asked.get('remote', '54.172.60.1')} [")  # the provider's address
    for secret in secrets:
        assert secret not in line, line
    assert "85512345678" not in line  # the forwarded-for header is not in the format


def test_client_chosen_atoms_are_redacted_in_any_format(tmp_path: Path) -> None:
    """An operator's own format, with the atoms gunicorn.conf.py leaves out (request line,
    query, a header): they are still redacted, and the measured ones still kept."""
    fmt = '%(h)s "%(r)s" q=%(q)s xff=%({x-forwarded-for}i)s %(s)s %(b)s %(D)sus %(L)ss'
    (line,) = gunicorn_access_lines(tmp_path, [
        {"method": "GET", "path": "/webhooks/twilio/sms", "query": QUERY, "status": "200 OK",
         "size": 4096, "ms": 1500}], fmt=fmt)
    assert '"GET /webhooks/twilio/sms HTTP/1.1"' in line, line
    assert f"q={REDACTED} xff={REDACTED} 200 4096 1500000us 1.500000s" in line, line
    for trace in TRACES:
        assert trace not in line, trace


def test_werkzeug_request_lines_keep_status_and_size(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = logged
    werkzeug = logging.getLogger("werkzeug")
    capture = next(h for h in logger.handlers if getattr(h, "stream", None) is stream)
    werkzeug.addHandler(capture)
    level = werkzeug.level
    werkzeug.setLevel(logging.INFO)
    try:
        werkzeug.info('127.0.0.1 - - [07/Dec/2026 10:00:00] "%s" %s %s',
                      "GET /webhooks/twilio/sms/+85512345678 HTTP/1.1", "404", "12345678")
    finally:
        werkzeug.removeHandler(capture)
        werkzeug.setLevel(level)
    assert stream.getvalue() == (
        f'INFO werkzeug: 127.0.0.1 - - [07/Dec/2026 10:00:00] '
        f'"GET /webhooks/twilio/sms/{REDACTED} HTTP/1.1" 404 12345678\n')


@pytest.mark.parametrize(
    ("path", "marker"),
    [("Makefile", "$(BIN)/gunicorn "), ("Procfile", "web: env SANGKHIM_ENV=production gunicorn ")],
)
def test_make_run_and_the_procfile_use_gunicorn_conf(path: str, marker: str) -> None:
    text = (ROOT / path).read_text().replace("\\\n", " ")  # join continued lines
    lines = [ln for ln in text.splitlines() if marker in ln]
    assert lines, marker
    for line in lines:
        assert "--config gunicorn.conf.py" in line
        assert "--access-logformat" not in line and "--access-logfile" not in line


def test_gunicorn_access_log_of_a_get_webhook_has_no_query(tmp_path: Path) -> None:
    """The whole way: gunicorn as ``make run`` starts it, a GET with a texter's fields."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in config.ENV_KEYS}
    env.update({k: str(v) for k, v in TEST_CONFIG.items() if k in config.ENV_KEYS})
    env.update(SANGKHIM_ENV="development", DATABASE_URL=f"sqlite:///{tmp_path / 'g.db'}")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--bind",
         f"127.0.0.1:{port}", "--workers", "1", "webhooks:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urlopen(f"http://127.0.0.1:{port}/healthz?{QUERY}", timeout=5):
                    pass
                break
            except HTTPError:
                break  # 503 without a migrated database: still a logged request
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "not started"
                time.sleep(0.2)
        for method in ("GET", "POST"):
            request = Request(f"http://127.0.0.1:{port}/webhooks/twilio/sms?{QUERY}",
                              method=method, data=b"" if method == "POST" else None)
            with contextlib.suppress(HTTPError):
                urlopen(request, timeout=10).close()
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    assert '"GET /healthz HTTP/1.1"' in out and '"POST /webhooks/twilio/sms HTTP/1.1"' in out
    # Every access line keeps its status, size and duration (the format's "%(s)s %(b)s %(M)sms").
    requests = [line for line in out.splitlines() if '"GET /' in line or '"POST /' in line]
    assert len(requests) == 3, out
    for line in requests:
        assert re.search(r'HTTP/1\.1" [1-5]\d\d (\d+|-) \d+ms "', line), line
    assert REDACTED not in out
    for trace in TRACES:
        assert trace not in out + err, trace
    assert not KHMER.search(out + err)
