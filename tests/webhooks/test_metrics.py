"""``/metrics``: off without its token, counts only, every label value from a closed vocabulary,
and every gunicorn worker's counts added up."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from core.vocabulary import CAMBODIA
from models import Handoff, StaffUser, demand_events
from tests.conftest import TEST_CONFIG, app_now
from tests.fake_bot_api import FakeBotApi
from tests.webhooks.channels import (
    UNREACHABLE_DATABASE,
    TelegramUser,
    TwilioSender,
    twilio_signature,
)
from tests.webhooks.outreach.helpers import ADMIN, login, make_user, post
from webhooks import config, create_app, metrics, pipeline
from webhooks.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]
#: Random, as production wants it (``secrets.token_urlsafe(32)``).
TOKEN = "ksszk9WEuckXx_I7FbiXRh_fDy9dB_WRlhsgrpGFcAw"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
#: Every metric /metrics may show (a histogram's series share its name).
NAMES = {
    "sangkhim_messages", "sangkhim_reply_seconds", "sangkhim_rate_limit_notices",
    "sangkhim_safe_replies", "sangkhim_upkeep_runs", "sangkhim_upkeep_seconds",
    "sangkhim_dashboard_seconds", "sangkhim_database_up", "sangkhim_handoffs_open",
    "sangkhim_demand_unpublished_hours", "sangkhim_alert_channel_posts",
}


def scrape(client: FlaskClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """/metrics as {(sample name, sorted labels): value}."""
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200, response.status
    return parse(response.get_data(as_text=True))


def parse(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text) for sample in family.samples
    }


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def total(samples: dict[Any, float], name: str) -> float:
    return sum(v for (n, _), v in samples.items() if n == name)


@pytest.fixture
def metered(make_app: Any) -> Flask:
    app: Flask = make_app(METRICS_TOKEN=TOKEN)
    result = app.test_cli_runner().invoke(args=["directory", "import", "--sample"])
    assert result.exit_code == 0, result.output
    return app


# --- off, or behind the token ------------------------------------------------------------------


def test_metrics_is_not_there_without_a_token(client: FlaskClient) -> None:
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers=AUTH).status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [None, "", f"Basic {TOKEN}", "Bearer", f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x",
     f"Bearer {TOKEN.upper()}", f"Token {TOKEN}"],
)
def test_metrics_asks_for_the_bearer_token(metered: Flask, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = metered.test_client().get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert b"sangkhim" not in response.get_data()


def test_metrics_compares_the_token_in_constant_time(
    metered: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = metrics.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(metrics.hmac, "compare_digest", spy)
    response = metered.test_client().get("/metrics", headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401
    assert compared == [(b"wrong", TOKEN.encode())]


def test_metrics_in_prometheus_text_format(metered: Flask) -> None:
    response = metered.test_client().get("/metrics", headers={"Authorization": f"bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "version=0.0.4" in response.headers["Content-Type"]
    assert response.headers["Cache-Control"] == "no-store"
    names = {family.name for family in
             text_string_to_metric_families(response.get_data(as_text=True))}
    assert names == NAMES


def _production(tmp_path: Path, **changes: Any) -> Flask:
    settings_ = {**TEST_CONFIG, "SANGKHIM_ENV": "production",
                 "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}", **changes}
    return create_app(settings_)


@pytest.fixture
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in config.ENV_KEYS:
        monkeypatch.delenv(key, raising=False)


@pytest.mark.usefixtures("no_environment")
def test_production_takes_a_random_metrics_token(tmp_path: Path) -> None:
    app = _production(tmp_path, METRICS_TOKEN=TOKEN)
    assert app.test_client().get("/metrics").status_code == 401
    app.extensions["sangkhim.db"].engine.dispose()
    app = _production(tmp_path)  # none: off
    assert app.test_client().get("/metrics", headers=AUTH).status_code == 404
    app.extensions["sangkhim.db"].engine.dispose()


@pytest.mark.usefixtures("no_environment")
@pytest.mark.parametrize(
    ("token", "problem"),
    [
        pytest.param("sangkhim-metrics-2026-token", "too easy to guess", id="words-and-a-date"),
        pytest.param("change-me-" + TOKEN[:20], "placeholder", id="placeholder"),
        pytest.param(TEST_CONFIG["SECRET_KEY"], "must all differ", id="the-secret-key"),
    ],
)
def test_production_refuses_a_weak_metrics_token(tmp_path: Path, token: str, problem: str) -> None:
    with pytest.raises(ConfigError, match="METRICS_TOKEN") as raised:
        _production(tmp_path, METRICS_TOKEN=token)
    assert problem in str(raised.value)
    assert token not in str(raised.value)


@pytest.mark.usefixtures("no_environment")
@pytest.mark.parametrize("token", ["short", "has space in the middle!!", "ключ" * 8, "a\nb" * 8])
@pytest.mark.parametrize("mode", ["development", "production"])
def test_a_metrics_token_that_cannot_be_a_bearer_token_stops_start_up(
    tmp_path: Path, token: str, mode: str
) -> None:
    with pytest.raises(ConfigError, match="METRICS_TOKEN must be 16 to 256 characters"):
        _production(tmp_path, SANGKHIM_ENV=mode, METRICS_TOKEN=token)


# --- what is counted -------------------------------------------------------------------------------


def test_messages_are_counted_by_channel_and_outcome(metered: Flask) -> None:
    client = metered.test_client()
    before = scrape(client)
    sms = TwilioSender(client, "sms_english", "+85512345678")
    whatsapp = TwilioSender(client, "whatsapp_text", "whatsapp:+85587654321")
    telegram = TelegramUser(client, user_id=987654321, username="sokha_test", first_name="S")
    sms.send("hello")
    sms.send("methadone in Battambang", sid="SM" + "1" * 32)
    sms.send("methadone in Battambang", sid="SM" + "1" * 32)  # Twilio's retry
    whatsapp.send("where can I get clean needles?")
    telegram.send("is it free?")
    after = scrape(client)
    for channel, outcome, count in [("sms", "answered", 2), ("sms", "duplicate", 1),
                                    ("whatsapp", "answered", 1), ("telegram", "answered", 1)]:
        name = "sangkhim_messages_total"
        grown = (value(after, name, channel=channel, outcome=outcome)
                 - value(before, name, channel=channel, outcome=outcome))
        assert grown == count, (channel, outcome)
    grown = (total(after, "sangkhim_messages_total") - total(before, "sangkhim_messages_total"))
    assert grown == 5
    for channel, count in [("sms", 3), ("whatsapp", 1), ("telegram", 1)]:
        name = "sangkhim_reply_seconds_count"
        assert value(after, name, channel=channel) - value(before, name, channel=channel) == count


def test_rate_limits_and_safe_replies_are_counted(make_app: Any) -> None:
    app = make_app(METRICS_TOKEN=TOKEN, RATE_SENDER_BURST=2)
    client = app.test_client()
    before = scrape(client)
    sender = TwilioSender(client, "sms_english", "+85512345678")
    for _ in range(5):
        sender.send("hello")  # 2 answered, 1 notice, 2 silent
    after = scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("sangkhim_messages_total", channel="sms", outcome="answered") == 2
    assert grew("sangkhim_messages_total", channel="sms", outcome="rate_notice") == 1
    assert grew("sangkhim_messages_total", channel="sms", outcome="rate_silent") == 2
    assert grew("sangkhim_rate_limit_notices_total", channel="sms") == 1

    worker = make_app(METRICS_TOKEN=TOKEN, RATE_WORKER_PER_MINUTE=1)
    busy = TwilioSender(worker.test_client(), "sms_english", "+85512345679")
    busy.send("hello")
    assert busy.send("hello again") == []
    after_worker = scrape(worker.test_client())
    assert (value(after_worker, "sangkhim_messages_total", channel="sms", outcome="worker_limit")
            - value(after, "sangkhim_messages_total", channel="sms", outcome="worker_limit")) == 1

    broken = create_app({**TEST_CONFIG, "DATABASE_URL": UNREACHABLE_DATABASE,
                         "METRICS_TOKEN": TOKEN})
    try:
        down = broken.test_client()
        TwilioSender(down, "sms_english", "+85512345670").send("help")
        samples = scrape(down)  # still answers: the database's own figures are left out
        assert (value(samples, "sangkhim_safe_replies_total", channel="sms", cause="database")
                - value(after, "sangkhim_safe_replies_total", channel="sms", cause="database")) == 1
        assert value(samples, "sangkhim_database_up") == 0
        assert not any(name == "sangkhim_handoffs_open" for name, _ in samples)
    finally:
        broken.extensions["sangkhim.db"].engine.dispose()


def test_an_engine_failure_is_counted_as_a_safe_reply(
    metered: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = metered.test_client()
    before = scrape(client)

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(pipeline.bot, "handle", fail)
    assert TwilioSender(client, "sms_english", "+85512345678").send("hello")
    after = scrape(client)
    name = "sangkhim_safe_replies_total"
    assert (value(after, name, channel="sms", cause="engine")
            - value(before, name, channel="sms", cause="engine")) == 1


def test_the_upkeep_is_counted_and_timed_where_it_runs(metered: Flask) -> None:
    """``record_upkeep`` (for the clock) and its context manager: one run, its result and its
    duration per step; a step that raises is counted as failed and the error goes on up."""
    client = metered.test_client()
    before = scrape(client)
    metrics.record_upkeep("purge", 0.3, ok=True)
    metrics.record_upkeep("compact", 42.0, ok=False)
    with metrics.upkeep("publish"):
        pass
    with pytest.raises(OperationalError), metrics.upkeep("shred"):
        raise OperationalError("shred", {}, Exception("locked"))
    metrics.record_upkeep("tables", 3.5, ok=True)
    after = scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert [grew("sangkhim_upkeep_runs_total", task=task, result=result)
            for task, result in [("purge", "ok"), ("purge", "failed"), ("compact", "ok"),
                                 ("compact", "failed"), ("publish", "ok"), ("shred", "failed")]] \
        == [1, 0, 0, 1, 1, 1]
    for task in metrics.UPKEEP_TASKS:
        assert grew("sangkhim_upkeep_seconds_count", task=task) == 1
    assert grew("sangkhim_upkeep_seconds_sum", task="compact") == 42.0
    # 42 s falls in the 60 s bucket and not in the 30 s one.
    assert grew("sangkhim_upkeep_seconds_bucket", task="compact", le="30.0") == 0
    assert grew("sangkhim_upkeep_seconds_bucket", task="compact", le="60.0") == 1


def test_the_clock_counts_each_job_it_ran(metered: Flask) -> None:
    """``flask clock`` records every job of its tick (a first tick: the hourly purge and
    publication, and the day's compaction)."""
    client = metered.test_client()
    before = scrape(client)
    result = metered.test_cli_runner().invoke(args=["clock", "--once"])
    assert result.exit_code == 0, result.output
    after = scrape(client)
    grown = {task: value(after, "sangkhim_upkeep_runs_total", task=task, result="ok")
             - value(before, "sangkhim_upkeep_runs_total", task=task, result="ok")
             for task in metrics.UPKEEP_TASKS}
    assert grown["purge"] == 1 and grown["publish"] == 1 and grown["compact"] == 1, grown


def test_no_texter_request_records_an_upkeep_run(metered: Flask) -> None:
    """The webhooks only count messages: an upkeep run is recorded by what runs the upkeep."""
    client = metered.test_client()
    before = scrape(client)
    TwilioSender(client, "sms_english", "+85512345678").send("hello")
    TwilioSender(client, "sms_english", "+85512345678").send("STOP")
    after = scrape(client)
    assert total(after, "sangkhim_messages_total") - total(before, "sangkhim_messages_total") == 2
    assert total(after, "sangkhim_upkeep_runs_total") == total(before, "sangkhim_upkeep_runs_total")


def test_dashboard_pages_are_timed_by_endpoint(metered: Flask) -> None:
    client = metered.test_client()
    before = scrape(client)
    make_user(metered, ADMIN, "admin")
    login(client, ADMIN)
    for path in ("/outreach/demand", "/outreach/directory", "/outreach/directory",
                 "/outreach/no-such-page", "/outreach/static/outreach.css"):
        client.get(path)
    after = scrape(client)
    name = "sangkhim_dashboard_seconds_count"
    assert value(after, name, page="directory") - value(before, name, page="directory") == 2
    assert value(after, name, page="demand") - value(before, name, page="demand") == 1
    pages = {dict(labels).get("page") for (n, labels) in after if n == name}
    assert "static" not in pages and "no-such-page" not in pages


def test_open_chats_and_unpublished_hours_are_read_from_the_database(metered: Flask) -> None:
    client = metered.test_client()
    texter = TwilioSender(client, "sms_english", "+85512300002")
    texter.send("can I talk to a real person?")
    texter.send("yes")
    samples = scrape(client)
    assert value(samples, "sangkhim_handoffs_open", state="waiting") == 1
    assert value(samples, "sangkhim_database_up") == 1

    make_user(metered, ADMIN, "admin")
    admin = metered.test_client()
    login(admin, ADMIN)
    with metered.extensions["sangkhim.db"].sessions() as session:
        handle = session.scalars(select(Handoff.handle)).one()
    chat = f"/outreach/handoffs/{handle}"
    post(admin, f"{chat}/claim", page=chat)
    samples = scrape(client)
    assert [value(samples, "sangkhim_handoffs_open", state=s) for s in metrics.HANDOFF_STATES] \
        == [0, 1, 0]
    with metered.extensions["sangkhim.db"].sessions() as session, session.begin():
        session.execute(update(Handoff).values(answered=True))
    samples = scrape(client)
    assert [value(samples, "sangkhim_handoffs_open", state=s) for s in metrics.HANDOFF_STATES] \
        == [0, 0, 1]

    # An event staged three hours ago and never published: the clock has not run since.
    engine = metered.extensions["sangkhim.db"].engine
    demand_events.publish(engine, app_now(metered))
    assert value(scrape(client), "sangkhim_demand_unpublished_hours") == 0
    then = (app_now(metered) - timedelta(hours=3)).astimezone(CAMBODIA)
    with engine.begin() as connection:
        demand_events.stage(connection, {
            "day": then.date(), "hour": then.hour, "channel": "sms", "locale": "en",
            "intent": "menu", "outcome": "answered"})
    overdue = value(scrape(client), "sangkhim_demand_unpublished_hours")
    assert 2 <= overdue <= 3
    demand_events.publish(engine, app_now(metered))
    assert value(scrape(client), "sangkhim_demand_unpublished_hours") == 0


# --- the closed vocabulary ---------------------------------------------------------------------------


def assert_within_vocabulary(app: Flask, text: str) -> None:
    allowed = metrics.vocabulary(app)
    for family in text_string_to_metric_families(text):
        assert family.name in NAMES
        for sample in family.samples:
            for label, word in sample.labels.items():
                if label == "le":  # a histogram's bucket bound
                    assert re.fullmatch(r"\d+(\.\d+)?|\+Inf", word), word
                    continue
                assert word in allowed[label], (family.name, label, word)


def test_only_the_vocabulary_reaches_a_label(metered: Flask) -> None:
    """Whatever a texter writes or a caller passes, a label says a word of the vocabulary or
    "other": never a number, a pseudonym, text or a place."""
    client = metered.test_client()
    sender = TwilioSender(client, "sms_english", "+85512345678")
    for text in ("hello", "methadone in Battambang", "ខ្ញុំនៅភ្នំពេញ", "STOP"):
        sender.send(text)
    metrics.message("+85512345678", "ខ្ញុំនៅភ្នំពេញ")  # a caller's mistake, at worst
    metrics.safe_reply(sender.key, "Battambang")
    metrics.replied("whatsapp:+85587654321", 0.1)
    with metrics.upkeep("delete +85512345678"):
        pass
    text = client.get("/metrics", headers=AUTH).get_data(as_text=True)
    assert_within_vocabulary(metered, text)
    for secret in ("85512345678", sender.key, "Battambang", "battambang", "hello"):
        assert secret not in text
    assert not re.search(r"[\u1780-\u17ff]", text)
    samples = parse(text)
    assert value(samples, "sangkhim_messages_total", channel="other", outcome="other") >= 1
    assert value(samples, "sangkhim_upkeep_runs_total", task="other", result="ok") >= 1


@settings(max_examples=200, deadline=None)
@given(channel=st.text(), outcome=st.text(), task=st.text())
def test_no_value_outside_the_vocabulary_can_become_a_label(
    channel: str, outcome: str, task: str
) -> None:
    metrics.message(channel, outcome)
    metrics.safe_reply(channel, outcome)
    metrics.replied(channel, 0.01)
    metrics.alert_channel_post(outcome)
    with metrics.upkeep(task):
        pass
    words = {
        "channel": {*metrics.CHANNELS, metrics.OTHER},
        "outcome": {*metrics.MESSAGE_OUTCOMES, metrics.OTHER},
        "cause": {*metrics.SAFE_REPLY_CAUSES, metrics.OTHER},
        "task": {*metrics.UPKEEP_TASKS, metrics.OTHER},
        "result": set(metrics.UPKEEP_RESULTS),
        "delivery": {*metrics.ALERT_POSTS, metrics.OTHER},
    }
    for family in metrics.REGISTRY.collect():
        for sample in family.samples:
            for label, word in sample.labels.items():
                if label in words:
                    assert word in words[label], (label, word)


# --- the alerts' Telegram channel ---------------------------------------------------------------


@pytest.mark.parametrize(("refusal", "reachable", "delivery"), [
    (None, True, "sent"),
    ("Bad Request: chat not found", True, "refused"),
    (None, False, "failed"),  # nothing listens there: no answer at all
])
def test_alert_channel_posts_are_counted_by_delivery_without_the_alert(
    make_app: Any, bot_api: FakeBotApi, refusal: str | None, reachable: bool, delivery: str
) -> None:
    base = bot_api.url if reachable else f"http://127.0.0.1:{_free_port()}/bot"
    app: Flask = make_app(METRICS_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=base,
                          TELEGRAM_ALERTS_CHANNEL="-1001234567890")
    if refusal:
        bot_api.refuse["sendMessage"] = refusal
    with app.extensions["sangkhim.db"].sessions() as session, session.begin():
        session.add(StaffUser(email="lead@example.org", password_hash="x", role="lead"))
    client = app.test_client()
    before = scrape(client)
    start = app_now(app)
    result = app.test_cli_runner().invoke(args=[
        "alerts", "post", "--kind", "call_first", "--scope", "province:12",
        "--km", "ទូរស័ព្ទមុនពេលទៅ", "--en", "Call before going this week",
        "--starts", start.isoformat(), "--ends", (start + timedelta(days=3)).isoformat(),
        "--by", "lead@example.org"])
    assert result.exit_code == 0, result.output
    text = client.get("/metrics", headers=AUTH).get_data(as_text=True)
    after = parse(text)
    for word in ("sent", "refused", "failed"):
        grew = (value(after, "sangkhim_alert_channel_posts_total", delivery=word)
                - value(before, "sangkhim_alert_channel_posts_total", delivery=word))
        assert grew == (1 if word == delivery else 0), word
    assert_within_vocabulary(app, text)
    # the only label is the delivery (above): no id, kind, place or word of the alert
    assert "Call before" not in text and "call_first" not in text and "province" not in text
    assert not re.search(r"[\u1780-\u17ff]", text)


def test_no_channel_counts_no_post(metered: Flask) -> None:
    with metered.extensions["sangkhim.db"].sessions() as session, session.begin():
        session.add(StaffUser(email="lead@example.org", password_hash="x", role="lead"))
    client = metered.test_client()
    before = total(scrape(client), "sangkhim_alert_channel_posts_total")
    start = app_now(metered)
    result = metered.test_cli_runner().invoke(args=[
        "alerts", "post", "--kind", "closed", "--scope", "country", "--km", "បិទ",
        "--en", "Closed", "--starts", start.isoformat(),
        "--ends", (start + timedelta(days=1)).isoformat(), "--by", "lead@example.org"])
    assert result.exit_code == 0, result.output
    assert total(scrape(client), "sangkhim_alert_channel_posts_total") == before


# --- several gunicorn workers -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def gunicorn(tmp_path: Path, workers: int, **env: str) -> Iterator[tuple[int, list[str]]]:
    """gunicorn as the Procfile starts it (gunicorn.conf.py), on a migrated SQLite file; yields
    the port and, once stopped, its stdout and stderr in the list."""
    port = _free_port()
    base = {k: v for k, v in os.environ.items()
            if k not in config.ENV_KEYS and k != "PROMETHEUS_MULTIPROC_DIR"}
    base.update({k: str(v) for k, v in TEST_CONFIG.items() if k in config.ENV_KEYS})
    database = tmp_path / "gunicorn.db"
    from models import migrate

    migrate.upgrade(f"sqlite:///{database}")
    base.update(SANGKHIM_ENV="development", DATABASE_URL=f"sqlite:///{database}",
                METRICS_TOKEN=TOKEN, **env)
    # Its output goes to files: a pipe nobody reads until the end fills up with access lines,
    # and then every worker blocks writing its next one.
    stdout, stderr = tmp_path / "gunicorn.out", tmp_path / "gunicorn.err"
    with stdout.open("w") as out_file, stderr.open("w") as err_file:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--bind",
             f"127.0.0.1:{port}", "--workers", str(workers), "webhooks:create_app()"],
            cwd=ROOT, env=base, stdout=out_file, stderr=err_file, text=True,
        )
    output: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
                    assert response.status == 200
                break
            except OSError:
                assert server.poll() is None, stderr.read_text()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        yield port, output
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        out, err = stdout.read_text(), stderr.read_text()
        output.extend((out, err))
        print(out, err, sep="\n")  # shown by pytest if the test fails


