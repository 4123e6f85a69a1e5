"""Configuration from the environment (README, "Configuration").

``SANGKHIM_ENV`` is ``production`` (the default: unset or empty means production) or
``development``, spelled exactly: any other value stops start-up, so neither a typo nor a
forgotten variable can quietly mean development. Development is said where the project runs on
a developer's machine: the Makefile (``make run``, ``make test``) and the tests. Production fails
fast, naming every missing or weak variable (never printing a secret): keys are measured for
randomness (``webhooks/strength.py``), every privacy setting must lie within its range
(``RANGES``), and every outbound API is called over https. Development generates missing
secrets once and keeps them in ``instance/secrets.json`` (mode 600), so restarts and several
gunicorn workers agree on them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from core import hours
from models.retention import AUDIT_RETENTION_BOUNDS, AUDIT_RETENTION_DAYS
from models.sealing import previous_keys
from models.stats import PERIODS
from webhooks import strength
from webhooks.adapter import ADAPTERS, adapter

MODES = ("development", "production")
DEV_SECRETS = ("SECRET_KEY", "PSEUDONYM_KEY", "TWILIO_AUTH_TOKEN", "TELEGRAM_WEBHOOK_SECRET")
#: Defaults of the settings; ``SANGKHIM_CHANNELS``'s is every adapter of ``ADAPTERS``
#: (``gather``). A channel's own settings are here with the rest (its credentials, which its
#: adapter's ``required_settings`` names, and the address of its API).
DEFAULTS: dict[str, Any] = {
    "SANGKHIM_ENV": "production",
    "PUBLIC_BASE_URL": "",
    "TELEGRAM_BOT_TOKEN": "",
    # A phone line texters can call to ask, offered when nothing is within reach (optional).
    "HELPLINE_PHONE": "",
    "TELEGRAM_API_BASE_URL": "https://api.telegram.org/bot",
    # A Telegram channel the organisation runs, where each alert posted, renewed or withdrawn
    # is sent (optional; the bot must be an admin of it): -100… or @name.
    "TELEGRAM_ALERTS_CHANNEL": "",
    "STATE_TTL_HOURS": 24,
    "PROCESSED_RETENTION_DAYS": 7,
    "K_ANONYMITY": 5,
    # The one granularity the statistics are published in (models/stats.py PERIODS): weeks and
    # months side by side could be subtracted from each other to reveal a small count.
    "DEMAND_PERIOD": "week",
    # Abuse limits (webhooks/ratelimit.py): messages per sender in 5 minutes before the notice,
    # replies per conversation, messages answered per worker per minute.
    "RATE_SENDER_BURST": 30,
    "RATE_CONVERSATION_REPLIES": 200,
    "RATE_WORKER_PER_MINUTE": 1200,
    # Webhook bodies are small; anything bigger is refused before it is read (413).
    "MAX_CONTENT_LENGTH": 64 * 1024,
    # Handoffs to an outreach worker (models/handoffs.py): on when HANDOFF_KEY is set (in
    # development a key is derived from SECRET_KEY). When workers answer (core/hours.py syntax),
    # and how long a handoff lives at most.
    "HANDOFF_KEY": "",
    # While HANDOFF_KEY is rotated: the key(s) it replaces, which only unwrap (comma-separated).
    "HANDOFF_KEY_PREVIOUS": "",
    "HANDOFF_HOURS": "Mo-Fr 08:00-17:00",
    "HANDOFF_TTL_HOURS": 72,
    # At most this many chats wait for a worker at once; a texter over it is told so.
    "HANDOFF_MAX_WAITING": 30,
    # How long the audit log of staff actions is kept (models/retention.py: 30 to 730 days).
    "AUDIT_RETENTION_DAYS": AUDIT_RETENTION_DAYS,
    # Sending a worker's reply by SMS or WhatsApp uses Twilio's REST API.
    "TWILIO_ACCOUNT_SID": "",
    "TWILIO_API_BASE_URL": "https://api.twilio.com",
    # /metrics (webhooks/metrics.py) answers only to this bearer token; unset, it answers 404.
    "METRICS_TOKEN": "",
    # The dashboard (webhooks/outreach/): a login session's idle and whole life, failed logins
    # before an account (or an address) waits, the biggest directory file, and how many reverse
    # proxies stand before the app (whose X-Forwarded-For is believed).
    "OUTREACH_SESSION_IDLE_HOURS": 8,
    "OUTREACH_SESSION_MAX_HOURS": 12,
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
    "LOGIN_WINDOW_MINUTES": 15,
    "LOGIN_LOCKOUT_MINUTES": 15,
    "OUTREACH_IMPORT_MAX_BYTES": 5 * 1024 * 1024,
    "SANGKHIM_PROXY_COUNT": 0,
}
ENV_KEYS = (
    "SANGKHIM_ENV",
    "SANGKHIM_CHANNELS",
    "DATABASE_URL",
    "SECRET_KEY",
    "PSEUDONYM_KEY",
    "TWILIO_AUTH_TOKEN",
    "PUBLIC_BASE_URL",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
    "TELEGRAM_API_BASE_URL",
    "TELEGRAM_ALERTS_CHANNEL",
    "HELPLINE_PHONE",
    "STATE_TTL_HOURS",
    "PROCESSED_RETENTION_DAYS",
    "K_ANONYMITY",
    "DEMAND_PERIOD",
    "RATE_SENDER_BURST",
    "RATE_CONVERSATION_REPLIES",
    "RATE_WORKER_PER_MINUTE",
    "HANDOFF_KEY",
    "HANDOFF_KEY_PREVIOUS",
    "HANDOFF_HOURS",
    "HANDOFF_TTL_HOURS",
    "HANDOFF_MAX_WAITING",
    "AUDIT_RETENTION_DAYS",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_API_BASE_URL",
    "METRICS_TOKEN",
    # The dashboard's.
    "OUTREACH_SESSION_IDLE_HOURS",
    "OUTREACH_SESSION_MAX_HOURS",
    "LOGIN_MAX_FAILURES",
    "LOGIN_MAX_FAILURES_PER_ADDRESS",
    "LOGIN_WINDOW_MINUTES",
    "LOGIN_LOCKOUT_MINUTES",
    "OUTREACH_IMPORT_MAX_BYTES",
    "SANGKHIM_PROXY_COUNT",
)
#: The range each number setting must lie in, whatever the mode, and what it counts. The privacy
#: settings first: k of the published statistics, and how long anything about a texter is kept.
RANGES: dict[str, tuple[int, int, str]] = {
    "K_ANONYMITY": (5, 100, "the smallest count published; below 5 a count can point at people"),
    "STATE_TTL_HOURS": (1, 24, "hours; texters are told their last step is kept 24 hours at most"),
    "PROCESSED_RETENTION_DAYS": (1, 30, "days"),
    "HANDOFF_TTL_HOURS": (1, 24 * 7, "hours, a week at most"),
    "RATE_SENDER_BURST": (1, 1000, "messages in 5 minutes"),
    "RATE_CONVERSATION_REPLIES": (1, 100_000, "replies"),
    "RATE_WORKER_PER_MINUTE": (1, 100_000, "messages a minute"),
    "OUTREACH_SESSION_IDLE_HOURS": (1, 24, "hours"),
    "OUTREACH_SESSION_MAX_HOURS": (1, 24, "hours"),
    "LOGIN_MAX_FAILURES": (1, 100, "failed logins"),
    "LOGIN_MAX_FAILURES_PER_ADDRESS": (1, 100_000, "failed logins"),
    "LOGIN_WINDOW_MINUTES": (1, 24 * 60, "minutes, a day at most"),
    "LOGIN_LOCKOUT_MINUTES": (1, 24 * 60, "minutes, a day at most"),
    "OUTREACH_IMPORT_MAX_BYTES": (1024, 100 * 1024 * 1024, "bytes, 100 MB at most"),
    "SANGKHIM_PROXY_COUNT": (0, 10, "reverse proxies"),
    "HANDOFF_MAX_WAITING": (1, 10_000, "chats waiting for a worker"),
    "AUDIT_RETENTION_DAYS": (*AUDIT_RETENTION_BOUNDS, "days the audit log is kept"),
}
#: Base URLs of the APIs the app calls: https in production (tests call local fakes over http).
API_BASE_URLS = ("TELEGRAM_API_BASE_URL", "TWILIO_API_BASE_URL")
#: How to make a key (README, "Configuration").
GENERATE = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
INT_KEYS = (
    "STATE_TTL_HOURS",
    "PROCESSED_RETENTION_DAYS",
    "K_ANONYMITY",
    "MAX_CONTENT_LENGTH",
    "RATE_SENDER_BURST",
    "RATE_CONVERSATION_REPLIES",
    "RATE_WORKER_PER_MINUTE",
    "HANDOFF_TTL_HOURS",
    "HANDOFF_MAX_WAITING",
    "AUDIT_RETENTION_DAYS",
)


#: Words of example and placeholder values ("change-me"), which no random key contains.
_PLACEHOLDER = re.compile(
    r"change.?(me|it|this)|example|placeholder|your.?(secret|key)|insecure|dummy|not.?secret",
    re.IGNORECASE,
)
#: Telegram's rule for a webhook's secret_token (1-256 of these), with our minimum of 16.
_TELEGRAM_SECRET = re.compile(r"[A-Za-z0-9_-]{16,256}")
#: A Telegram channel: its numeric id (-100 and digits) or its public @name (5-32 characters).
_TELEGRAM_CHANNEL = re.compile(r"-100[0-9]{5,20}|@[A-Za-z][A-Za-z0-9_]{4,31}")
#: A bearer token's characters (RFC 6750's b64token), 16 to 256 of them.
_METRICS_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]{16,256}")


class ConfigError(click.ClickException, RuntimeError):
    """Start-up must stop: the message names what is missing or wrong.

    A ``ClickException`` so that ``flask …`` prints "Error: <message>" rather than a traceback;
    a ``RuntimeError`` so that gunicorn's master does the same (see gunicorn.conf.py).
    """


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the configuration: the variable at fault, what is wrong (never the
    value of a secret) and how to put it right. Start-up joins them into one ``ConfigError``;
    ``flask doctor`` (webhooks/doctor.py) prints each on a line of its own, with its fix."""

    key: str
    text: str
    fix: str = ""

    def __str__(self) -> str:
        return f"{self.text} {self.fix}".strip()


