"""The logging filter: the second line of defence that keeps identifiers out of every log line."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator

import pytest

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
