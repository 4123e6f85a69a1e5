"""The Chats pages (handoffs to an outreach worker): the place a texter names once the chat is
open, "close and delete" only after a second, confirmed post, and the "new messages" mark (a
count on the chat's row, no record of who read what)."""

from __future__ import annotations

import re
from collections import namedtuple
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.desk import named_place
from bot.places import Place
from models import Handoff, HandoffMessage, sealing
from models import handoffs as handoff_rows
from tests.fake_bot_api import FakeBotApi
from tests.webhooks.channels import TelegramUser, count_rows, post_telegram
from tests.webhooks.outreach.helpers import ADMIN, OUTREACH, login, make_user, post
from webhooks.outreach.chats import new_messages
from webhooks.timesource import Pinned

CHAT_ID = 987650042
OTHER = "other@example.org"


@pytest.fixture
def chat_app(make_app: Any, bot_api: FakeBotApi) -> Flask:
    app: Flask = make_app(HANDOFF_HOURS="24/7", TELEGRAM_API_BASE_URL=bot_api.url)
    app.test_cli_runner().invoke(args=["directory", "import", "--sample"])
    make_user(app, OUTREACH, "outreach")
    make_user(app, OTHER, "outreach")
    make_user(app, ADMIN, "admin")
    return app


def _texter(app: Flask) -> TelegramUser:
    texter = TelegramUser(app.test_client(), user_id=CHAT_ID, username="someone",
                          first_name="Someone", language_code="en")
    texter.send("can I talk to a real person?")
    texter.send("yes")
    return texter


def _say(texter: TelegramUser, text: str) -> None:
    """A message in the chat (the bot answers some with nothing: the worker has them)."""
    assert post_telegram(texter.client, texter.update(text)).status_code == 200


def _row(app: Flask) -> Any:
    with app.extensions["sangkhim.db"].sessions() as session:
        rows = list(session.scalars(select(Handoff)))
    assert len(rows) == 1, rows
    return rows[0]


