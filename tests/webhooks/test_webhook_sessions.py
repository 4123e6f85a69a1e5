"""A webhook opens no session (``webhooks.channels._Sessions``): a provider carries no cookie of
ours, and signing one for every message cost a twentieth of its time. The dashboard's sessions
are untouched: a signed-in worker who also posts to a webhook stays signed in."""

from __future__ import annotations

from flask import Flask, session
from flask.sessions import SecureCookieSession

from tests.webhooks.channels import TwilioSender, post_twilio
from tests.webhooks.outreach.helpers import login, make_user

ADMIN = "admin@example.org"


def test_a_webhook_request_has_the_null_session_and_the_dashboard_a_signed_one(
    app: Flask,
) -> None:
    with app.test_request_context("/webhooks/twilio/sms", method="POST"):
        assert app.session_interface.is_null_session(session)
    with app.test_request_context("/outreach/login"):
        assert isinstance(session._get_current_object(), SecureCookieSession)  # type: ignore[attr-defined]
        assert not app.session_interface.is_null_session(session)
    with app.test_request_context("/webhooksfoo"):  # only the webhooks' own paths
        assert not app.session_interface.is_null_session(session)


def test_a_webhook_answers_without_a_cookie_and_leaves_a_workers_session_alone(
    sample_app: Flask,
) -> None:
    make_user(sample_app, ADMIN, "admin")
    client = sample_app.test_client()
    assert login(client, ADMIN).status_code == 302
    texter = TwilioSender(client, "sms_english", "+85512300009")
    replies = texter.send("methadone in Battambang")
    assert replies and "Methadone" in replies[0]
    assert client.get_cookie("session") is not None
    assert client.get("/outreach/directory").status_code == 200  # still signed in
    fresh = sample_app.test_client()
    response = post_twilio(fresh, TwilioSender(fresh, "sms_english", "+85512300010").form("hi"))
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
