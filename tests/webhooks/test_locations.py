"""Shared locations (Telegram, WhatsApp): nearest services from a GPS point, map pins through
the Bot API, and the point itself never stored."""

from __future__ import annotations

import copy
import csv
from pathlib import Path
from typing import Any

from flask import Flask

from bot.replies import Texts
from core.vocabulary import Locale
from tests.fake_bot_api import FakeBotApi
from tests.webhooks.channels import (
    TelegramUser,
    TwilioSender,
    dump_database,
    post_telegram,
    send_message_text,
    telegram_update,
)

CHAT_ID = 987654321
# Two methadone clinics in Phnom Penh with coordinates of their own, one far away in Siem Reap.
CLINICS = [
    ("Riverside Methadone", "12", "1202", 11.5680, 104.9290),
    ("Airport Road Methadone", "12", "1207", 11.5500, 104.8500),
    ("Angkor Methadone", "17", "1710", 13.3600, 103.8600),
]
NEAR_RIVERSIDE = {"latitude": 11.5700, "longitude": 104.9300}


def load_clinics(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "clinics.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["service_type", "name_km", "name_en", "province_code", "district_code",
                         "latitude", "longitude", "phone", "opening_hours"])
        for name, province, district, lat, lon in CLINICS:
            writer.writerow(["methadone", f"គ្លីនិក {name}", name, province, district, lat, lon,
                             "000 111 222", "Mo-Su 07:00-11:00"])
    result = app.test_cli_runner().invoke(args=["directory", "import", str(path)])
    assert result.exit_code == 0, result.output


def location_update(update_id: int, point: dict[str, float]) -> dict[str, Any]:
    update = copy.deepcopy(telegram_update("private_location", update_id=update_id))
    update["message"]["location"] = dict(point)
    return update


def telegram_setup(make_app: Any, tmp_path: Path, api_url: str) -> tuple[Flask, Any, TelegramUser]:
    """An app with the three clinics, a client, and one Telegram user."""
    app = make_app(TELEGRAM_API_BASE_URL=api_url)
    load_clinics(app, tmp_path)
    client = app.test_client()
    return app, client, TelegramUser(client, user_id=CHAT_ID, username="sokha_test",
                                     first_name="Sokha")


def test_telegram_location_gives_the_nearest_with_pins_and_stores_no_point(
    make_app: Any, bot_api: FakeBotApi, tmp_path: Path
) -> None:
    app, client, user = telegram_setup(make_app, tmp_path, bot_api.url)

    asking = post_telegram(client, user.update("methadone"))
    body = asking.get_json()
    assert body["reply_markup"]["keyboard"][0][0]["request_location"] is True

    response = post_telegram(client, location_update(731_900_001, NEAR_RIVERSIDE))
    text = send_message_text(response, CHAT_ID)
    response.close()  # runs the after-response work: the map pins
    assert text.index("Riverside Methadone") < text.index("Airport Road Methadone")
    assert text.index("Airport Road Methadone") < text.index("Angkor Methadone")
    assert "near you" in text and "(1 km)" in text

    venues = [params for method, params in bot_api.calls if method == "sendVenue"]
    assert [v["title"] for v in venues] == [c[0] for c in CLINICS]
    assert all(v["chat_id"] == CHAT_ID for v in venues)
    assert abs(float(venues[0]["latitude"]) - CLINICS[0][3]) < 1e-6

    dump = dump_database(app)
    for value in ("11.57", "104.93", "(1 km)"):
        assert value not in dump, value


def test_a_redelivered_location_gets_the_reply_without_distances(
    make_app: Any, bot_api: FakeBotApi, tmp_path: Path
) -> None:
    """Distances from a GPS point are sent once, never stored: a redelivery gets the stored copy."""
    app, client, user = telegram_setup(make_app, tmp_path, bot_api.url)
    user.send("methadone")
    first = send_message_text(post_telegram(client, location_update(731_900_002, NEAR_RIVERSIDE)), CHAT_ID)
    again = send_message_text(post_telegram(client, location_update(731_900_002, NEAR_RIVERSIDE)), CHAT_ID)
    assert "km)" in first and "km)" not in again
    assert again.index("Riverside Methadone") < again.index("Angkor Methadone")


def test_map_pins_are_skipped_when_the_bot_api_is_unreachable(
    make_app: Any, tmp_path: Path
) -> None:
    _app, client, user = telegram_setup(make_app, tmp_path, "http://127.0.0.1:9/bot")
    user.send("methadone")
    response = post_telegram(client, location_update(731_900_003, NEAR_RIVERSIDE))
    assert "Riverside Methadone" in send_message_text(response, CHAT_ID)
    response.close()  # the pins fail quietly; nothing raises


def test_a_location_before_any_request_remembers_only_the_district(
    make_app: Any, bot_api: FakeBotApi, tmp_path: Path
) -> None:
    app, client, user = telegram_setup(make_app, tmp_path, bot_api.url)
    text = send_message_text(post_telegram(client, location_update(731_900_004, NEAR_RIVERSIDE)), CHAT_ID)
    texts = Texts(Locale.EN)
    assert "what do you need there?" in text and text.endswith(texts.menu_items())
    follow_up = user.send("3")  # methadone, from the remembered district
    assert follow_up.index("Riverside Methadone") < follow_up.index("Angkor Methadone")
    dump = dump_database(app)
    assert "11.57" not in dump and "104.93" not in dump


def test_whatsapp_location_gives_the_nearest(make_app: Any, tmp_path: Path) -> None:
    app = make_app()
    load_clinics(app, tmp_path)
    sender = TwilioSender(app.test_client(), "whatsapp_location", "whatsapp:+85587654321")
    sender.send("methadone")
    form_fields = {"Latitude": str(NEAR_RIVERSIDE["latitude"]),
                   "Longitude": str(NEAR_RIVERSIDE["longitude"])}
    sender.fields.update(form_fields)
    messages = sender.send("")
    joined = "\n".join(messages)
    assert joined.index("Riverside Methadone") < joined.index("Angkor Methadone")
    assert "11.57" not in dump_database(app)