def _client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def _text(client: FlaskClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    return page.get_data(as_text=True)


def _cell(page: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</(?:td|span)>', page, re.S)
    assert found, testid
    return re.sub(r"<[^>]+>|\s+", " ", found.group(1)).strip()


# --- the place ---------------------------------------------------------------------------------

def _place(code: str) -> Place:
    return Place(level="?", code=code, name_km="", name_en="")


@pytest.mark.parametrize(("codes", "expected"), [
    ((), None),                           # names no place
    (("02",), "02"),                      # a province
    (("1207",), "1207"),                  # a district
    (("121301",), "121301"),              # a commune: cut to its district when stored
    (("120701", "120702"), "1207"),       # two communes of one district: that district
    (("120101", "120702"), "12"),         # two districts of one province: that province
    (("02", "1207"), None),               # two provinces: none of them
])
def test_the_place_a_relayed_message_names(codes: tuple[str, ...], expected: str | None) -> None:
    cls = SimpleNamespace(places=tuple(_place(code) for code in codes))
    assert named_place(cls) == expected  # type: ignore[arg-type]


Before = namedtuple("Before", "province_code district_code")


@pytest.mark.parametrize(("before", "code", "after", "changed"), [
    ((None, None), "02", ("02", None), True),             # "place not known": now a province
    ((None, None), "1207", ("12", "1207"), True),
    ((None, None), "12070105", ("12", "1207"), True),     # a village: the district at most
    (("12", None), "1207", ("12", "1207"), True),         # a district of the province known
    (("12", "1207"), "12", ("12", "1207"), False),        # its own province: the district stays
    (("12", "1207"), "02", ("02", None), True),           # another province: the latest named
    (("12", "1207"), "0203", ("02", "0203"), True),
    (("12", "1207"), "120705", ("12", "1207"), False),    # a commune of the same district
    (("12", "1207"), "", ("12", "1207"), False),          # nothing that is a code
    (("12", "1207"), "x1", ("12", "1207"), False),
])
def test_a_named_place_is_kept_to_the_district(
    chat_app: Flask, clock: Pinned, before: tuple[str | None, str | None], code: str,
    after: tuple[str | None, str | None], changed: bool,
) -> None:
    keys = sealing.keyring_of(chat_app.config)
    assert keys is not None
    now = clock()
    with chat_app.extensions["sangkhim.db"].engine.begin() as connection:
        handoff_id = handoff_rows.open_handoff(
            connection, keys, address={"channel": "telegram", "chat_id": 1}, channel="telegram",
            locale="en", province_code=before[0], district_code=before[1], topic="",
            now=now, ttl=timedelta(hours=72))
        row = handoff_rows.find(connection, handoff_id, now)
        assert handoff_rows.name_place(connection, row, code) is changed
        row = handoff_rows.find(connection, handoff_id, now)
    assert (row.province_code, row.district_code) == after


def test_the_place_named_during_the_chat_is_shown(chat_app: Flask) -> None:
    """The reported case: the texter asked for a person before saying where, then named it to
    the worker; the Chats page read "Place not known"."""
    app = chat_app
    texter = _texter(app)
    worker = _client(app, OUTREACH)
    handle = _row(app).handle
    assert _cell(_text(worker, "/outreach/handoffs"), f"place-{handle}") == "Place not known"
    _say(texter, "we are scared. I am at Russey Keo, near the market")
    row = _row(app)
    assert (row.province_code, row.district_code) == ("12", "1207")
    assert "Russey Keo" in _cell(_text(worker, "/outreach/handoffs"), f"place-{handle}")
    assert "Russey Keo" in _cell(_text(worker, f"/outreach/handoffs/{handle}"), "place")
    _say(texter, "are you there?")  # names no place: the place stays
    assert _row(app).district_code == "1207"


# --- closing -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("form", "deleted"), [
    ({}, False),                    # the old single button, or a replayed post: asks first
    ({"confirm": "no"}, False),
    ({"confirm": "YES "}, False),
    ({"confirm": "yes"}, True),
])
def test_close_and_delete_needs_the_confirmed_post(
    chat_app: Flask, form: dict[str, str], deleted: bool
) -> None:
    app = chat_app
    _texter(app)
    worker = _client(app, OUTREACH)
    path = f"/outreach/handoffs/{_row(app).handle}"
    answer = post(worker, f"{path}/close", form, page=path)
    assert answer.status_code == 302
    assert count_rows(app, Handoff) == (0 if deleted else 1)
    if not deleted:
        assert answer.headers["Location"].endswith(f"{path}/close")  # to the question


def test_the_question_is_a_page_with_its_own_form(chat_app: Flask) -> None:
    app = chat_app
    _texter(app)
    worker = _client(app, OUTREACH)
    path = f"/outreach/handoffs/{_row(app).handle}"
    assert f'href="{path}/close"' in _text(worker, path)  # the chat's button leads to it
    question = _text(worker, f"{path}/close")
    assert 'name="confirm" value="yes"' in question and 'name="csrf_token"' in question
    assert count_rows(app, Handoff) == 1  # asking deletes nothing
    assert post(worker, f"{path}/close", {"confirm": "yes"}, page=f"{path}/close").status_code == 302
    assert count_rows(app, Handoff) == 0 and count_rows(app, HandoffMessage) == 0
    no_csrf = worker.post(f"{path}/close", data={"confirm": "yes"})
    assert no_csrf.status_code in (400, 404)


def test_only_who_may_close_is_asked(chat_app: Flask) -> None:
    app = chat_app
    _texter(app)
    path = f"/outreach/handoffs/{_row(app).handle}"
    worker = _client(app, OUTREACH)
    post(worker, f"{path}/claim", page=path)
    assert _client(app, OTHER).get(f"{path}/close").status_code == 403
    assert _client(app, ADMIN).get(f"{path}/close").status_code == 200
    assert worker.get("/outreach/handoffs/ZZZZZ/close").status_code == 404


# --- new messages ------------------------------------------------------------------------------

