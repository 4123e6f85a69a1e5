"""Outbound calls to the Telegram Bot API through python-telegram-bot, at TELEGRAM_API_BASE_URL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from telegram import Bot, ChatMember, ChatMemberAdministrator, WebhookInfo
from telegram.constants import ChatType
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    TelegramError,
)
from telegram.request import HTTPXRequest

from bot.types import Venue
from webhooks.adapter import PREFIX, SendError, adapter

log = logging.getLogger(__name__)
#: Map pins are a nicety: never hold a worker long for them.
VENUE_TIMEOUT_SECONDS = 3.0

#: Only private messages are answered; asking Telegram for nothing else saves traffic.
ALLOWED_UPDATES = ("message",)


class TelegramRefused(SendError):
    """Telegram answered, and refused the message (an unknown chat, a bot without the right,
    a bad token): trying again will not help until the setting is fixed."""


#: The errors that are Telegram's answer, not a failure to get one.
REFUSALS = (BadRequest, Forbidden, InvalidToken, ChatMigrated, EndPointNotFound)


class TelegramSetupError(RuntimeError):
    """Telegram refused or did not answer; ``token_refused`` when it refused the bot token,
    ``refused`` when it answered with any refusal (``REFUSALS``) rather than not at all."""

    def __init__(self, message: str, token_refused: bool = False, refused: bool = False
                 ) -> None:
        super().__init__(message)
        self.token_refused = token_refused
        self.refused = refused or token_refused


def _bot(config: Mapping[str, Any]) -> Bot:
    token = config.get("TELEGRAM_BOT_TOKEN")
    if not token:
        raise TelegramSetupError("TELEGRAM_BOT_TOKEN is not set.")
    return Bot(token=token, base_url=config["TELEGRAM_API_BASE_URL"])


def send_venues(config: Mapping[str, Any], chat_id: int, venues: list[Venue]) -> int:
    """Send one map pin per service (``sendVenue``); returns how many went. Failures are logged
    without the chat id and otherwise ignored: the text reply has already been delivered."""
    request = HTTPXRequest(
        connect_timeout=VENUE_TIMEOUT_SECONDS, read_timeout=VENUE_TIMEOUT_SECONDS,
        write_timeout=VENUE_TIMEOUT_SECONDS, pool_timeout=VENUE_TIMEOUT_SECONDS,
    )

    async def call() -> int:
        sent = 0
        bot = Bot(token=config["TELEGRAM_BOT_TOKEN"], base_url=config["TELEGRAM_API_BASE_URL"],
                  request=request)
        for venue in venues:
            await bot.send_venue(
                chat_id=chat_id, latitude=venue.latitude, longitude=venue.longitude,
                title=venue.title[:100], address=venue.address[:100] or venue.title[:100],
                disable_notification=True,
            )
            sent += 1
        return sent

    try:
        return asyncio.run(call())
    except (TelegramError, OSError) as error:
        log.warning("map pins skipped: Bot API unavailable (%s)", type(error).__name__)
        return 0


#: A worker's reply waits this long for the Bot API at most (the worker sees a failure).
SEND_TIMEOUT_SECONDS = 10.0


def send_text(config: Mapping[str, Any], chat_id: int | str, text: str) -> None:
    """Send one message (``sendMessage``): an outreach worker's reply in a handoff, or an
    alert to the organisation's channel (``post_to_channel``)."""
    request = HTTPXRequest(
        connect_timeout=SEND_TIMEOUT_SECONDS, read_timeout=SEND_TIMEOUT_SECONDS,
        write_timeout=SEND_TIMEOUT_SECONDS, pool_timeout=SEND_TIMEOUT_SECONDS,
    )

    async def call() -> None:
        bot = Bot(token=config["TELEGRAM_BOT_TOKEN"], base_url=config["TELEGRAM_API_BASE_URL"],
                  request=request)
        await bot.send_message(chat_id=chat_id, text=text[:4096])

    if not config.get("TELEGRAM_BOT_TOKEN"):
        raise SendError("TELEGRAM_BOT_TOKEN is not set")
    try:
        asyncio.run(call())
    except (TelegramError, OSError) as error:
        refused = TelegramRefused if isinstance(error, REFUSALS) else SendError
        raise refused(f"Telegram did not take the message ({type(error).__name__})") from None


