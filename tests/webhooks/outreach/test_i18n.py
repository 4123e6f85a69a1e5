"""The dashboard speaks Khmer (the default) and English, from the bot's catalogs."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from core.catalogs import translations
from core.vocabulary import Locale
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


def test_the_web_font_is_a_small_woff2_that_covers_every_khmer_word_shown(app: Flask) -> None:
    from babel.messages.pofile import read_po
    from fontTools.ttLib import TTFont

    from core.catalogs import LOCALES_DIR

    with app.test_client().get("/outreach/static/fonts/NotoSansKhmer-subset.woff2") as response:
        assert response.status_code == 200 and response.mimetype == "font/woff2"
        assert len(response.get_data()) < 100 * 1024
    css = app.test_client().get("/outreach/static/outreach.css").get_data(as_text=True)
    assert css.index("NotoSansKhmer-subset.woff2") < css.index("NotoSansKhmer.ttf")
    font = TTFont(str(Path(app.root_path) / "outreach" / "static" / "fonts"
                      / "NotoSansKhmer-subset.woff2"))
    covered = set(font.getBestCmap())
    with (LOCALES_DIR / "km" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    shown = {ch for message in catalog if message.string
             for text in ([message.string] if isinstance(message.string, str) else message.string)
             for ch in text if ord(ch) >= 0x1780}
    missing = sorted(ch for ch in shown if ord(ch) not in covered)
    assert missing == [], [f"U+{ord(ch):04X}" for ch in missing]
