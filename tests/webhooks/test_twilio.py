"""``POST /webhooks/twilio/sms`` with captured Twilio payloads."""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, time
from urllib.parse import urlencode

import pytest
from flask import Flask
from twilio.request_validator import RequestValidator

from bot.replies import Texts
from core.vocabulary import CAMBODIA, Locale
from models import Conversation, ProcessedMessage, PublishedDemandEvent, StagedDemandEvent
from tests.conftest import FIXTURES, PINNED_TODAY, TEST_CONFIG
from tests.webhooks.channels import (
    FORM,
    TWILIO_PATH,
    TWILIO_URL,
    TwilioSender,
    conversation,
    count_events,
    count_rows,
    fresh_sid,
    post_twilio,
    twilio_form,
    twilio_signature,
    twiml_messages,
)
from webhooks.timesource import Pinned
from webhooks.twilio import twiml

EN, KM = Texts(Locale.EN), Texts(Locale.KM)
SOKHA = "+85512345678"


def reply_to(app: Flask, fixture: str, before: tuple[str, ...] = (), **changes: str) -> list[str]:
    """Post a captured payload (after ``before`` turns from the same sender) and read the TwiML."""
    form = twilio_form(fixture, **changes)
    client = app.test_client()
    sender = TwilioSender(client, fixture, form["From"])
    for text in before:
        sender.send(text)
    response = post_twilio(client, form)
    assert response.status_code == 200, response.get_data(as_text=True)
    return twiml_messages(response)


TWIML_TEXTS = [
    (),
    ("",),
    ("ok",),
    ("a & b <c> > \"q\" 's' \u17d4",),
    ("ខ្ញុំនៅភ្នំពេញ\n1 មជ្ឈមណ្ឌល ២ គម", "", "]]> &amp; <![CDATA["),
    ("tab\tand\r\nlines", "\u200b zero width"),
]


@pytest.mark.parametrize("texts", TWIML_TEXTS)
def test_twiml_is_what_twilios_builder_writes(texts: tuple[str, ...]) -> None:
    """The reply's TwiML is written directly; twilio's own builder is the oracle."""
    from twilio.twiml.messaging_response import MessagingResponse

    built = MessagingResponse()
    for text in texts:
        built.message(text)
    assert twiml(texts) == str(built)


@pytest.mark.parametrize(
    ("fixture", "before", "changes", "expected"),
    [
        pytest.param("sms_english", ("hello",), {}, [EN.ask_place("find_clinic")],
                     id="english-texter-1-asks-place-in-english"),
        pytest.param("sms_english", (), {}, [KM.ask_place("find_clinic")],
                     id="bare-1-from-a-new-texter-defaults-to-khmer"),
        pytest.param("sms_khmer", (), {}, [KM.menu()],
                     id="khmer-menu-word-gets-khmer-menu"),
        pytest.param("sms_khmer", ("hello",), {}, [KM.menu()],
                     id="khmer-script-wins-over-earlier-english"),
        pytest.param("sms_english", (), {"Body": ""}, [KM.menu(KM.emergency_line())],
                     id="empty-text-gets-menu"),
        pytest.param("sms_english", (), {"Body": "x" * 10_000}, [KM.menu(KM.emergency_line())],
                     id="10kB-text-is-accepted"),
        pytest.param("mms_photo", (), {}, [KM.text_only()], id="photo-gets-text-only"),
        pytest.param("mms_photo", ("hello",), {}, [EN.text_only()],
                     id="photo-after-english-gets-english-text-only"),
        pytest.param("whatsapp_text", (), {}, [EN.ask_place("find_needle_exchange")],
                     id="whatsapp-english-question"),
        pytest.param("whatsapp_text", (), {"Body": "ម្ជុល"},
                     [KM.ask_place("find_needle_exchange")], id="whatsapp-khmer-keyword"),
    ],
)
def test_message_gets_twiml_reply(
    sample_app: Flask,
    fixture: str,
    before: tuple[str, ...],
    changes: dict[str, str],
    expected: list[str],
) -> None:
    assert reply_to(sample_app, fixture, before, **changes) == expected


