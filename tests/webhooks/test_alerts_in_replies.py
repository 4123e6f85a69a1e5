"""An alert posted in storage reaches the texter through the whole pipeline (Twilio SMS), on
SQLite and PostgreSQL: in a result list, as the answer to "any news?", a service it closes no
longer offered; and gone once withdrawn or ended."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from core.alert_info import Scope
from core.alert_rules import AlertDraft
from core.vocabulary import AlertKind
from models import Service
from models import alerts as storage
from tests.conftest import PINNED_NOW
from tests.webhooks.channels import TwilioSender
from webhooks.timesource import Pinned

SOKHA = "+85512345678"
HEALTH_EN = "Red pills are putting people in hospital."
ADVICE_EN = "Test a small amount first, do not use alone."


def _post(app: Flask, kind: AlertKind, scope: str, km: str, en: str, days: float = 3,
          advice: tuple[str, str] = ("", "")) -> int:
    with app.extensions["sangkhim.db"].sessions() as session, session.begin():
        return storage.post(session, AlertDraft(
            kind, Scope.parse(scope), km, en, advice[0], advice[1],
            PINNED_NOW - timedelta(hours=1), PINNED_NOW + timedelta(days=days)),
            None, PINNED_NOW - timedelta(hours=1)).id


@pytest.fixture
def alerted(app: Flask) -> Flask:
    with app.extensions["sangkhim.db"].sessions() as session, session.begin():
        open_one = Service(service_type="methadone", name_km="មេតាដូនសុខា",
                           name_en="Sokha Methadone", province_code="12", district_code="1201",
                           phone="012 345 678", opening_hours="Mo-Su 00:00-24:00",
                           is_walk_in=True)
        closed_one = Service(service_type="methadone", name_km="មេតាដូនបិទ",
                             name_en="Closed Methadone", province_code="12",
                             district_code="1201", phone="012 345 679",
                             opening_hours="Mo-Su 00:00-24:00", is_walk_in=True)
        session.add_all([open_one, closed_one])
        session.flush()
        closed_id = closed_one.id
    _post(app, AlertKind.HEALTH, "province:12", "ថ្នាំគ្រាប់ក្រហមធ្វើឱ្យមនុស្សចូលពេទ្យ។",
          HEALTH_EN, advice=("សាកល្បងបន្តិចសិន កុំប្រើម្នាក់ឯង។", ADVICE_EN))
    _post(app, AlertKind.CLOSED, f"service:{closed_id}", "បិទសប្តាហ៍នេះ។",
          "Closed this week.")
    return app


def test_an_alert_in_storage_shows_in_the_sms_reply(alerted: Flask) -> None:
    sender = TwilioSender(alerted.test_client(), "sms_english", SOKHA)
    listed = "\n".join(sender.send("methadone in phnom penh"))
    assert HEALTH_EN in listed
    assert "Sokha Methadone" in listed and "Closed Methadone" not in listed
    news = "\n".join(sender.send("any news?"))  # the place the conversation has
    assert HEALTH_EN in news and ADVICE_EN in news and "Closed this week." in news
    assert "police" not in news.lower()


def test_khmer_texters_read_the_khmer_text(alerted: Flask) -> None:
    sender = TwilioSender(alerted.test_client(), "sms_khmer", SOKHA)
    reply = "\n".join(sender.send("មានព័ត៌មានថ្មីទេ នៅភ្នំពេញ"))
    assert "ថ្នាំគ្រាប់ក្រហមធ្វើឱ្យមនុស្សចូលពេទ្យ។" in reply and HEALTH_EN not in reply


def test_a_withdrawn_or_ended_alert_is_no_longer_said(alerted: Flask, clock: Pinned) -> None:
    with alerted.extensions["sangkhim.db"].sessions() as session, session.begin():
        health = next(a for a in storage.active_alerts(session, PINNED_NOW)
                      if a.kind is AlertKind.HEALTH)
        storage.withdraw(session, storage.find(session, health.id), None, PINNED_NOW)
    clock.advance(timedelta(minutes=1))
    sender = TwilioSender(alerted.test_client(), "sms_english", SOKHA)
    assert HEALTH_EN not in "\n".join(sender.send("methadone in phnom penh"))
    assert "Closed Methadone" not in "\n".join(sender.send("MORE"))  # still closed
    clock.advance(timedelta(days=4))  # the closure has ended by itself
    listed = "\n".join(TwilioSender(alerted.test_client(), "sms_english", "+85512000000")
                       .send("methadone in phnom penh"))
    assert "Closed Methadone" in listed
    news = "\n".join(TwilioSender(alerted.test_client(), "sms_english", "+85512000001")
                     .send("any news in phnom penh?"))
    assert "has posted no news for" in news and "do not use alone" in news