Said = handoff_rows.Said


def _said(*sides: str) -> list[Any]:
    return [Said(side == "t", "…", None, id=n) for n, side in enumerate(sides, 1)]  # type: ignore[arg-type]


@pytest.mark.parametrize(("sides", "unread", "fresh"), [
    ("ttt", 0, set()),
    ("ttt", 2, {2, 3}),
    ("twt", 2, {1, 3}),       # the worker's own messages are never new
    ("tw", 1, {1}),
    ("t", 5, {1}),            # a count past the messages marks them all, nothing more
    ("", 3, set()),
])
def test_which_messages_are_marked_new(sides: str, unread: int, fresh: set[int]) -> None:
    assert new_messages(_said(*sides), unread) == fresh


def test_new_messages_are_marked_until_their_worker_opens_the_chat(chat_app: Flask) -> None:
    app = chat_app
    texter = _texter(app)
    _say(texter, "hello, is anyone there")
    _say(texter, "I need help")
    handle = _row(app).handle
    path = f"/outreach/handoffs/{handle}"
    worker, other, admin = (_client(app, e) for e in (OUTREACH, OTHER, ADMIN))
    assert _cell(_text(worker, "/outreach/handoffs"), f"new-{handle}") == "New messages: 2"
    post(worker, f"{path}/claim", page=path)
    assert _text(worker, path).count('data-testid="new-message"') == 2
    assert f'data-testid="new-{handle}"' not in _text(worker, "/outreach/handoffs")
    assert _text(worker, path).count('data-testid="new-message"') == 0  # seen now
    _say(texter, "one more thing")
    assert _cell(_text(worker, "/outreach/handoffs"), f"new-{handle}") == "New messages: 1"
    assert f'data-testid="new-{handle}"' not in _text(other, "/outreach/handoffs")  # not theirs
    assert f'data-testid="new-{handle}"' in _text(admin, "/outreach/handoffs")
    assert _text(admin, path).count('data-testid="new-message"') == 0  # an admin marks nothing
    assert _row(app).unread == 1
    # given to a colleague, who has read none of it: all three are new for them
    with app.extensions["sangkhim.db"].sessions() as session:
        other_id = session.scalar(select(handoff_rows.StaffUser.id)
                                  .where(handoff_rows.StaffUser.email == OTHER))
    post(admin, f"{path}/assign", {"to": str(other_id)}, page=path)
    assert _row(app).unread == 3
    assert _text(other, path).count('data-testid="new-message"') == 3
    assert _row(app).unread == 0


def test_a_place_named_to_the_bot_while_the_chat_waits_out_of_hours(
    make_app: Any, bot_api: FakeBotApi, clock: Pinned
) -> None:
    """Out of hours the bot answers until a worker writes: a place the texter gives it then
    (to find a service) is the chat's place too."""
    from bot.types import Inbound
    from core.vocabulary import Channel
    from webhooks import pipeline

    app = make_app(HANDOFF_HOURS="Sa 08:00-12:00", TELEGRAM_API_BASE_URL=bot_api.url)
    app.test_cli_runner().invoke(args=["directory", "import", "--sample"])
    now = clock()  # a Wednesday: the desk is closed

    def say(text: str, minutes: int) -> str:
        with app.test_request_context():
            answer = pipeline.process(
                Inbound(Channel.TELEGRAM, "b" * 64, text, provider_id=f"T{minutes:08d}"),
                now=now + timedelta(minutes=minutes),
                address={"channel": "telegram", "chat_id": CHAT_ID})
        return "\n".join(m.text for m in answer.messages)

    say("can I talk to a real person?", 0)
    assert "reply MENU" in say("yes", 1)  # queued: the bot answers meanwhile
    row = _row(app)
    assert (row.province_code, row.district_code) == (None, None)
    say("methadone in Battambang", 2)
    row = _row(app)
    assert (row.province_code, row.district_code) == ("02", None)
    say("3", 3)  # a turn that names no place changes nothing
    assert _row(app).province_code == "02"
