"""Twilio Messaging webhook: SMS, and WhatsApp when ``From`` is ``whatsapp:+…``.

verify (X-Twilio-Signature with twilio's own validator, against PUBLIC_BASE_URL + path) →
parse (whitelist into ``Inbound``; FromCity, FromZip, ProfileName… never get past here) →
pipeline → render (TwiML, ``twiml``): ``ADAPTER``, this module's channel adapter
(``webhooks/adapter.py``).

A status callback (Twilio reporting that a reply was sent, delivered, failed…) posted here is
acknowledged with an empty ``<Response/>`` once its signature is checked, and nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from flask import Response, abort, current_app, request
from twilio.request_validator import (
    HMAC_SHA1,
    HMAC_SHA256,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
)

from bot.types import Inbound
from core.geo import GeoPoint
from core.vocabulary import CAPABILITIES, Capabilities, Channel
from webhooks import twilio_api
from webhooks.adapter import Acknowledge, Parsed
from webhooks.pseudonym import sender_key

if TYPE_CHECKING:
    from webhooks.pipeline import Answer

log = logging.getLogger(__name__)

MAX_BODY_CHARS = 1600  # Twilio's own limit for a message body
#: The words on which Twilio itself opts an SMS sender out (the whole message, any case) and
#: blocks every further message until they send START. Twilio: "Customize users' opt-in and
#: opt-out experience with Advanced Opt-Out" (twilio.com/docs/messaging/tutorials/advanced-opt-out).
TWILIO_OPT_OUT_WORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
)


def signed_url() -> str:
    """The URL Twilio signed: our public base plus the path (and query, if any) requested."""
    query = request.query_string.decode("latin-1")
    return current_app.config["PUBLIC_BASE_URL"] + request.path + (f"?{query}" if query else "")


def signature_algorithm(settings: str | None) -> str | None:
    """The algorithm the X-Twilio-Webhooks-Signature-Settings header (``key=…,algorithm=…``)
    names: HMAC_SHA1 when it names none, None when it names one Twilio does not use.

    The header arrives before anything is authenticated, and twilio's validator logs an
    algorithm it does not know verbatim (newlines and terminal escapes included), so only one of
    the two known names is ever passed on."""
    for part in (settings or "").split(","):
        name, separator, value = part.partition("=")
        if separator and name.strip() == "algorithm" and value.strip():
            algorithm = value.strip().upper()
            return algorithm if algorithm in (HMAC_SHA1, HMAC_SHA256) else None
    return HMAC_SHA1


def is_status_callback(form: Mapping[str, str]) -> bool:
    """Whether Twilio is reporting on a message we sent rather than passing one on. Its status
    callbacks carry MessageSid, MessageStatus, AccountSid, From, To, ApiVersion, ErrorCode,
    SmsSid and SmsStatus; an inbound message has SmsStatus (``received``) too, but always a
    Body and NumMedia. (twilio.com/docs/messaging/guides/track-outbound-message-status)"""
    has_status = "MessageStatus" in form or "SmsStatus" in form
    return has_status and "Body" not in form and "NumMedia" not in form


def _inbound(form: Mapping[str, str]) -> Inbound | None:
    """The message, or None without a sender or a message id."""
    address = form.get("From", "")
    message_sid = form.get("MessageSid") or form.get("SmsMessageSid") or ""
    if not address or not message_sid:
        return None
    channel = Channel.WHATSAPP if address.lower().startswith("whatsapp:") else Channel.SMS
    body = form.get("Body", "")[:MAX_BODY_CHARS]
    location = _location(form.get("Latitude"), form.get("Longitude"))
    has_media = form.get("NumMedia", "0").strip() not in ("", "0")
    return Inbound(
        channel=channel,
        sender_key=sender_key(current_app.config["PSEUDONYM_KEY"], channel, address),
        text=body,
        location=location,
        provider_id=message_sid,
        unsupported=not body.strip() and location is None and has_media,
        provider_opted_out=channel is Channel.SMS and _twilio_opt_out(form, body),
    )


def _twilio_opt_out(form: Mapping[str, str], body: str) -> bool:
    """Whether Twilio opted the sender out: it says so (``OptOutType``, with Advanced Opt-Out)
    or the message is one of its default opt-out words. WhatsApp has no such filtering."""
    opt_out_type = form.get("OptOutType", "")
    return opt_out_type.upper() == "STOP" or body.strip().casefold() in TWILIO_OPT_OUT_WORDS


def _location(latitude: str | None, longitude: str | None) -> GeoPoint | None:
    try:
        lat, lon = float(latitude or ""), float(longitude or "")
    except ValueError:
        return None
    if -90 <= lat <= 90 and -180 <= lon <= 180:
        return GeoPoint(lat, lon)
    return None


#: The TwiML declaration, as twilio's ``MessagingResponse`` writes it.
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def twiml(texts: Sequence[str]) -> str:
    """A TwiML ``<Response>`` with one ``<Message>`` per text, character for character what
    twilio's ``MessagingResponse`` writes (``tests/webhooks/test_twilio.py`` compares the two).
    Written directly: the library builds an ElementTree and serialises it, about a tenth of a
    millisecond of every message for two fixed tags (``make bench``)."""
    if not texts:
        return _XML_DECLARATION + "<Response />"
    messages = "".join(f"<Message>{escape(text)}</Message>" if text else "<Message />"
                       for text in texts)
    return f"{_XML_DECLARATION}<Response>{messages}</Response>"


class TwilioAdapter:
    """SMS and WhatsApp through Twilio Messaging; the reply rides in the TwiML response."""

    name = "twilio"
    path = "/twilio/sms"
    serves = (Channel.SMS, Channel.WHATSAPP)
    labels = {Channel.SMS: "SMS", Channel.WHATSAPP: "WhatsApp"}
    required_settings = ("TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL")
    secret_settings = ("TWILIO_AUTH_TOKEN",)

    def capabilities(self, channel: Channel) -> Capabilities:
        return CAPABILITIES[channel]

    def verify(self) -> bool:
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature:
            return False
        algorithm = signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
        if algorithm is None:
            log.warning("refused a request: unknown algorithm in %s", SIGNATURE_SETTINGS_HEADER)
            return False
        validator = RequestValidator(current_app.config["TWILIO_AUTH_TOKEN"])
        return bool(validator.validate(signed_url(), request.form, signature, algorithm))

    def parse(self) -> Parsed:
        if is_status_callback(request.form):  # acknowledged with an empty <Response/>
            raise Acknowledge(Response(twiml(()), mimetype="text/xml"))
        inbound = _inbound(request.form)
        if inbound is None:
            abort(400, description="From and MessageSid are required")
        form = request.form
        address = {"channel": str(inbound.channel), "to": form.get("From", ""),
                   "from": form.get("To", "")}
        return Parsed(inbound, address=address if address["from"] else None)

    def render(self, answer: Answer, parsed: Parsed) -> Response:
        return Response(twiml([message.text for message in answer.messages]),
                        mimetype="text/xml")

    def send(self, config: Mapping[str, Any], address: Mapping[str, Any], text: str) -> None:
        twilio_api.send_text(config, str(address["to"]), str(address["from"]), text)

    def preload(self) -> None:
        """Nothing: twilio's validator is imported with this module."""


ADAPTER = TwilioAdapter()