def post_to_channel(config: Mapping[str, Any], text: str) -> None:
    """Post ``text`` to ``TELEGRAM_ALERTS_CHANNEL`` (a channel the bot is an admin of: its
    numeric id, -100…, or its @name); raise ``SendError``. People join the channel themselves:
    nothing about them reaches us."""
    channel = str(config.get("TELEGRAM_ALERTS_CHANNEL") or "")
    if not channel:
        raise SendError("TELEGRAM_ALERTS_CHANNEL is not set")
    send_text(config, _chat_id(channel), text)


@dataclass(frozen=True)
class ChannelStatus:
    """What Telegram says of ``TELEGRAM_ALERTS_CHANNEL`` and of our bot in it (``flask
    doctor``): the chat's type ("channel", "supergroup", …) and title, the bot's @name, its
    status there ("administrator", "creator", "member", "left", … or "" when Telegram would not
    say) and whether it may post."""

    chat_type: str
    title: str
    bot_name: str
    bot_status: str
    can_post: bool


def alerts_channel_status(config: Mapping[str, Any]) -> ChannelStatus:
    """``getMe``, ``getChat`` for ``TELEGRAM_ALERTS_CHANNEL``, then ``getChatMember`` for the
    bot itself: can the bot post there? Raises ``TelegramSetupError`` (``refused`` when Telegram
    answered that it does not know the chat or will not show it to the bot). Sends nothing."""
    chat = _chat_id(str(config.get("TELEGRAM_ALERTS_CHANNEL") or ""))

    async def call() -> ChannelStatus:
        async with _bot(config) as bot:
            me = await bot.get_me()
            found = await bot.get_chat(chat)
            try:
                member: ChatMember | None = await bot.get_chat_member(found.id, me.id)
            except (BadRequest, Forbidden):  # a channel hides its members from a non-admin
                member = None
        status = str(member.status) if member is not None else ""
        can_post = status == ChatMember.OWNER or (
            isinstance(member, ChatMemberAdministrator)
            and (found.type != ChatType.CHANNEL or bool(member.can_post_messages)))
        return ChannelStatus(str(found.type), found.title or "", me.username or "", status,
                             can_post)

    try:
        return asyncio.run(call())
    except InvalidToken as error:
        raise TelegramSetupError(f"Telegram refused the bot token: {_clean(error, config)}",
                                 token_refused=True) from None
    except REFUSALS as error:
        raise TelegramSetupError(f"Telegram answered: {_clean(error, config)}",
                                 refused=True) from None
    except (TelegramError, OSError) as error:
        raise TelegramSetupError(f"Telegram did not answer ({type(error).__name__})") from None


def _chat_id(channel: str) -> int | str:
    """A channel's numeric id as a number, an @name as it is."""
    return int(channel) if channel.lstrip("-").isdigit() else channel


def webhook_url(config: Mapping[str, Any]) -> str:
    base = config.get("PUBLIC_BASE_URL") or ""
    if not base.startswith("https://"):
        raise TelegramSetupError(
            f"PUBLIC_BASE_URL must be an https:// address Telegram can reach (got {base!r})."
        )
    return f"{base}{PREFIX}{adapter('telegram').path}"


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
    info = webhook_status(config)
    return {"url": info.url, "pending_update_count": info.pending_update_count,
            "last_error_message": info.last_error_message}


def webhook_status(config: Mapping[str, Any]) -> WebhookInfo:
    """What Telegram knows of our webhook (``getWebhookInfo``): its URL, pending updates and
    the last delivery error, with its date (``flask telegram info``, ``flask doctor``)."""
    async def call() -> WebhookInfo:
        async with _bot(config) as bot:
            return await bot.get_webhook_info()

    try:
        return asyncio.run(call())
    except InvalidToken as error:
        raise TelegramSetupError(f"Telegram refused the bot token: {_clean(error, config)}",
                                 token_refused=True) from None
    except TelegramError as error:
        raise TelegramSetupError(f"Telegram did not answer: {_clean(error, config)}") from None


def _clean(error: TelegramError, config: Mapping[str, Any]) -> str:
    """The library's message, without the bot token some of its errors quote."""
    message = str(error.message)
    token = config.get("TELEGRAM_BOT_TOKEN") or ""
    return message.replace(token, "[bot token]") if token else message