def test_whatsapp_location_gets_a_reply(sample_app: Flask) -> None:
    """A shared location (no text) is answered, never dropped or refused."""
    messages = reply_to(sample_app, "whatsapp_location")
    assert len(messages) == 1 and messages[0].strip()


def test_fixture_is_posted_exactly_as_captured(app: Flask) -> None:
    """The helper re-encodes the form; posting the file's bytes verbatim must work too."""
    raw = (FIXTURES / "twilio" / "sms_khmer.txt").read_text(encoding="utf-8").strip()
    response = app.test_client().post(
        "/webhooks/twilio/sms", data=raw, content_type=FORM,
        headers={"X-Twilio-Signature": twilio_signature(twilio_form("sms_khmer"))},
    )
    assert response.status_code == 200
    assert twiml_messages(response) == [KM.menu()]


# --- signatures ------------------------------------------------------------------------------


SIGNED = twilio_form("sms_english")


@pytest.mark.parametrize(
    ("signature", "body"),
    [
        pytest.param(None, None, id="missing-header"),
        pytest.param("", None, id="empty-header"),
        pytest.param("not-a-signature", None, id="garbage"),
        pytest.param(twilio_signature(SIGNED, token="someone-elses-token"), None,
                     id="wrong-auth-token"),
        pytest.param(twilio_signature(SIGNED, url=TWILIO_URL.replace("sangkhim.example.org",
                                                                   "attacker.example.net")),
                     None, id="signed-for-another-host"),
        pytest.param(twilio_signature(SIGNED, url=TWILIO_URL.replace("https:", "http:")), None,
                     id="signed-for-http-not-https"),
        pytest.param(twilio_signature(SIGNED, url=TWILIO_URL.replace("/sms", "/other")), None,
                     id="signed-for-another-path"),
        pytest.param(twilio_signature(SIGNED), urlencode({**SIGNED, "Body": "6"}),
                     id="parameter-changed-after-signing"),
    ],
)
def test_bad_signature_is_forbidden_and_changes_nothing(
    app: Flask, signature: str | None, body: str | None
) -> None:
    response = post_twilio(app.test_client(), SIGNED, signature=signature, body=body)
    assert response.status_code == 403
    assert count_rows(app, ProcessedMessage) == 0
    assert count_rows(app, Conversation) == 0


# --- X-Twilio-Webhooks-Signature-Settings ----------------------------------------------------

SETTINGS = "HTTP_X_TWILIO_WEBHOOKS_SIGNATURE_SETTINGS"
#: Anything of these in a log line means the unauthenticated header reached the log.
HOSTILE = re.compile(r"INJECTED|\x1b|\r|\n|MD5|sharedkey_x|\u202e|\u1780")


def _log_text(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)


@pytest.mark.parametrize("signed", [True, False], ids=["correctly-signed", "unsigned"])
@pytest.mark.parametrize(
    "settings",
    [
        pytest.param("key=webhooks_sharedkey_x,algorithm=HMAC_SHA1\r\n"
                     "ERROR twilio: INJECTED admin login ok\x1b[2J\x1b[31m",
                     id="newlines-and-ANSI-after-a-known-name"),
        pytest.param("algorithm=\x1b[1A\x1b[2KINFO sangkhim: INJECTED\nforged line",
                     id="ANSI-and-newline-as-the-name"),
        pytest.param("algorithm=MD5", id="unknown-name"),
        pytest.param("algorithm=HMAC_SHA1\u202e\u1780INJECTED" + "A" * 4000,
                     id="bidi-khmer-and-4kB"),
    ],
)
def test_hostile_signature_settings_are_refused_and_never_logged(
    app: Flask, caplog: pytest.LogCaptureFixture, settings: str, signed: bool
) -> None:
    """The header is read before anything is authenticated: an algorithm other than the two
    Twilio names is refused (403) without its value reaching the library or a log line."""
    caplog.set_level(logging.DEBUG)
    headers = {"X-Twilio-Signature": twilio_signature(SIGNED) if signed else "AAAA"}
    response = app.test_client().post(
        TWILIO_PATH, data=urlencode(SIGNED), content_type=FORM, headers=headers,
        environ_base={SETTINGS: settings},
    )
    assert response.status_code == 403, response.get_data(as_text=True)
    assert not HOSTILE.search(_log_text(caplog)), _log_text(caplog)
    assert count_rows(app, ProcessedMessage) == 0


