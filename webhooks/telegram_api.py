"""Outbound calls to the Telegram Bot API through python-telegram-bot, at TELEGRAM_API_BASE_URL."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from telegram import Bot
from telegram.error import TelegramError

#: Only private messages are answered; asking Telegram for nothing else saves traffic.
ALLOWED_UPDATES = ("message",)


class TelegramSetupError(RuntimeError):
    pass


def _bot(config: Mapping[str, Any]) -> Bot:
    token = config.get("TELEGRAM_BOT_TOKEN")
    if not token:
        raise TelegramSetupError("TELEGRAM_BOT_TOKEN is not set.")
    return Bot(token=token, base_url=config["TELEGRAM_API_BASE_URL"])


def webhook_url(config: Mapping[str, Any]) -> str:
    base = config.get("PUBLIC_BASE_URL") or ""
    if not base.startswith("https://"):
        raise TelegramSetupError(
            f"PUBLIC_BASE_URL must be an https:// address Telegram can reach (got {base!r})."
        )
    return f"{base}/webhooks/telegram"


def set_webhook(config: Mapping[str, Any], url: str | None = None) -> str:
    """Register our webhook with its secret token; returns the URL registered."""
    target = url or webhook_url(config)

    async def call() -> None:
        async with _bot(config) as bot:
            await bot.set_webhook(
                url=target,
                secret_token=config["TELEGRAM_WEBHOOK_SECRET"],
                allowed_updates=list(ALLOWED_UPDATES),
                drop_pending_updates=False,
            )

    try:
        asyncio.run(call())
    except TelegramError as error:
        raise TelegramSetupError(f"Telegram refused the webhook: {_clean(error, config)}") from None
    return target


def webhook_info(config: Mapping[str, Any]) -> dict[str, Any]:
    async def call() -> dict[str, Any]:
        async with _bot(config) as bot:
            info = await bot.get_webhook_info()
            return {"url": info.url, "pending_update_count": info.pending_update_count,
                    "last_error_message": info.last_error_message}

    try:
        return asyncio.run(call())
    except TelegramError as error:
        raise TelegramSetupError(f"Telegram did not answer: {_clean(error, config)}") from None


def _clean(error: TelegramError, config: Mapping[str, Any]) -> str:
    """The library's message, without the bot token some of its errors quote."""
    message = str(error.message)
    token = config.get("TELEGRAM_BOT_TOKEN") or ""
    return message.replace(token, "[bot token]") if token else message
