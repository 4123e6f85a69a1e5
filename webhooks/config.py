"""Configuration from the environment (README, "Configuration").

Production (``SANGKHIM_ENV=production``) fails fast, naming every missing variable. Development
generates missing secrets once and keeps them in ``instance/secrets.json`` (mode 600), so
restarts and several gunicorn workers agree on them.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

CHANNELS = ("twilio", "telegram")
DEV_SECRETS = ("SECRET_KEY", "PSEUDONYM_KEY", "TWILIO_AUTH_TOKEN", "TELEGRAM_WEBHOOK_SECRET")
REQUIRED_BY_CHANNEL = {
    "twilio": ("TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL"),
    "telegram": ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET"),
}
DEFAULTS: dict[str, Any] = {
    "SANGKHIM_ENV": "development",
    "SANGKHIM_CHANNELS": ",".join(CHANNELS),
    "PUBLIC_BASE_URL": "",
    "TELEGRAM_BOT_TOKEN": "",
    # A phone line texters can call to ask, offered when nothing is within reach (optional).
    "HELPLINE_PHONE": "",
    "TELEGRAM_API_BASE_URL": "https://api.telegram.org/bot",
    "STATE_TTL_HOURS": 24,
    "PROCESSED_RETENTION_DAYS": 7,
    "K_ANONYMITY": 5,
    # Abuse limits (webhooks/ratelimit.py): messages per sender in 5 minutes before the notice,
    # replies per conversation, messages answered per worker per minute.
    "RATE_SENDER_BURST": 30,
    "RATE_CONVERSATION_REPLIES": 200,
    "RATE_WORKER_PER_MINUTE": 1200,
    # Webhook bodies are small; anything bigger is refused before it is read (413).
    "MAX_CONTENT_LENGTH": 64 * 1024,
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
    "HELPLINE_PHONE",
    "STATE_TTL_HOURS",
    "PROCESSED_RETENTION_DAYS",
    "K_ANONYMITY",
    "RATE_SENDER_BURST",
    "RATE_CONVERSATION_REPLIES",
    "RATE_WORKER_PER_MINUTE",
)
INT_KEYS = (
    "STATE_TTL_HOURS",
    "PROCESSED_RETENTION_DAYS",
    "K_ANONYMITY",
    "MAX_CONTENT_LENGTH",
    "RATE_SENDER_BURST",
    "RATE_CONVERSATION_REPLIES",
    "RATE_WORKER_PER_MINUTE",
)


class ConfigError(RuntimeError):
    """Start-up must stop: the message names what is missing or wrong."""


def load(instance_path: Path, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Merge defaults, environment and ``overrides``; then validate or fill dev secrets."""
    config: dict[str, Any] = dict(DEFAULTS)
    config.update({k: os.environ[k] for k in ENV_KEYS if os.environ.get(k)})
    config.update(overrides or {})
    for key in INT_KEYS:
        try:
            config[key] = int(config[key])
        except (TypeError, ValueError):
            raise ConfigError(f"{key} must be a whole number, got {config[key]!r}") from None
    config["CHANNELS"] = _channels(str(config["SANGKHIM_CHANNELS"]))
    production = config["SANGKHIM_ENV"] == "production"
    config["PRODUCTION"] = production
    if production:
        _require(config)
    else:
        _fill_dev_secrets(config, instance_path)
        config.setdefault("DATABASE_URL", f"sqlite:///{instance_path / 'sangkhim.db'}")
        if not config["PUBLIC_BASE_URL"]:
            config["PUBLIC_BASE_URL"] = "http://127.0.0.1:5000"
    config["PUBLIC_BASE_URL"] = str(config["PUBLIC_BASE_URL"]).rstrip("/")
    return config


def _channels(raw: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in raw.split(",") if n.strip())
    unknown = [n for n in names if n not in CHANNELS]
    if unknown:
        raise ConfigError(
            f"SANGKHIM_CHANNELS names unknown channel(s) {', '.join(unknown)}; "
            f"choose from {', '.join(CHANNELS)}"
        )
    return names


def _require(config: dict[str, Any]) -> None:
    needed = ["DATABASE_URL", "SECRET_KEY", "PSEUDONYM_KEY"]
    for channel in config["CHANNELS"]:
        needed.extend(REQUIRED_BY_CHANNEL[channel])
    missing = [key for key in needed if not config.get(key)]
    if missing:
        raise ConfigError(
            "Sangkhim cannot start in production: set "
            + ", ".join(missing)
            + " (see README, 'Configuration')."
        )
    for key in ("SECRET_KEY", "PSEUDONYM_KEY"):
        if len(str(config[key])) < 32:
            raise ConfigError(f"{key} must be at least 32 characters of random text.")


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