@pytest.mark.parametrize(
    ("settings", "algorithm"),
    [
        pytest.param(None, "HMAC_SHA1", id="no-header-is-sha1"),
        pytest.param("", "HMAC_SHA1", id="empty-header-is-sha1"),
        pytest.param("key=webhooks_sharedkey_0a1b", "HMAC_SHA1", id="no-algorithm-is-sha1"),
        pytest.param("key=webhooks_sharedkey_0a1b,algorithm=HMAC_SHA1", "HMAC_SHA1", id="sha1"),
        pytest.param("key=webhooks_sharedkey_0a1b,algorithm=HMAC_SHA256", "HMAC_SHA256",
                     id="sha256"),
    ],
)
def test_known_signature_algorithms_are_accepted(
    app: Flask, settings: str | None, algorithm: str
) -> None:
    form = twilio_form("sms_english")
    signature = RequestValidator(TEST_CONFIG["TWILIO_AUTH_TOKEN"]).compute_signature(
        TWILIO_URL, form, algorithm
    )
    environ = {} if settings is None else {SETTINGS: settings}
    response = app.test_client().post(
        TWILIO_PATH, data=urlencode(form), content_type=FORM,
        headers={"X-Twilio-Signature": signature}, environ_base=environ,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert twiml_messages(response)


# --- status callbacks ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "changes"),
    [
        pytest.param("status_delivered", {}, id="delivered"),
        pytest.param("status_delivered", {"MessageStatus": "sent", "SmsStatus": "sent",
                                          "RawDlrDoneDate": None}, id="sent"),
        pytest.param("status_failed", {}, id="failed-30008"),
        pytest.param("status_failed", {"MessageStatus": "undelivered",
                                       "SmsStatus": "undelivered", "ErrorCode": "30003"},
                     id="undelivered-30003"),
        pytest.param("status_delivered", {"SmsStatus": None}, id="MessageStatus-only"),
        pytest.param("status_delivered", {"MessageStatus": None}, id="SmsStatus-only"),
        pytest.param("status_delivered", {
            "From": "whatsapp:+85523900100", "To": "whatsapp:+85587654321",
            "MessageStatus": "read", "SmsStatus": "read", "ChannelPrefix": "whatsapp",
            "ChannelToAddress": "+85587654321", "RawDlrDoneDate": None,
        }, id="whatsapp-read"),
    ],
)
def test_status_callback_is_acknowledged_and_records_nothing(
    sample_app: Flask, caplog: pytest.LogCaptureFixture, fixture: str,
    changes: dict[str, str | None],
) -> None:
    """A delivery report for a reply we sent is not a message: no reply, no row, no log line."""
    caplog.set_level(logging.DEBUG)
    form = twilio_form(fixture, **changes)
    response = post_twilio(sample_app.test_client(), form)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert twiml_messages(response) == []
    for model in (Conversation, ProcessedMessage, StagedDemandEvent, PublishedDemandEvent):
        assert count_rows(sample_app, model) == 0
    logged = _log_text(caplog)
    for value in (form["From"], form["To"], form["MessageSid"], form["AccountSid"]):
        assert value.removeprefix("whatsapp:").lstrip("+") not in logged


