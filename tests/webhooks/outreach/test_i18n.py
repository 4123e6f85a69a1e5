"""The dashboard speaks Khmer (the default) and English, from the bot's catalogs."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from bot.catalogs import translations
from bot.vocabulary import Locale
from tests.webhooks.outreach.helpers import OUTREACH, login, make_user, token

KM = translations(Locale.KM)


def test_khmer_is_the_default(client: FlaskClient) -> None:
    page = client.get("/outreach/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="km">' in page
    assert KM.gettext("Outreach dashboard") in page and "Outreach dashboard" not in page


def test_the_browser_language_is_followed(client: FlaskClient) -> None:
    page = client.get("/outreach/login", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert '<html lang="en">' in page.get_data(as_text=True)


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
    client = sample_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "km"
    login(client, ADMIN)
    english_only = ("Log out", "Demand", "Directory", "Users", "Audit log", "Type of service",
                    "Province", "Save", "Search", "Status")
    from tests.webhooks.outreach.test_directory import first_service

    for path in ("/outreach/demand", "/outreach/unmet", "/outreach/directory",
                 f"/outreach/directory/{first_service(sample_app).id}",
                 "/outreach/directory/new", "/outreach/directory/import", "/outreach/users",
                 "/outreach/audit", "/outreach/account/password"):
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        visible = page.split("<body>", 1)[1]
        for word in english_only:
            assert f">{word}<" not in visible, (path, word)
