"""The dashboard speaks Khmer (the default) and English, from the bot's catalogs."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from bot.catalogs import translations
from bot.vocabulary import Locale
from tests.webhooks.outreach.helpers import OUTREACH, login, make_user, token

KM = translations(Locale.KM)


def _fresh(app: Flask) -> FlaskClient:
    """A browser that has chosen no language yet."""
    fresh = app.test_client()
    with fresh.session_transaction() as session:
        session.clear()
    return fresh


def test_khmer_is_the_default(app: Flask) -> None:
    page = _fresh(app).get("/outreach/login", headers={"Accept-Language": "fr"})
    text = page.get_data(as_text=True)
    assert '<html lang="km">' in text
    assert KM.gettext("Outreach dashboard") in text and "Outreach dashboard" not in text


def test_khmer_comes_first_whatever_the_browser_says(app: Flask) -> None:
    page = _fresh(app).get("/outreach/login", headers={"Accept-Language": "en-GB,en;q=0.8"})
    text = page.get_data(as_text=True)
    assert '<html lang="km">' in text
    assert text.index('data-testid="lang-km"') < text.index('data-testid="lang-en"')


def test_the_switch_is_kept_through_login(app: Flask, client: FlaskClient) -> None:
    make_user(app, OUTREACH, "outreach")
    client.post("/outreach/language", data={"csrf_token": token(client), "locale": "en"})
    login(client, OUTREACH)
    page = client.get("/outreach/demand").get_data(as_text=True)
    assert '<html lang="en">' in page and "Where people ask for help" in page
    client.post("/outreach/language", data={"csrf_token": token(client, "/outreach/demand"),
                                            "locale": "km", "next": "/outreach/directory"})
    page = client.get("/outreach/directory").get_data(as_text=True)
    assert '<html lang="km">' in page and KM.gettext("Service directory") in page


def test_every_page_is_in_khmer_when_khmer_is_chosen(sample_app: Flask) -> None:
    from tests.webhooks.outreach.helpers import ADMIN

    make_user(sample_app, ADMIN, "admin")
    client = _fresh(sample_app)  # no choice made: Khmer
    login(client, ADMIN)
    english_only = ("Log out", "Demand", "Directory", "Users", "Audit log", "Type of service",
                    "Province", "Save", "Search", "Status")
    from tests.webhooks.outreach.test_directory import first_service

    for path in ("/outreach/demand", "/outreach/unmet", "/outreach/directory",
                 "/outreach/handoffs",
                 f"/outreach/directory/{first_service(sample_app).id}",
                 "/outreach/directory/new", "/outreach/directory/import", "/outreach/users",
                 "/outreach/audit", "/outreach/account/password"):
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        visible = page.split("<body>", 1)[1]
        for word in english_only:
            assert f">{word}<" not in visible, (path, word)


def test_a_page_that_does_not_exist_answers_in_khmer_not_json(app: Flask) -> None:
    response = _fresh(app).get("/outreach/no-such-page")
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert '<html lang="km">' in page and KM.gettext("This page does not exist.") in page
    assert app.test_client().get("/no-such-api").mimetype == "application/json"