@pytest.mark.parametrize("fixture", ["status_delivered", "status_failed"])
def test_status_callback_with_a_bad_signature_is_forbidden(app: Flask, fixture: str) -> None:
    response = post_twilio(app.test_client(), twilio_form(fixture), signature="not-a-signature")
    assert response.status_code == 403
    assert count_rows(app, ProcessedMessage) == 0


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "body", "content_type", "status"),
    [
        pytest.param(twilio_form("missing_from"), None, FORM, 400, id="missing-From"),
        pytest.param(twilio_form("sms_english", MessageSid=None, SmsMessageSid=None, SmsSid=None),
                     None, FORM, 400, id="missing-MessageSid"),
        pytest.param({}, "", FORM, 400, id="empty-body"),
        pytest.param(twilio_form("sms_english", Body="x" * (1 << 20)), None, FORM, 413,
                     id="1MB-body"),
        # Twilio signs form parameters; a JSON body has none, so its signature cannot match.
        pytest.param(twilio_form("sms_english"), json.dumps(twilio_form("sms_english")),
                     "application/json", 403, id="json-instead-of-form"),
        pytest.param(twilio_form("sms_english"), b"\xff\xfe\x00garbage=%%%", FORM, 403,
                     id="undecodable-bytes"),
    ],
)
def test_bad_input_is_a_client_error(
    app: Flask, form: dict[str, str], body: str | bytes | None, content_type: str, status: int
) -> None:
    response = post_twilio(app.test_client(), form, body=body, content_type=content_type)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json and "Traceback" not in response.get_data(as_text=True)
    assert count_rows(app, ProcessedMessage) == 0


# --- duplicates and STOP ---------------------------------------------------------------------


@pytest.mark.parametrize("local_time", [time(7, 59), time(11, 30), time(23, 59, 30)],
                         ids=["before-opening", "open", "a-minute-to-midnight"])
def test_redelivered_message_sid_gets_same_reply_and_counts_once(
    sample_app: Flask, clock: Pinned, local_time: time
) -> None:
    """Twilio retries on a timeout: the retry must not count demand or move the state again.

    The app's clock is pinned (each result line's words, "open now" or "opens at 8:00", decide
    how many lines fit one SMS): before services open, while they are open and a minute before
    midnight, so the pages are the same whenever the suite runs."""
    clock.set(datetime.combine(PINNED_TODAY, local_time, CAMBODIA))
    texter = TwilioSender(sample_app.test_client(), "sms_english", SOKHA)
    texter.send("hello")
    texter.send("1")

    sid = fresh_sid()
    first = texter.send("Battambang", sid)
    assert texter.send("Battambang", sid) == first
    assert count_events(sample_app) == 1
    assert count_rows(sample_app, ProcessedMessage) == 3

    # How many result lines fit one SMS depends on the words of each line (its opening status
    # at that instant), so the test compares offsets with each other, never with a fixed number.
    first_page = _offset(sample_app, texter.key)
    more = fresh_sid()
    page_two = texter.send("MORE", more)
    second_page = _offset(sample_app, texter.key)
    assert second_page > first_page
    assert texter.send("MORE", more) == page_two
    assert _offset(sample_app, texter.key) == second_page  # one page further, not two

    texter.send("MORE")  # a new MessageSid does move on: the check above could fail
    assert _offset(sample_app, texter.key) > second_page


def _offset(app: Flask, key: str) -> int:
    row = conversation(app, key)
    assert row is not None
    return int(json.loads(row.data)["shown"]["offset"])


@pytest.mark.parametrize(
    ("greeting", "stop", "goodbye"),
    [
        pytest.param("hello", "STOP", EN.stopped_by_provider_word(), id="english-STOP"),
        pytest.param("ម៉ឺនុយ", "ឈប់", KM.stopped(), id="khmer-ឈប់"),
        pytest.param("hello", "stop", EN.stopped_by_provider_word(), id="lowercase-stop"),
        pytest.param("hello", "delete my data", EN.stopped(), id="delete-my-data"),
    ],
)
def test_stop_deletes_only_this_senders_conversation(
    app: Flask, greeting: str, stop: str, goodbye: str
) -> None:
    """One-word SMS STOP is also Twilio's opt-out word: the goodbye says START undoes it."""
    client = app.test_client()
    leaving = TwilioSender(client, "sms_english", SOKHA)
    staying = TwilioSender(client, "whatsapp_text", "whatsapp:+85587654321")
    leaving.send(greeting)
    staying.send(greeting)
    assert conversation(app, leaving.key) is not None

    assert leaving.send(stop) == [goodbye]
    assert conversation(app, leaving.key) is None
    assert conversation(app, staying.key) is not None