def _post_message(port: int, number: int) -> None:
    sender = TwilioSender(None, "sms_english", f"+8551230{number:04d}")  # type: ignore[arg-type]
    form = sender.form("hello")
    request = Request(f"http://127.0.0.1:{port}/webhooks/twilio/sms", data=urlencode(form).encode(),
                      headers={"X-Twilio-Signature": twilio_signature(form),
                               "Content-Type": "application/x-www-form-urlencoded"})
    with urlopen(request, timeout=120) as response:
        assert response.status == 200


def _scrape_http(port: int) -> dict[Any, float]:
    request = Request(f"http://127.0.0.1:{port}/metrics", headers=AUTH)
    with urlopen(request, timeout=30) as response:
        return parse(response.read().decode())


def _answered_by_worker(directory: Path) -> dict[int, float]:
    """Messages each worker (by pid) has counted, read from its own file."""
    counted = {}
    for path in directory.glob("counter_*.db"):
        pid = int(path.stem.split("_")[1])
        families = MultiProcessCollector.merge([str(path)], accumulate=True)
        counted[pid] = sum(s.value for f in families for s in f.samples
                           if s.name == "sangkhim_messages_total")
    return counted


def test_metrics_adds_up_every_gunicorn_worker(tmp_path: Path) -> None:
    """Two workers: each counts what it answered in its own file, /metrics (whichever worker
    answers it) gives the sum, and a worker that exits keeps its counts in the sum. A clock
    process given the same directory keeps its counts across the web's start, added up too."""
    directory = tmp_path / "metrics"
    directory.mkdir()
    gone_before = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                                 capture_output=True, text=True, check=True)
    stale = directory / f"counter_{int(gone_before.stdout)}.db"
    stale.write_bytes(b"left by an earlier run")  # a process that has exited: removed at start
    clock = _clock(directory)
    try:
        with gunicorn(tmp_path, 2, PROMETHEUS_MULTIPROC_DIR=str(directory)) as (port, output):
            assert not stale.exists()
            assert value(_scrape_http(port), "sangkhim_upkeep_runs_total", task="purge",
                         result="ok") == 1  # the clock's, kept and added up
            _count_and_kill_workers(port, directory, clock.pid)
    finally:
        clock.kill()
        clock.communicate()
    out, err = output
    assert "Traceback" not in err
    assert '"GET /metrics HTTP/1.1" 200 ' in out


