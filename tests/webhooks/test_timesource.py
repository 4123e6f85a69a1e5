"""The app's one clock (``webhooks.timesource``): what the tests pin so that none of them depends
on when the suite runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from core.vocabulary import CAMBODIA
from tests.conftest import PINNED_NOW
from tests.webhooks.channels import TwilioSender, conversation
from webhooks import timesource


def test_a_pinned_clock_shows_its_instant_until_it_is_moved() -> None:
    app = Flask(__name__)
    clock = timesource.pin(app, datetime(2027, 4, 13, 23, 30, tzinfo=CAMBODIA))
    with app.app_context():
        assert timesource.now() == datetime(2027, 4, 13, 16, 30, tzinfo=UTC)
        assert timesource.now().tzinfo == UTC
        assert timesource.cambodia_today().isoformat() == "2027-04-13"
        clock.advance(timedelta(minutes=45))  # past midnight in Phnom Penh, not yet in UTC
        assert timesource.now().date().isoformat() == "2027-04-13"
        assert timesource.cambodia_today().isoformat() == "2027-04-14"  # Khmer New Year


def test_an_instant_without_a_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        timesource.Pinned(datetime(2027, 1, 1, 12, 0))


def test_each_app_has_its_own_clock_and_apps_may_share_one() -> None:
    first, second, third = Flask(__name__), Flask(__name__), Flask(__name__)
    shared = timesource.pin(first, datetime(2030, 1, 1, tzinfo=UTC))
    timesource.pin(second, datetime(2031, 6, 1, tzinfo=UTC))
    assert timesource.pin(third, shared) is shared
    shared.advance(timedelta(days=1))
    seen = []
    for app in (first, second, third):
        with app.app_context():
            seen.append(timesource.now().date().isoformat())
    assert seen == ["2030-01-02", "2031-06-01", "2030-01-02"]


def test_a_texters_message_is_handled_at_the_apps_clock(
    app: Flask, clock: timesource.Pinned
) -> None:
    """The webhook's pipeline reads the pinned clock: the conversation is dated in its hour."""
    texter = TwilioSender(app.test_client(), "sms_english", "+85512345678")
    texter.send("hello")
    row = conversation(app, texter.key)
    assert row is not None
    assert row.updated_at == PINNED_NOW.astimezone(UTC).replace(minute=0)
    clock.advance(timedelta(days=400))
    texter.send("menu")
    row = conversation(app, texter.key)
    assert row is not None
    assert row.updated_at == (PINNED_NOW + timedelta(days=400)).astimezone(UTC).replace(minute=0)
