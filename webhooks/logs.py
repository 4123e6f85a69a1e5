"""Logging that cannot leak a sender: a filter that redacts identifiers from every record.

The code never logs identifiers or message text in the first place; this filter is the second
line of defence (a library's debug line, an exception message) and is installed on the root
logger's handlers and on gunicorn's. It also cuts the query string off every URL and request
path: if Twilio is set to use GET, a texter's Body, From, ProfileName and FromCity arrive there,
percent-encoded, where the patterns cannot recognise them (gunicorn.conf.py's access log format
leaves the query out in the first place).

Outbound calls must not leak either: every Telegram Bot API URL holds the bot token
(``…/bot<digits>:<secret>/sendMessage``), and httpx logs each request's URL at INFO. ``install``
turns httpx's and httpcore's loggers down to warnings, and the filter replaces anything shaped
like a bot token, the secret after the colon included, whatever logged it.

Access log lines are redacted field by field, not as a whole: their status, size and duration
stand side by side as digits and spaces ("200 1834 12ms"), which the phone-number pattern would
take for a number written in groups. The fields the server measures itself (status, sizes,
durations, the time, the remote address) are kept as they are; the request line, the path, the
user agent and every other field that a client chooses are redacted like any text, and the
query string is never written.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Mapping
from typing import Any

REDACTED = "[redacted]"
#: A request line's query string, to the protocol: werkzeug decodes its spaces and quotes.
_REQUEST_QUERY = re.compile(r"(\b[A-Z]{3,10} [^\s?]*)\?.*?(?= HTTP/\d)")
#: A URL or request path (``/webhooks/twilio/sms``, ``https://host/path``) and its query string.
_QUERY = re.compile(r"((?:\b[a-z][a-z0-9+.-]*://[^\s/?#\"']*)?/[^\s?#\"']*)\?[^\s\"']+", re.I)
#: A Telegram bot token, ``<bot id>:<secret>`` (the secret is 35 characters in real tokens),
#: alone or right after ``/bot`` in a Bot API URL; the colon may be percent-encoded.
_BOT_TOKEN = re.compile(r"(?:(?<=/bot)|(?<![\w:%-]))\d{3,}(?::|%3A)[A-Za-z0-9_-]{8,}", re.I)
#: Libraries that log every outbound request's URL at INFO: only their warnings are kept.
QUIET_LOGGERS = ("httpx", "httpcore")
_PATTERNS = (
    _BOT_TOKEN,  # before the digit runs below, which would leave the secret behind
    re.compile(r"whatsapp:\+?\d[\d\s-]{5,}", re.IGNORECASE),
    re.compile(r"(?<!\d)\+?\d(?:[\s.-]?\d){7,}"),  # phone numbers, chat ids: 8+ digits
    re.compile(r"(?<![\w@])@[A-Za-z]\w{3,}"),  # Telegram usernames
    re.compile(r"[\u1780-\u17ff\u19e0-\u19ff][\u1780-\u17ff\u19e0-\u19ff\s]*"),  # Khmer text
)


#: gunicorn's access log atoms that the server measures itself: status, response sizes,
#: durations, the time, its process id and the remote address (its own peer: Twilio's,
#: Telegram's or the proxy's). Every other atom holds what a client sent.
_MEASURED_ATOMS = frozenset({"s", "b", "B", "T", "D", "M", "L", "t", "p", "h", "l"})
#: werkzeug's request line (``flask run``, the browser tests): '"%s" %s %s' with the request
#: line, the status and the size.
_WERKZEUG_REQUEST = '"%s" %s %s'
_MEASURE = re.compile(r"\d{1,12}|-")


def redact(text: str) -> str:
    text = _QUERY.sub(r"\1", _REQUEST_QUERY.sub(r"\1", text))
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


class _RedactedAtoms:
    """gunicorn's access log atoms as the format reads them: measured ones as they are, the
    query string never, everything else redacted."""

    def __init__(self, atoms: Mapping[str, Any]) -> None:
        self.atoms = atoms

    def __getitem__(self, key: str) -> Any:
        value = self.atoms[key]  # gunicorn's own mapping: "-" for an atom it does not have
        if key in _MEASURED_ATOMS:
            return value
        if key.lower() == "q":
            return REDACTED if value and value != "-" else value
        return redact(str(value))


def _access_line(record: logging.LogRecord) -> str | None:
    """An access log line with only its client-chosen fields redacted, or None if the record
    is not one."""
    args: Any = record.args
    try:
        if record.name == "gunicorn.access" and isinstance(args, Mapping):
            return str(record.msg) % _RedactedAtoms(args)
        if (record.name == "werkzeug" and isinstance(args, tuple) and len(args) == 3
                and str(record.msg).endswith(_WERKZEUG_REQUEST)):
            line, status, size = (str(arg) for arg in args)
            kept = [value if _MEASURE.fullmatch(value) else redact(value)
                    for value in (status, size)]
            return redact(str(record.msg)) % (redact(line), *kept)
    except (TypeError, ValueError, KeyError):
        return None  # not the shape expected: redacted whole, below
    return None


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        line = _access_line(record)
        if line is not None:
            record.msg, record.args = line, None
            return True
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[0] is not None:
            # Exception messages can quote input: keep the type and the frames, drop the text.
            exc_type, _, tb = record.exc_info
            frames = "".join(traceback.format_tb(tb))
            record.exc_info = None
            record.exc_text = f"Traceback (most recent call last):\n{frames}{exc_type.__name__}"
        return True


def install(level: int = logging.INFO) -> None:
    """Attach the filter to every handler that can emit a record, including gunicorn's."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(level)
    for name in QUIET_LOGGERS:
        quiet = logging.getLogger(name)
        if quiet.getEffectiveLevel() < logging.WARNING:
            quiet.setLevel(logging.WARNING)
    for name in ("", "gunicorn.error", "gunicorn.access", "werkzeug"):
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())