def _clock(directory: Path) -> subprocess.Popen[str]:
    """A process that records an upkeep run in ``directory`` as the clock would, then stays."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    clock = subprocess.Popen(
        [sys.executable, "-c", "from webhooks import metrics; metrics.record_upkeep('purge', 1.5,"
         " ok=True); print('recorded', flush=True); import time; time.sleep(300)"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert clock.stdout is not None and clock.stdout.readline() == "recorded\n"
    return clock


def _count_and_kill_workers(port: int, directory: Path, clock: int) -> None:
    """Messages to both workers, then one worker ended: the sum is every message, always."""
    sent = 0
    deadline = time.monotonic() + 180
    with ThreadPoolExecutor(max_workers=4) as pool:
        while True:
            list(pool.map(lambda n: _post_message(port, n), range(sent, sent + 8)))
            sent += 8
            by_worker = _answered_by_worker(directory)
            by_worker.pop(clock, None)
            if sum(1 for count in by_worker.values() if count) >= 2:
                break
            assert time.monotonic() < deadline, f"one worker took everything: {by_worker}"
    assert sum(by_worker.values()) == sent
    for _ in range(6):  # whichever worker answers, the sum of both
        assert total(_scrape_http(port), "sangkhim_messages_total") == sent

    gone = max(by_worker, key=lambda pid: by_worker[pid])
    os.kill(gone, signal.SIGTERM)  # the master starts another in its place
    deadline = time.monotonic() + 180
    with ThreadPoolExecutor(max_workers=4) as pool:
        while True:  # until the worker started in its place has answered some
            list(pool.map(lambda n: _post_message(port, n), range(sent, sent + 4)))
            sent += 4
            newcomers = set(_answered_by_worker(directory)) - set(by_worker) - {clock}
            if any(_answered_by_worker(directory)[pid] for pid in newcomers):
                break
            assert time.monotonic() < deadline, "no new worker answered"
    for _ in range(6):
        samples = _scrape_http(port)
        assert total(samples, "sangkhim_messages_total") == sent
        assert value(samples, "sangkhim_messages_total", channel="sms",
                     outcome="answered") == sent
        assert total(samples, "sangkhim_reply_seconds_count") == sent
    with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
        assert response.status == 200


def test_gunicorn_makes_its_own_metrics_directory_and_removes_it(tmp_path: Path) -> None:
    """Without PROMETHEUS_MULTIPROC_DIR the master makes a new one under the temporary
    directory, and removes it when it stops."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    with gunicorn(tmp_path, 2, TMPDIR=str(temporary)) as (port, _output):
        made = list(temporary.glob("sangkhim-metrics-*"))
        assert len(made) == 1 and list(made[0].glob("counter_*.db"))
        _post_message(port, 1)
        assert total(_scrape_http(port), "sangkhim_messages_total") == 1
        with pytest.raises(HTTPError) as refused:
            urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5)
        refused.value.close()
        assert refused.value.code == 401
    assert list(temporary.glob("sangkhim-metrics-*")) == []


def test_a_flask_command_leaves_no_counts_behind(tmp_path: Path) -> None:
    """A ``flask`` command run with the web's PROMETHEUS_MULTIPROC_DIR (an operator's shell, the
    clock) writes no file unless it records something: series are made at a first request."""
    directory = tmp_path / "metrics"
    env = {k: v for k, v in os.environ.items() if k not in config.ENV_KEYS}
    env.update({k: str(v) for k, v in TEST_CONFIG.items() if k in config.ENV_KEYS})
    env.update(SANGKHIM_ENV="development", DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}",
               METRICS_TOKEN=TOKEN, PROMETHEUS_MULTIPROC_DIR=str(directory), FLASK_APP="webhooks")
    result = subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert list(directory.glob("*.db")) == []