def load(instance_path: Path, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Merge defaults, environment and ``overrides``; then validate or fill dev secrets."""
    config, stated = gather(overrides)
    for problem in setting_problems(config):
        raise ConfigError(str(problem))  # the first one, as it always was
    production = config["SANGKHIM_ENV"] == "production"
    config["PRODUCTION"] = production
    if production:
        try:
            _require(config, instance_path)
        except ConfigError as error:
            if stated:
                raise
            raise ConfigError(f"{error.message} {NOT_STATED}") from None
    else:
        development_defaults(config, instance_path)
    config["PUBLIC_BASE_URL"] = str(config["PUBLIC_BASE_URL"]).rstrip("/")
    return config


#: Added to a refusal when production is only the default (SANGKHIM_ENV unset).
NOT_STATED = ("SANGKHIM_ENV is not set, which means production; to try Sangkhim on this "
              "machine, set SANGKHIM_ENV=development (make run does).")


def gather(overrides: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], bool]:
    """Defaults, then the environment, then ``overrides``, unchecked; and whether the mode was
    said (rather than production being only the default)."""
    config: dict[str, Any] = {**DEFAULTS, "SANGKHIM_CHANNELS": ",".join(ADAPTERS)}
    config.update({k: os.environ[k] for k in ENV_KEYS if os.environ.get(k)})
    config.update(overrides or {})
    stated = bool(os.environ.get("SANGKHIM_ENV") or (overrides or {}).get("SANGKHIM_ENV"))
    config["SANGKHIM_ENV"] = config["SANGKHIM_ENV"] or DEFAULTS["SANGKHIM_ENV"]
    return config, stated


def setting_problems(config: dict[str, Any]) -> Iterator[Problem]:
    """Every problem of the settings checked in either mode (the mode, numbers and their
    ranges, the period, channels, hours), in the order start-up meets them: ``load`` stops at
    the first, ``flask doctor`` lists them all. Numbers, channels (the names of
    ``webhooks.adapter.ADAPTERS``, into ``CHANNELS``) and previous keys are converted in place
    as they are checked."""
    if config["SANGKHIM_ENV"] not in MODES:
        yield Problem(
            "SANGKHIM_ENV",
            f"SANGKHIM_ENV must be 'development' or 'production' (exactly, in lower case), "
            f"not {config['SANGKHIM_ENV']!r}.",
            "Set SANGKHIM_ENV=production on a server (or leave it unset), development only on "
            "your own machine.",
        )
    for key in (*INT_KEYS, *(k for k in RANGES if k not in INT_KEYS and k in config)):
        try:
            config[key] = int(config[key])
        except (TypeError, ValueError):
            yield Problem(key, f"{key} must be a whole number, got {config[key]!r}",
                          _range_fix(key))
    for key, (low, high, unit) in RANGES.items():
        if isinstance(config.get(key), int) and not low <= config[key] <= high:
            yield Problem(key, f"{key} must be between {low} and {high} ({unit}), "
                               f"not {config[key]}.", _range_fix(key))
    if config["DEMAND_PERIOD"] not in PERIODS:
        yield Problem(
            "DEMAND_PERIOD",
            f"DEMAND_PERIOD must be one of {', '.join(PERIODS)}, not {config['DEMAND_PERIOD']!r}.",
            "Publish one granularity only (README, 'Demand statistics').",
        )
    names = tuple(n.strip() for n in str(config["SANGKHIM_CHANNELS"]).split(",") if n.strip())
    config["CHANNELS"] = tuple(n for n in names if n in ADAPTERS)
    unknown = [n for n in names if n not in ADAPTERS]
    if unknown:
        yield Problem("SANGKHIM_CHANNELS",
                      f"SANGKHIM_CHANNELS names unknown channel(s) {', '.join(unknown)};",
                      f"choose from {', '.join(ADAPTERS)}")
    config["METRICS_TOKEN"] = str(config["METRICS_TOKEN"] or "")
    if config["METRICS_TOKEN"] and not _METRICS_TOKEN.fullmatch(config["METRICS_TOKEN"]):
        yield Problem("METRICS_TOKEN",
                      "METRICS_TOKEN must be 16 to 256 characters, each a letter A-Z or a-z, a "
                      "digit, or one of . _ ~ + / = -.", f"Generate one with {GENERATE}.")
    config["TELEGRAM_ALERTS_CHANNEL"] = str(config["TELEGRAM_ALERTS_CHANNEL"] or "").strip()
    if config["TELEGRAM_ALERTS_CHANNEL"] and not _TELEGRAM_CHANNEL.fullmatch(
        config["TELEGRAM_ALERTS_CHANNEL"]
    ):
        yield Problem("TELEGRAM_ALERTS_CHANNEL",
                      "TELEGRAM_ALERTS_CHANNEL must be a channel's numeric id (-100 followed by "
                      "digits) or its @name.",
                      "Copy it from the channel's link or from getUpdates, or unset it.")
    if config["TELEGRAM_ALERTS_CHANNEL"] and not config["TELEGRAM_BOT_TOKEN"] and (
        config["SANGKHIM_ENV"] == "production"
    ):
        yield Problem("TELEGRAM_ALERTS_CHANNEL",
                      "TELEGRAM_ALERTS_CHANNEL is set but TELEGRAM_BOT_TOKEN is not:",
                      "the bot posts alerts to the channel; set its token, or unset the channel.")
    try:
        hours.parse(str(config["HANDOFF_HOURS"]))
    except hours.HoursError as error:
        yield Problem("HANDOFF_HOURS", f"HANDOFF_HOURS: {error}")
    config["HANDOFF_KEY_PREVIOUS"] = previous_keys(config["HANDOFF_KEY_PREVIOUS"])
    if config["HANDOFF_KEY_PREVIOUS"] and not config["HANDOFF_KEY"] and (
        config["SANGKHIM_ENV"] == "production"
    ):
        yield Problem("HANDOFF_KEY_PREVIOUS",
                      "HANDOFF_KEY_PREVIOUS is set but HANDOFF_KEY is not:",
                      "set the new key in HANDOFF_KEY (see docs/PRIVACY.md, 'Keys and their "
                      "rotation').")


def _range_fix(key: str) -> str:
    low, high, _unit = RANGES.get(key, (None, None, ""))
    return "" if low is None else f"Set a whole number from {low} to {high}, or unset it."


def development_defaults(config: dict[str, Any], instance_path: Path) -> None:
    """What development fills in: generated secrets (``instance/secrets.json``), a handoff key
    derived from ``SECRET_KEY``, a SQLite database under ``instance/``, a local address."""
    _fill_dev_secrets(config, instance_path)
    if not config["HANDOFF_KEY"]:  # one per machine, the same in every worker
        config["HANDOFF_KEY"] = hmac.new(
            str(config["SECRET_KEY"]).encode(), b"sangkhim handoff key", hashlib.sha256
        ).hexdigest()
    config.setdefault("DATABASE_URL", f"sqlite:///{instance_path / 'sangkhim.db'}")
    if not config["PUBLIC_BASE_URL"]:
        config["PUBLIC_BASE_URL"] = "http://127.0.0.1:5000"


def missing_in_production(config: Mapping[str, Any]) -> list[str]:
    """The variables production needs (with each enabled channel's ``required_settings``)
    that are not set."""
    needed = ["DATABASE_URL", "SECRET_KEY", "PSEUDONYM_KEY"]
    for channel in config["CHANNELS"]:
        needed.extend(adapter(channel).required_settings)
    return [key for key in dict.fromkeys(needed) if not config.get(key)]


def _require(config: dict[str, Any], instance_path: Path) -> None:
    missing = missing_in_production(config)
    if missing:
        raise ConfigError(
            "Sangkhim cannot start in production: set "
            + ", ".join(missing)
            + " (see README, 'Configuration')."
        )
    problems = production_problems(config, instance_path)
    if problems:
        raise ConfigError("Sangkhim cannot start in production: "
                          + " ".join(map(str, problems)))


def production_problems(config: Mapping[str, Any], instance_path: Path) -> list[Problem]:
    """Everything production refuses beyond the settings of either mode: a missing variable,
    a weak or repeated secret (``secret_problems``), an outreach chat that could not be
    answered by SMS, an address that is not https, a development secret."""
    problems = [
        Problem(key, f"{key} is not set.", "Set it (see README, 'Configuration')"
                + (f"; generate it with {GENERATE}." if key in KEYS else "."))
        for key in missing_in_production(config)
    ]
    problems += secret_problems(config)
    if config["HANDOFF_KEY"] and "twilio" in config["CHANNELS"] and not config[
        "TWILIO_ACCOUNT_SID"
    ]:
        problems.append(Problem(
            "TWILIO_ACCOUNT_SID",
            "TWILIO_ACCOUNT_SID is needed to send outreach workers' replies by SMS.",
            "Copy it from the Twilio console (Account info), or unset HANDOFF_KEY.",
        ))
    url = urlsplit(str(config["PUBLIC_BASE_URL"]))
    if config["PUBLIC_BASE_URL"] and (
        url.scheme != "https" or not url.hostname or url.query or url.fragment
    ):
        problems.append(Problem(
            "PUBLIC_BASE_URL",
            "PUBLIC_BASE_URL must be the app's public https:// address "
            "(scheme and host, no query), exactly as configured at Twilio and Telegram.",
            "Put TLS in front of the app (docs/DEPLOY.md) and set its https:// address.",
        ))
    for key in API_BASE_URLS:
        api = urlsplit(str(config[key]))
        if api.scheme != "https" or not api.hostname or api.query or api.fragment:
            problems.append(Problem(
                key, f"{key} must be an https:// address (scheme and host, no query).",
                f"Unset it to use the default, {DEFAULTS[key]}."))
    developed = _stored_dev_secrets(instance_path)
    problems += [
        Problem(key, f"{key} is the development value from {instance_path / 'secrets.json'};",
                "generate a new one.")
        for key in DEV_SECRETS
        if key in developed and config.get(key) == developed[key]
    ]
    return problems


#: The keys measured for randomness, which must all differ.
KEYS = ("SECRET_KEY", "PSEUDONYM_KEY", "HANDOFF_KEY")


def secret_problems(config: Mapping[str, Any]) -> list[Problem]:
    """Keys and the Telegram webhook secret that are set but too easy to guess, look like
    placeholders, or are the same as another: production refuses them, and ``flask doctor``
    reports them in development too. A value that is not set is not judged here."""
    keys = [key for key in (*KEYS, "METRICS_TOKEN") if config.get(key)]
    values = [str(config[key]) for key in keys]
    problems = [_weak_key(key, value, strength.KEY_MIN_BITS) for key, value in zip(keys, values)]
    previous = previous_keys(config.get("HANDOFF_KEY_PREVIOUS"))
    problems += list(dict.fromkeys(
        _weak_key("HANDOFF_KEY_PREVIOUS", p, strength.KEY_MIN_BITS) for p in previous))
    if previous:
        keys.append("HANDOFF_KEY_PREVIOUS")
        values.extend(previous)
    if len(set(values)) < len(values):
        problems.append(Problem(
            ",".join(keys), f"{', '.join(keys)} must all differ.",
            f"Generate a new key for each with {GENERATE}."))
    secret = str(config.get("TELEGRAM_WEBHOOK_SECRET") or "")
    if "telegram" in config.get("CHANNELS", ()) and secret:
        if not _TELEGRAM_SECRET.fullmatch(secret):
            problems.append(Problem(
                "TELEGRAM_WEBHOOK_SECRET",
                "TELEGRAM_WEBHOOK_SECRET must be 16 to 256 characters, each a letter A-Z or a-z, "
                "a digit, _ or -.",
                f"Generate one with {GENERATE}, then run flask telegram set-webhook."))
        else:
            problems.append(_weak_key("TELEGRAM_WEBHOOK_SECRET", secret,
                                      strength.WEBHOOK_SECRET_MIN_BITS))
    return [problem for problem in problems if problem is not None]


def _weak_key(key: str, value: str, min_bits: int) -> Problem | None:
    """Why ``value`` is no key to rely on, or None (the message never quotes the value, nor
    says how many bits it was found to hold)."""
    fix = f"Generate one with {GENERATE}."
    if _PLACEHOLDER.search(value):
        return Problem(key, f"{key} looks like a placeholder, not random text.", fix)
    if strength.key_bits(value) < min_bits:
        return Problem(
            key,
            f"{key} is too easy to guess: it must hold at least {min_bits} bits of randomness, "
            "as Sangkhim measures them (words, repeats, sequences, keyboard rows and dates "
            "count for little, length alone for nothing).", fix)
    return None


def _stored_dev_secrets(instance_path: Path) -> dict[str, str]:
    """The development secrets, if this machine has any; production never creates them."""
    try:
        stored = json.loads((instance_path / "secrets.json").read_text())
    except (OSError, ValueError):
        return {}
    return stored if isinstance(stored, dict) else {}


def _fill_dev_secrets(config: dict[str, Any], instance_path: Path) -> None:
    missing = [key for key in DEV_SECRETS if not config.get(key)]
    if missing:
        stored = _dev_secrets(instance_path)
        for key in missing:
            config[key] = stored[key]


def _dev_secrets(instance_path: Path) -> dict[str, str]:
    """Read ``instance/secrets.json``, creating it exactly once even with racing workers."""
    path = instance_path / "secrets.json"
    instance_path.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fresh = {key: secrets.token_urlsafe(32) for key in DEV_SECRETS}
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another worker won the race; read its file below
        else:
            with os.fdopen(fd, "w") as handle:
                json.dump(fresh, handle, indent=2)
    for _ in range(50):
        try:
            stored = json.loads(path.read_text())
            if all(key in stored for key in DEV_SECRETS):
                return stored
        except (OSError, ValueError):
            pass
        time.sleep(0.05)  # the winning worker is still writing
    raise ConfigError(f"{path} is unreadable: delete it to generate new development secrets.")
