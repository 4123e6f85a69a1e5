"""``GET /metrics``: what an operator needs to watch, in Prometheus's text format, as counts only.

Off unless ``METRICS_TOKEN`` is set (then ``/metrics`` asks for it as a bearer token; without the
setting it answers 404). Every label value comes from a closed vocabulary written here
(``VOCABULARY``): a channel, what the pipeline did with a message, an upkeep task, a dashboard
page's endpoint name. Anything else is counted as ``other``, so no pseudonym, number, text,
place or other free value can ever become a label, and the number of series is bounded. No
place is recorded at all, and no intent or demand outcome: those are published as demand
statistics, by the hour at finest and with small counts hidden (docs/PRIVACY.md), whereas a
counter read every few seconds would time each one to the scrape.

gunicorn runs several worker processes: under gunicorn.conf.py each writes its counts to
files in ``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess mode, chosen when the
module is imported), and ``/metrics`` adds them up, those of workers that have exited
included. A process outside gunicorn that runs the upkeep (the clock) counts with
``record_upkeep``; given the same directory on the same host, its counts are added up too. The figures that live in the database (chats waiting for a worker, demand events
waiting to be published) are read when ``/metrics`` is asked, within a short time limit.

Recording a count never costs a texter a reply: a failure to record is logged and ignored.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import os
import time
from collections.abc import Callable, Iterator
from datetime import datetime

#: prometheus-client picks its multiprocess mode when it is first imported, from this variable;
#: gunicorn.conf.py sets it (and makes the directory) before anything imports this module.
MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
if MULTIPROCESS_DIR:
    os.makedirs(MULTIPROCESS_DIR, exist_ok=True)

from flask import Blueprint, Flask, Response, abort, current_app, g, request  # noqa: E402
from prometheus_client import (  # noqa: E402
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily  # noqa: E402
from prometheus_client.multiprocess import MultiProcessCollector  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from core.vocabulary import Channel  # noqa: E402
from webhooks import health, timesource  # noqa: E402

log = logging.getLogger(__name__)

# --- the closed vocabulary -----------------------------------------------------------------------
OTHER = "other"
#: What the pipeline did with one inbound message.
ANSWERED = "answered"  # the engine answered (emergencies and opt-outs over the limits too)
DUPLICATE = "duplicate"  # a provider's redelivery, answered with the stored reply
SAFE_REPLY = "safe_reply"  # the database or the engine failed: the static safe reply
RATE_NOTICE = "rate_notice"  # over the sender's limit: the one polite notice
RATE_SILENT = "rate_silent"  # over the sender's limit after the notice: no reply
WORKER_LIMIT = "worker_limit"  # over this worker's messages a minute: no reply
MESSAGE_OUTCOMES = (ANSWERED, DUPLICATE, SAFE_REPLY, RATE_NOTICE, RATE_SILENT, WORKER_LIMIT)
CHANNELS = tuple(str(channel) for channel in Channel)
#: Why the safe reply was sent.
SAFE_REPLY_CAUSES = ("database", "engine")
#: The upkeep's steps (``record_upkeep``): deleting what expired, publishing the demand events
#: of ended hours, compacting, shredding the keys of closed chats, protecting ended periods'
#: tables.
UPKEEP_TASKS = ("purge", "publish", "compact", "shred", "tables")
UPKEEP_RESULTS = ("ok", "failed")
#: Open chats with outreach workers: nobody has taken it; taken, no worker has written yet;
#: taken and a worker has written.
HANDOFF_STATES = ("waiting", "taken", "answered")
#: What became of a post of an alert to the Telegram channel (``webhooks.alerting``): Telegram
#: took it; Telegram answered with a refusal (the channel is unknown, the bot is not an admin, a
#: bad token); or no answer came (the network, a timeout, Telegram's own failure, no token set).
ALERT_POSTS = ("sent", "refused", "failed")
#: Dashboard endpoints not timed: files, not pages.
UNTIMED_PAGES = frozenset({"outreach.static", "outreach.font"})

REGISTRY = CollectorRegistry(auto_describe=True)
disable_created_metrics()  # the same samples with or without multiprocess mode

MESSAGES = Counter(
    "sangkhim_messages", "Inbound messages by channel and what the pipeline did with them.",
    ["channel", "outcome"], registry=REGISTRY,
)
REPLY_SECONDS = Histogram(
    "sangkhim_reply_seconds",
    "Time from a webhook request's arrival to its response (the reply), by channel.",
    ["channel"], registry=REGISTRY,
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0),  # Twilio waits 15 s
)
RATE_LIMIT_NOTICES = Counter(
    "sangkhim_rate_limit_notices",
    "Polite notices sent to senders over the abuse limit (then silence), by channel.",
    ["channel"], registry=REGISTRY,
)
SAFE_REPLIES = Counter(
    "sangkhim_safe_replies",
    "Static safe replies sent because the database or the engine failed, by channel and cause.",
    ["channel", "cause"], registry=REGISTRY,
)
UPKEEP_RUNS = Counter(
    "sangkhim_upkeep_runs", "Upkeep steps run in this app's processes, by task and result.",
    ["task", "result"], registry=REGISTRY,
)
UPKEEP_SECONDS = Histogram(
    "sangkhim_upkeep_seconds", "How long each upkeep step took, by task.",
    ["task"], registry=REGISTRY,
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
)
DASHBOARD_SECONDS = Histogram(
    "sangkhim_dashboard_seconds", "Time to answer a dashboard page, by page (its endpoint).",
    ["page"], registry=REGISTRY,
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
ALERT_CHANNEL_POSTS = Counter(
    "sangkhim_alert_channel_posts",
    "Posts of service and health alerts to the Telegram channel, by what became of them.",
    ["delivery"], registry=REGISTRY,
)


def _closed(value: object, allowed: tuple[str, ...] | frozenset[str]) -> str:
    """``value`` if it is a word of the vocabulary, else ``other``."""
    word = str(value)
    return word if word in allowed else OTHER


def _safely(record: Callable[[], None]) -> None:
    try:
        record()
    except Exception as error:  # a full disk must not cost a texter a reply
        log.warning("a metric could not be recorded (%s)", type(error).__name__)


# --- what the app records ------------------------------------------------------------------------
def message(channel: object, outcome: str) -> None:
    """One inbound message, and what the pipeline did with it (``MESSAGE_OUTCOMES``)."""
    channel, outcome = _closed(channel, CHANNELS), _closed(outcome, MESSAGE_OUTCOMES)

    def record() -> None:
        MESSAGES.labels(channel=channel, outcome=outcome).inc()
        if outcome == RATE_NOTICE:
            RATE_LIMIT_NOTICES.labels(channel=channel).inc()

    _safely(record)


def safe_reply(channel: object, cause: str) -> None:
    """The static safe reply was sent (``cause``: ``database`` or ``engine``)."""
    channel, cause = _closed(channel, CHANNELS), _closed(cause, SAFE_REPLY_CAUSES)

    def record() -> None:
        MESSAGES.labels(channel=channel, outcome=SAFE_REPLY).inc()
        SAFE_REPLIES.labels(channel=channel, cause=cause).inc()

    _safely(record)


def replied(channel: object, seconds: float) -> None:
    """A webhook answered a message after ``seconds``."""
    channel = _closed(channel, CHANNELS)
    _safely(lambda: REPLY_SECONDS.labels(channel=channel).observe(seconds))


def record_upkeep(job: str, seconds: float, ok: bool) -> None:
    """One upkeep step has run, wherever it runs (the ``clock`` process, ``flask purge``): its
    name (``UPKEEP_TASKS``, anything else counted as ``other``), how long it took and whether it
    succeeded."""
    task, result = _closed(job, UPKEEP_TASKS), "ok" if ok else "failed"

    def record() -> None:
        UPKEEP_RUNS.labels(task=task, result=result).inc()
        UPKEEP_SECONDS.labels(task=task).observe(max(0.0, seconds))

    _safely(record)


def alert_channel_post(delivery: str) -> None:
    """One post of an alert to the Telegram channel: ``sent``, ``refused`` or ``failed``
    (``ALERT_POSTS``). Nothing about the alert (its id, kind, place or words) is a label."""
    delivery = _closed(delivery, ALERT_POSTS)
    _safely(lambda: ALERT_CHANNEL_POSTS.labels(delivery=delivery).inc())


@contextlib.contextmanager
def upkeep(job: str) -> Iterator[None]:
    """``record_upkeep`` around a block: ``with metrics.upkeep("purge"): retention.purge(...)``.
    An exception is counted as failed and goes on up."""
    started = time.perf_counter()
    ok = False
    try:
        yield
        ok = True
    finally:
        record_upkeep(job, time.perf_counter() - started, ok)


def _dashboard_pages(app: Flask) -> frozenset[str]:
    pages = app.extensions.get("sangkhim.metrics.pages")
    if pages is None:
        pages = frozenset(
            rule.endpoint for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith("outreach.") and rule.endpoint not in UNTIMED_PAGES
        )
        app.extensions["sangkhim.metrics.pages"] = pages
    return pages  # type: ignore[no-any-return]


def _start_timer() -> None:
    g.sangkhim_started = time.perf_counter()


def _time_dashboard(response: Response) -> Response:
    endpoint = request.endpoint
    started = g.get("sangkhim_started")
    if (request.blueprint == "outreach" and endpoint and endpoint not in UNTIMED_PAGES
            and started is not None):
        page = _closed(endpoint, _dashboard_pages(current_app._get_current_object()))
        if page != OTHER:
            page = page.removeprefix("outreach.")
        elapsed = time.perf_counter() - started
        _safely(lambda: DASHBOARD_SECONDS.labels(page=page).observe(elapsed))
    return response


# --- /metrics --------------------------------------------------------------------------------------
bp = Blueprint("metrics", __name__)

#: How long ``/metrics`` waits for the figures it reads from the database.
DATABASE_TIMEOUT = 2.0


@bp.get("/metrics")
def metrics() -> Response:
    token = current_app.config.get("METRICS_TOKEN") or ""
    if not token:
        abort(404)  # off: nothing is there
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), str(token).encode()
    ):
        return Response("", 401, {"WWW-Authenticate": 'Bearer realm="metrics"',
                                  "Cache-Control": "no-store"})
    from webhooks.database import get_db

    body = exposition(get_db().engine, timesource.now())
    return Response(body, 200, {"Content-Type": CONTENT_TYPE_PLAIN_0_0_4,
                                "Cache-Control": "no-store"})


def exposition(engine: Engine, now: datetime) -> bytes:
    """Every worker's counts (added up in multiprocess mode), then the database's figures."""
    if MULTIPROCESS_DIR:
        counted = CollectorRegistry()
        MultiProcessCollector(counted, path=MULTIPROCESS_DIR)
    else:
        counted = REGISTRY
    database = CollectorRegistry(auto_describe=False)
    database.register(_DatabaseFigures(engine, now))
    return generate_latest(counted) + generate_latest(database)


class _DatabaseFigures:
    """Gauges read from the database when ``/metrics`` is asked (never written to the worker's
    files: each worker would report the same figure, and they would be added up)."""

    def __init__(self, engine: Engine, now: datetime) -> None:
        self.engine, self.now = engine, now

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            states, overdue = _RUNNER.run(self._read, DATABASE_TIMEOUT)
        except Exception as error:  # unreachable, too slow, or not migrated
            log.warning("metrics: the database figures could not be read (%s)",
                        type(error).__name__)
            states, overdue = None, None
        up = GaugeMetricFamily("sangkhim_database_up",
                               "1 if the figures read from the database answered in time.")
        up.add_metric([], 0 if states is None else 1)
        yield up
        if states is None:
            return
        handoffs = GaugeMetricFamily(
            "sangkhim_handoffs_open",
            "Open chats with outreach workers: waiting (nobody has taken it), taken (no worker "
            "has written yet), answered (a worker has written).", labels=["state"])
        for state in HANDOFF_STATES:
            handoffs.add_metric([state], states.get(state, 0))
        yield handoffs
        unpublished = GaugeMetricFamily(
            "sangkhim_demand_unpublished_hours",
            "Hours since the oldest ended hour whose demand events still wait to be published "
            "(0 when none waits): above 1, the clock is not running.")
        unpublished.add_metric([], overdue)
        yield unpublished

    def _read(self) -> tuple[dict[str, int], float]:
        from models import demand_events, handoffs
        from models.base import reading

        with reading(self.engine) as connection:
            states = handoffs.census(connection, self.now)
            oldest = demand_events.oldest_staged_hour(connection)
        overdue = 0.0
        if oldest is not None:
            overdue = max(0.0, (self.now - oldest).total_seconds() / 3600 - 1)
        return states, round(overdue, 2)


#: One read of the database figures at a time per process (``health.Runner``).
_RUNNER = health.Runner("metrics")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_every_series)
    app.before_request(_start_timer)
    app.after_request(_time_dashboard)


#: The process whose series exist (``_every_series``).
_series_of: int | None = None


def _every_series() -> None:
    """Every series of the closed vocabulary exists from the start, at 0, so that a rate or an
    alert sees the first message, notice or failure. Made at a process's first request, not
    when the app is created: in multiprocess mode each process that has series writes a file,
    and a ``flask`` command that records nothing should leave none behind."""
    global _series_of
    if _series_of == os.getpid():
        return
    _series_of = os.getpid()

    def create() -> None:
        for channel in CHANNELS:
            for outcome in MESSAGE_OUTCOMES:
                MESSAGES.labels(channel=channel, outcome=outcome)
            RATE_LIMIT_NOTICES.labels(channel=channel)
            for cause in SAFE_REPLY_CAUSES:
                SAFE_REPLIES.labels(channel=channel, cause=cause)
        for task in UPKEEP_TASKS:
            for result in UPKEEP_RESULTS:
                UPKEEP_RUNS.labels(task=task, result=result)
        for delivery in ALERT_POSTS:
            ALERT_CHANNEL_POSTS.labels(delivery=delivery)

    _safely(create)


def vocabulary(app: Flask) -> dict[str, frozenset[str]]:
    """Every value each label may take (tests check the output against it)."""
    pages = {page.removeprefix("outreach.") for page in _dashboard_pages(app)}
    return {
        "channel": frozenset((*CHANNELS, OTHER)),
        "outcome": frozenset((*MESSAGE_OUTCOMES, OTHER)),
        "cause": frozenset((*SAFE_REPLY_CAUSES, OTHER)),
        "task": frozenset((*UPKEEP_TASKS, OTHER)),
        "result": frozenset(UPKEEP_RESULTS),
        "state": frozenset(HANDOFF_STATES),
        "delivery": frozenset((*ALERT_POSTS, OTHER)),
        "page": frozenset((*pages, OTHER)),
    }
