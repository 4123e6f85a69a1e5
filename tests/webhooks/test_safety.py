"""The safety promises over real, signed webhooks: emergencies are always answered, opt-outs
delete only when they are unambiguous and say what is true of each channel, and ordinary
browsing never meets the abuse limit."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask

from bot.replies import Texts
from core.vocabulary import Locale
from tests.webhooks.channels import TelegramUser, TwilioSender, conversation

EN, KM = Texts(Locale.EN), Texts(Locale.KM)


@dataclass(frozen=True)
class OptOut:
    label: str
    channel: str  # sms | whatsapp | telegram
    text: str
    deleted: bool
    #: A sentence the reply must contain.
    says: str
    fixture: str = "sms_english"


OPT_OUTS = [
    # Twilio acts on a one-word STOP itself and blocks SMS until START: the goodbye says so.
    OptOut("sms STOP", "sms", "STOP", True, EN.stopped_by_provider_word()),
    OptOut("sms cancel", "sms", "cancel", True, EN.stopped_by_provider_word()),
    OptOut("sms QUIT", "sms", "QUIT", True, EN.stopped_by_provider_word()),
    OptOut("sms end", "sms", "End", True, EN.stopped_by_provider_word()),
    OptOut("whatsapp cancel: no provider blocking", "whatsapp", "cancel", True, EN.stopped()),
    OptOut("sms STOP with Twilio's OptOutType", "sms", "Stop", True,
           EN.stopped_by_provider_word(), fixture="sms_stop_advanced_opt_out"),
    # Words Twilio does not know are Sangkhim's alone: no START needed.
    OptOut("sms khmer stop", "sms", "ឈប់", True, KM.stopped()),
    OptOut("sms polite opt-out", "sms", "please stop messaging me", True, EN.stopped()),
    OptOut("sms delete my data", "sms", "delete my data please", True, EN.stopped()),
    OptOut("whatsapp STOP", "whatsapp", "STOP", True, EN.stopped()),
    OptOut("telegram STOP", "telegram", "STOP", True, EN.stopped()),
    OptOut("telegram khmer polite opt-out", "telegram", "សូមលុបទិន្នន័យរបស់ខ្ញុំ", True,
           KM.stopped()),
    # Near-misses ask first and keep the conversation.
    OptOut("sms leave me alone", "sms", "leave me alone", False, EN.confirm_stop()),
    OptOut("sms misspelt stop", "sms", "stpo", False, EN.confirm_stop()),
    OptOut("telegram leave me alone", "telegram", "leave me alone", False, EN.confirm_stop()),
    # Wanting to stop using drugs is not an opt-out at all.
    OptOut("sms quit yama typo", "sms", "i wnat to qiut yama", False, "which province"),
    OptOut("sms stop using typo", "sms", "i want to stpo using", False, "which province"),
]


@pytest.mark.parametrize("case", OPT_OUTS, ids=[c.label for c in OPT_OUTS])
def test_opt_outs_over_the_webhooks(sample_app: Flask, case: OptOut) -> None:
    client = sample_app.test_client()
    if case.channel == "telegram":
        user = TelegramUser(client, user_id=5550001, username="someone", first_name="A")
        user.send("1")  # a conversation to delete
        replies, key = [user.send(case.text)], user.key
    else:
        address = "whatsapp:+85587654321" if case.channel == "whatsapp" else "+85512345678"
        fixture = "whatsapp_text" if case.channel == "whatsapp" else case.fixture
        sender = TwilioSender(client, fixture, address)
        sender.send("1")
        replies, key = sender.send(case.text), sender.key
    assert case.says in "\n".join(replies)
    assert (conversation(sample_app, key) is None) is case.deleted
    if case.says != EN.stopped_by_provider_word():
        assert "START" not in "\n".join(replies)


def test_an_emergency_after_the_abuse_notice_is_still_answered(sample_app: Flask) -> None:
    """The issue's case: after the notice, "he is turning blue what do i do" got no reply."""
    sender = TwilioSender(sample_app.test_client(), "sms_english", "+85512345678")
    burst = sample_app.config["RATE_SENDER_BURST"]
    replies = [sender.send("hello") for _ in range(burst + 2)]
    assert replies[-1] == []  # silenced
    reply = "\n".join(sender.send("he is turning blue what do i do"))
    assert EN.emergency()[0] in reply


@pytest.mark.parametrize("text", [
    "my friend went grey and makes a strange snoring noise",
    "ខ្ញុំមិនចង់រស់ទៀតទេ",
    "I want to end it",
])
def test_anything_that_could_be_an_emergency_is_answered_when_limited(
    sample_app: Flask, text: str
) -> None:
    sender = TwilioSender(sample_app.test_client(), "sms_english", "+85512345678")
    for _ in range(sample_app.config["RATE_SENDER_BURST"] + 2):
        sender.send("hello")
    reply = "\n".join(sender.send(text))
    assert "119" in reply or "១១៩" in reply


def test_thirteen_messages_in_five_minutes_is_ordinary_browsing(sample_app: Flask) -> None:
    sender = TwilioSender(sample_app.test_client(), "sms_english", "+85512345678")
    browsing = ["hi", "1", "Battambang", "MORE", "MENU", "4", "1", "menu", "3", "Phnom Penh",
                "MORE", "menu", "4"]
    replies = [sender.send(text) for text in browsing]
    assert all(replies)
    assert not any("many messages" in m for reply in replies for m in reply)


def test_a_crisis_on_telegram_in_khmer(sample_app: Flask) -> None:
    user = TelegramUser(sample_app.test_client(), user_id=5550002, username="u", first_name="B",
                        language_code="km")
    reply = user.send("ខ្ញុំចង់សម្លាប់ខ្លួន")
    assert KM.crisis()[0] in reply and "១១៩" in reply


@pytest.mark.parametrize("limited", [False, True], ids=["first message", "over the limit"])
def test_an_emergency_padded_with_invisible_marks_gets_first_aid(
    sample_app: Flask, limited: bool
) -> None:
    """Audit N16: 500 right-to-left marks before an emergency only the model recognises."""
    sender = TwilioSender(sample_app.test_client(), "sms_english", "+85512345678")
    for _ in range(sample_app.config["RATE_SENDER_BURST"] + 2 if limited else 0):
        sender.send("hello")
    reply = "\n".join(sender.send("\u200f" * 500 + "she fell down and is not moving"))
    assert EN.emergency()[0] in reply
