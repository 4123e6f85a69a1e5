"""Two instances and faults, measured: ``make chaos`` (``python -m tests.chaos [--seconds N]
[--short]``).

Everything runs on 127.0.0.1 and stops by itself (a hard deadline):

1. a throw-away PostgreSQL server (``tests/pg_server.py``, commits durable as in production),
   migrated, with the SAMPLE directory;
2. two instances of the app, ``a`` and ``b``, each gunicorn with ``gunicorn.conf.py`` and 2 sync
   workers, each in its own process group, with nothing in front of them;
3. signed Twilio (SMS, WhatsApp) and Telegram traffic to both (``webhooks/examples.py`` signs
   it), sent as the providers send it: redeliveries of the same MessageSid / update_id to the
   *other* instance, at the same moment or just after the first answer, and two messages of one
   sender at once; a request that fails at the TCP level or with a 5xx is sent again to the
   other instance (Twilio's fallback URL, Telegram's retry), until it is answered;
4. a quarter of the way in, PostgreSQL restarts (a fast shutdown, as ``pg_ctlcluster restart``
   does, or with ``--stop immediate`` a crash; then some seconds down); once both instances
   answer again, instance ``b`` is killed with SIGKILL, its whole process group, and the load
   goes on (its share of the traffic fails at the TCP level and is sent to the survivor);
5. when the load stops, the database is read: the demand events, staged and published, against
   the deliveries the app recorded, which the harness finds by the keyed digests of the ids it
   sent (it knows what it sent and what each text counts as, ``CORPUS``; no event is linked to
   a sender).

It prints the figures as a table and exits 1 when a target is missed: every message answered
(the static safe reply counts only for a request made while the database was down), no 5xx,
no connection failure on a live instance, no double count, no two different replies to one
delivery id, recovery within 10 s of PostgreSQL's return and of the SIGKILL, and no
identifier or message text in the app's logs. ``--short`` is the form CI runs (.ci/run).
A progress bar (stderr) shows the load. Every process it starts is stopped at the end, on
failure, on Ctrl-C and at the hard deadline too.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

import click

from bot.replies import Texts
from core.vocabulary import Channel, Locale
from tests import pg_server
from tests.benchmarks.bench_webhooks import SETTINGS as BENCH_SETTINGS
from tests.benchmarks.bench_webhooks import free_port, prepare_database
from webhooks.examples import SMS_PATH, TELEGRAM_PATH, telegram_request, twilio_request
from webhooks.pseudonym import inbound_key

ROOT = Path(__file__).resolve().parents[1]
SETTINGS: dict[str, str] = {
    **BENCH_SETTINGS,
    # No bot token: no map pins are sent after a Telegram reply (they go to the Bot API, outside
    # the webhook's request, and would leave the loopback); the reply itself is what is measured.
    "TELEGRAM_BOT_TOKEN": "",
    "RATE_CONVERSATION_REPLIES": "100000",
}
INSTANCES = ("a", "b")
#: The instance that is killed; the other one survives.
KILLED = "b"
#: Targets: seconds to answer again after PostgreSQL's return, and after the SIGKILL.
RECOVERY_TARGET = 10.0
#: How PostgreSQL is taken down (``pg_ctl stop -m``), as the run's heading says it.
STOP_MODES = {"fast": "fast shutdown", "immediate": "immediate shutdown, a crash"}
#: A provider waits this long for an answer (Twilio: 15 s) before it counts the request failed.
HTTP_TIMEOUT = 15.0
#: Times one provider request is tried, across both instances, before it is given up.
MAX_TRIES = 8


# --- what is sent ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A message the harness sends, and the demand event it must leave (one, on every channel,
    whatever the conversation before it: tests/test_chaos.py checks this against the engine)."""

    text: str
    service_type: str
    province_code: str


CORPUS = (
    Text("methadone in Phnom Penh", "methadone", "12"),
    Text("ម៉េតាដូននៅភ្នំពេញ", "methadone", "12"),
    Text("methadone Battambang", "methadone", "02"),
    Text("methadone nov btb", "methadone", "02"),
    Text("methadone in Pursat", "methadone", "15"),
    Text("needle exchange Battambang", "needle_exchange", "02"),
    Text("ម្ជុលសឺរ៉ាំង បាត់ដំបង", "needle_exchange", "02"),
    Text("drop-in centre in Phnom Penh", "needle_exchange", "12"),
    Text("clean needles Sihanoukville", "needle_exchange", "18"),
    Text("needles Siem Reap", "needle_exchange", "17"),
    Text("clinic in Siem Reap", "voluntary_treatment", "17"),
    Text("ខ្ញុំចង់ឈប់ប្រើយ៉ាម៉ា នៅសៀមរាប", "voluntary_treatment", "17"),
    Text("treatment in Kampot", "voluntary_treatment", "07"),
    Text("kontaing chong ban thnam nov pp", "voluntary_treatment", "12"),
    Text("voluntary treatment Takeo", "voluntary_treatment", "21"),
)


@dataclass(frozen=True)
class Delivery:
    """One message as the provider knows it: its id is what a redelivery repeats."""

    channel: str  # a ``Channel``: sms, whatsapp, telegram
    provider_id: str  # MessageSid, or update_id
    sender: str  # a phone number, ``whatsapp:+…``, or a Telegram chat id
    text: Text

    @property
    def bucket(self) -> tuple[str, str, str]:
        """What its demand event says that the harness can check: channel, service, province."""
        return (self.channel, self.text.service_type, self.text.province_code)


# --- what comes back ------------------------------------------------------------------------------

ANSWERED = "answered"
SAFE_REPLY = "safe reply"
NO_REPLY = "no reply"
SERVER_ERROR = "5xx"
CLIENT_ERROR = "4xx"
CONNECTION_FAILED = "connection failed"
#: What a provider retries (on the other instance): no answer at all, or a server error.
RETRIED = (CONNECTION_FAILED, SERVER_ERROR)
#: The static reply of webhooks/pipeline.py when the database is down, in either language.
UNAVAILABLE = frozenset(Texts(locale).unavailable() for locale in Locale)


def classify(channel: str, status: int, body: bytes) -> tuple[str, str]:
    """What a response is (``ANSWERED``, ``SAFE_REPLY``, ``NO_REPLY``, ``SERVER_ERROR`` or
    ``CLIENT_ERROR``) and, when answered, the reply as sent (to compare redeliveries')."""
    if status >= 500:
        return SERVER_ERROR, ""
    if status != 200:
        return CLIENT_ERROR, ""
    texts = _reply_texts(channel, body)
    if not texts:
        return NO_REPLY, ""
    if all(text in UNAVAILABLE for text in texts):
        return SAFE_REPLY, ""
    return ANSWERED, body.decode("utf-8", errors="replace")


def _reply_texts(channel: str, body: bytes) -> list[str]:
    """The texts of a TwiML ``<Response>`` or of a Telegram ``sendMessage``; none if the body
    is neither."""
    if channel == Channel.TELEGRAM:
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            return []
        if isinstance(payload, dict) and payload.get("method") == "sendMessage":
            return [str(payload.get("text") or "")] if payload.get("text") else []
        return []
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return []
    return [m.text for m in root.iter("Message") if m.text] if root.tag == "Response" else []


@dataclass
class Attempt:
    """One try of a provider request on one instance."""

    instance: str
    started: float
    ended: float
    outcome: str
    reply: str = ""


@dataclass
class Request:
    """One provider request, the first delivery or a redelivery, with its tries (the first
    on the instance it was sent to, the others after a failure, on the other instance)."""

    delivery: Delivery
    attempts: list[Attempt] = field(default_factory=list)


@dataclass
class Probe:
    """One readiness probe of an instance, as a load balancer makes them."""

    instance: str
    started: float
    ended: float
    ready: bool


@dataclass
class Timeline:
    """When the faults happened (``time.monotonic``)."""

    db_down: float | None = None  # PostgreSQL began to shut down
    db_back: float | None = None  # it accepted connections again
    kill_at: float | None = None  # KILLED was sent SIGKILL
    killed: str = KILLED


# --- the figures (pure: unit-tested in tests/test_chaos.py) ---------------------------------------


@dataclass
class Figures:
    messages: int = 0
    requests: int = 0
    answered: int = 0
    safe_replies: int = 0
    safe_replies_db_up: int = 0
    server_errors: int = 0
    to_killed: int = 0
    failed_live: int = 0
    events: int = 0
    counted: int = 0
    double_counts: int = 0
    lost_counts: int = 0
    unrecorded: int = 0
    duplicate_replies: int = 0
    db_recovery: dict[str, float | None] = field(default_factory=dict)
    kill_recovery: float | None = None
    probes: int = 0
    unready_db_up: int = 0
    ready_recovery: dict[str, float | None] = field(default_factory=dict)
    leaks: int = 0
    p50_ms: float = 0.0
    p99_ms: float = 0.0


def in_outage(attempt: Attempt, timeline: Timeline) -> bool:
    """Whether the try overlapped the time PostgreSQL was down: only then is the safe reply an
    answer."""
    if timeline.db_down is None or timeline.db_back is None:
        return False
    return attempt.started < timeline.db_back and attempt.ended > timeline.db_down


def is_answered(request: Request, timeline: Timeline) -> bool:
    """Whether the request ended with a reply: a real one, or the safe reply while the database
    was down."""
    if not request.attempts:
        return False
    last = request.attempts[-1]
    return last.outcome == ANSWERED or (last.outcome == SAFE_REPLY and in_outage(last, timeline))


def count_mismatch(expected: Counter[Any], actual: Counter[Any]) -> tuple[int, int]:
    """Events counted twice and events missing, bucket by bucket (a double count in one bucket
    cannot hide behind a missing one in another)."""
    double = sum((actual - expected).values())
    missing = sum((expected - actual).values())
    return double, missing


def duplicate_replies(requests: Iterable[Request]) -> int:
    """Delivery ids that got two different replies (the safe reply aside: it is not an answer
    to the message, and a redelivery after it is answered for real)."""
    replies: dict[tuple[str, str], set[str]] = {}
    for request in requests:
        key = (request.delivery.channel, request.delivery.provider_id)
        for attempt in request.attempts:
            if attempt.outcome == ANSWERED:
                replies.setdefault(key, set()).add(attempt.reply)
    return sum(1 for seen in replies.values() if len(seen) > 1)


def db_recovery(attempts: Iterable[Attempt], instance: str, back: float | None) -> float | None:
    """Seconds from PostgreSQL's return to the first real reply from ``instance``; None if it
    never answered again."""
    if back is None:
        return None
    ends = [a.ended for a in attempts if a.instance == instance and a.outcome == ANSWERED
            and a.ended >= back]
    return min(ends) - back if ends else None


def kill_recovery(requests: Iterable[Request], timeline: Timeline) -> float | None:
    """Seconds from the SIGKILL until the survivor had answered everything the killed instance
    had taken (the requests in flight there when it died); if none was in flight, until the
    first request sent to the dead instance was answered by the survivor. None if one of them
    was never answered."""
    if timeline.kill_at is None:
        return None
    in_flight, later = [], []
    for request in requests:
        lost = [a for a in request.attempts if a.instance == timeline.killed
                and a.outcome == CONNECTION_FAILED and a.ended >= timeline.kill_at]
        if not lost:
            continue
        answered = is_answered(request, timeline) and request.attempts[-1].outcome == ANSWERED
        end = request.attempts[-1].ended if answered else None
        (in_flight if lost[0].started < timeline.kill_at else later).append(end)
    if in_flight:
        if None in in_flight:
            return None
        return max(end for end in in_flight if end is not None) - timeline.kill_at
    done = [end for end in later if end is not None]
    return min(done) - timeline.kill_at if done else None


def ready_recovery(probes: Iterable[Probe], instance: str, back: float | None) -> float | None:
    """Seconds from PostgreSQL's return until ``instance`` said it was ready again (the end of
    its first ready probe started after the return); None if it never did."""
    if back is None:
        return None
    ends = [p.ended for p in probes if p.instance == instance and p.ready and p.started >= back]
    return min(ends) - back if ends else None


def unready_with_database_up(probes: Iterable[Probe], timeline: Timeline) -> int:
    """Probes that found an instance not ready though the database was up all the while (and
    the instance not yet killed): a load balancer would have taken a good instance out."""
    return sum(1 for p in probes if not p.ready and not in_outage(
        Attempt(p.instance, p.started, p.ended, ""), timeline)
        and not (p.instance == timeline.killed and timeline.kill_at is not None
                 and p.ended >= timeline.kill_at))


def measure(
    requests: Sequence[Request], timeline: Timeline, events: Counter[tuple[str, str, str]],
    recorded: set[tuple[str, str]], leaks: int = 0, probes: Sequence[Probe] = (),
) -> Figures:
    """The figures of a run: ``events`` are the demand events in the database, by
    ``Delivery.bucket``; ``recorded`` the deliveries (channel, provider id) it recorded;
    ``probes`` the readiness probes of the instances."""
    figures = Figures(leaks=leaks)
    figures.probes = len(probes)
    figures.unready_db_up = unready_with_database_up(probes, timeline)
    figures.ready_recovery = {name: ready_recovery(probes, name, timeline.db_back)
                              for name in INSTANCES}
    deliveries: dict[tuple[str, str], Delivery] = {}
    answered: dict[tuple[str, str], bool] = {}
    attempts = [a for r in requests for a in r.attempts]
    latencies = []
    for request in requests:
        delivery = request.delivery
        key = (delivery.channel, delivery.provider_id)
        deliveries[key] = delivery
        done = is_answered(request, timeline)
        answered[key] = answered.get(key, True) and done
        if done:
            latencies.append(request.attempts[-1].ended - request.attempts[0].started)
    for attempt in attempts:
        if attempt.outcome == SAFE_REPLY:
            figures.safe_replies += 1
            figures.safe_replies_db_up += not in_outage(attempt, timeline)
        elif attempt.outcome == SERVER_ERROR:
            figures.server_errors += 1
        elif attempt.outcome == CONNECTION_FAILED:
            dead = (attempt.instance == timeline.killed and timeline.kill_at is not None
                    and attempt.ended >= timeline.kill_at)
            figures.to_killed += dead
            figures.failed_live += not dead
    figures.messages = len(deliveries)
    figures.requests = len(requests)
    figures.answered = sum(answered.values())
    counted = [d for key, d in deliveries.items() if key in recorded]
    figures.counted = len(counted)
    figures.events = sum(events.values())
    figures.double_counts, figures.lost_counts = count_mismatch(
        Counter(d.bucket for d in counted), events)
    replied = {(r.delivery.channel, r.delivery.provider_id) for r in requests
               if any(a.outcome == ANSWERED for a in r.attempts)}
    figures.unrecorded = len(replied - recorded)
    figures.duplicate_replies = duplicate_replies(requests)
    figures.db_recovery = {name: db_recovery(attempts, name, timeline.db_back)
                           for name in INSTANCES}
    figures.kill_recovery = kill_recovery(requests, timeline)
    if latencies:
        latencies.sort()
        figures.p50_ms = statistics.median(latencies) * 1000
        figures.p99_ms = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    return figures


def rows(figures: Figures) -> list[tuple[str, str, str, bool | None]]:
    """The table: figure, value, target, whether the target is met (None: no target)."""

    def seconds(value: float | None) -> str:
        return "never" if value is None else f"{value:.2f}"

    def within(value: float | None) -> bool:
        return value is not None and value <= RECOVERY_TARGET

    table: list[tuple[str, str, str, bool | None]] = [
        ("messages sent (delivery ids)", str(figures.messages), "", None),
        ("provider requests (with redeliveries)", str(figures.requests), "", None),
        ("messages answered", str(figures.answered), "all",
         figures.messages > 0 and figures.answered == figures.messages),
        ("safe-reply fallbacks, database down",
         str(figures.safe_replies - figures.safe_replies_db_up), "", None),
        ("safe replies with the database up", str(figures.safe_replies_db_up), "0",
         figures.safe_replies_db_up == 0),
        ("5xx", str(figures.server_errors), "0", figures.server_errors == 0),
        ("sent to the killed instance, retried", str(figures.to_killed), "", None),
        ("connection failures on a live instance", str(figures.failed_live), "0",
         figures.failed_live == 0),
        ("demand events / deliveries counted", f"{figures.events} / {figures.counted}", "", None),
        ("duplicate demand events", str(figures.double_counts), "0", figures.double_counts == 0),
        ("demand events missing", str(figures.lost_counts), "0", figures.lost_counts == 0),
        ("replies not recorded for redeliveries", str(figures.unrecorded), "0",
         figures.unrecorded == 0),
        ("duplicate replies to one delivery id", str(figures.duplicate_replies), "0",
         figures.duplicate_replies == 0),
    ]
    for name, value in figures.db_recovery.items():
        table.append((f"s to recover: PostgreSQL back -> {name} answers", seconds(value),
                      f"<= {RECOVERY_TARGET:.0f}", within(value)))
    table.append(("s to recover: SIGKILL -> survivor answers all", seconds(figures.kill_recovery),
                  f"<= {RECOVERY_TARGET:.0f}", within(figures.kill_recovery)))
    for name, value in figures.ready_recovery.items():
        table.append((f"s to ready: PostgreSQL back -> {name} ready", seconds(value),
                      f"<= {RECOVERY_TARGET:.0f}", within(value)))
    table.append(("readiness probes / not ready, database up",
                  f"{figures.probes} / {figures.unready_db_up}", "0",
                  figures.probes > 0 and figures.unready_db_up == 0))
    table.append(("identifiers or texts in the app's logs", str(figures.leaks), "0",
                  figures.leaks == 0))
    table.append(("latency p50 / p99, ms", f"{figures.p50_ms:.0f} / {figures.p99_ms:.0f}", "",
                  None))
    return table


def misses(figures: Figures) -> list[str]:
    """The figures whose target was missed."""
    return [name for name, _, _, ok in rows(figures) if ok is False]


def format_table(figures: Figures) -> str:
    lines = [f"  {'figure':<46}{'value':>13}  {'target':<7}"]
    for name, value, target, ok in rows(figures):
        mark = "" if ok is None else "ok" if ok else "MISSED"
        lines.append(f"  {name:<46}{value:>13}  {target:<7}{mark}".rstrip())
    return "\n".join(lines)


# --- the app's instances --------------------------------------------------------------------------


class Instance:
    """The app under gunicorn (gunicorn.conf.py, 2 sync workers) in a process group of its own,
    so that it can be killed whole, as a machine dies, and stopped whole at the end."""

    def __init__(self, name: str, env: Mapping[str, str], log: Path) -> None:
        # Each instance its own metrics directory (prometheus-client's multiprocess mode), as
        # on two machines, inside the run's folder: a SIGKILLed master cleans nothing up.
        metrics = log.parent / f"metrics-{name}"
        self.name, self.env, self.log = name, {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics)}, log
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py",
                 "--bind", f"127.0.0.1:{self.port}", "--workers", "2", "webhooks:create_app()"],
                cwd=ROOT, env={**os.environ, **self.env}, stdin=subprocess.DEVNULL,
                stdout=out, stderr=out, start_new_session=True,
            )

    def wait_ready(self, timeout: float = 60) -> None:
        """Until /healthz answers 200 (the workers have loaded the gazetteer)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                break
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        tail = self.log.read_text(errors="replace")[-800:]
        raise RuntimeError(f"instance {self.name} did not start:\n{tail}")

    def get(self, path: str, timeout: float = 5) -> int:
        """The status of ``GET path``; 0 if it did not answer."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("GET", path)
            return connection.getresponse().status
        except (OSError, http.client.HTTPException):
            return 0
        finally:
            connection.close()

    def readiness_path(self) -> str:
        """Where a load balancer asks whether the instance can answer: ``/readyz`` where the app
        has it (liveness and readiness apart), else ``/healthz`` (which asks the database)."""
        return "/readyz" if self.get("/readyz") != 404 else "/healthz"

    def kill(self) -> None:
        """SIGKILL to the master and its workers at once."""
        self._signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None:
            return
        self._signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        self._signal(signal.SIGKILL)  # whatever is left of the group (workers too)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def _signal(self, number: int) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, number)  # start_new_session: the group is the master's pid
        except ProcessLookupError:
            pass


# --- the providers --------------------------------------------------------------------------------


class Providers:
    """Twilio and Telegram: signed requests to the instances from client threads, each with one
    request in flight (two when a redelivery or a second message comes at the same moment)."""

    #: How often each kind of traffic comes: a message alone; the same delivery id again on the
    #: other instance just after the first answer, or at the same moment; two messages of one
    #: sender at once, one to each instance.
    KINDS = (("single", 55), ("redelivery", 15), ("simultaneous", 15), ("two at once", 15))

    def __init__(self, ports: Mapping[str, int], seed: int, deadline: float,
                 senders: int = 600) -> None:
        self.ports, self.seed, self.deadline = dict(ports), seed, deadline
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        rng = random.Random(seed)
        third = senders // 3
        self.senders = (
            [(Channel.SMS, f"+8551{n:07d}") for n in rng.sample(range(10**7), third)]
            + [(Channel.WHATSAPP, f"whatsapp:+8559{n:07d}")
               for n in rng.sample(range(10**7), third)]
            + [(Channel.TELEGRAM, str(700_000_000 + n)) for n in rng.sample(range(10**8), third)]
        )
        self._update_ids = itertools.count(rng.randrange(10**8, 2 * 10**8))
        self._prepared: dict[tuple[str, str], tuple[str, dict[str, str], bytes]] = {}

    # the traffic
    def run(self, index: int) -> None:
        rng = random.Random(self.seed * 1000 + index)
        kinds, weights = zip(*self.KINDS, strict=True)
        while not self.stopping.is_set() and time.monotonic() < self.deadline:
            kind = rng.choices(kinds, weights)[0]
            channel, sender = rng.choice(self.senders)
            first, other = rng.sample(INSTANCES, 2)
            delivery = self.delivery(rng, channel, sender)
            if kind == "single":
                self.send(delivery, first)
            elif kind == "redelivery":
                self.send(delivery, first)
                time.sleep(rng.uniform(0, 0.3))
                self.send(delivery, other)
            elif kind == "simultaneous":
                self.at_once([(delivery, first), (delivery, other)])
            else:
                self.at_once([(delivery, first), (self.delivery(rng, channel, sender), other)])

    def delivery(self, rng: random.Random, channel: str, sender: str) -> Delivery:
        text = rng.choice(CORPUS)
        if channel == Channel.TELEGRAM:
            update_id = next(self._update_ids)
            update, headers = telegram_request(SETTINGS, text.text, rng.choice(("km", "en")),
                                               chat_id=int(sender), update_id=update_id)
            delivery = Delivery(channel, str(update_id), sender, text)
            body = json.dumps(update, ensure_ascii=False).encode()
            prepared = (TELEGRAM_PATH, headers, body)
        else:
            params, headers = twilio_request(SETTINGS, text.text, sender,
                                             sid="SM%032x" % rng.getrandbits(128))
            delivery = Delivery(channel, params["MessageSid"], sender, text)
            headers = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
            prepared = (SMS_PATH, headers, urlencode(params).encode())
        self._prepared[(delivery.channel, delivery.provider_id)] = prepared
        return delivery

    def at_once(self, sends: list[tuple[Delivery, str]]) -> None:
        threads = [threading.Thread(target=self.send, args=item, daemon=True) for item in sends]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=MAX_TRIES * HTTP_TIMEOUT)

    def send(self, delivery: Delivery, target: str) -> None:
        """One provider request, tried again on the other instance while it fails."""
        request = Request(delivery)
        with self.lock:
            self.requests.append(request)
        for tries in range(MAX_TRIES):
            attempt = self.post(target, delivery)
            request.attempts.append(attempt)
            if attempt.outcome not in RETRIED or time.monotonic() > self.deadline:
                return
            target = next(name for name in INSTANCES if name != target)
            if tries:  # both instances failed it: wait a little before going round again
                time.sleep(min(0.1 * 2**tries, 2.0))

    def post(self, instance: str, delivery: Delivery) -> Attempt:
        path, headers, body = self._prepared[(delivery.channel, delivery.provider_id)]
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.ports[instance],
                                                timeout=HTTP_TIMEOUT)
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            status, content = response.status, response.read()
        except (OSError, http.client.HTTPException):
            return Attempt(instance, started, time.monotonic(), CONNECTION_FAILED)
        finally:
            connection.close()
        outcome, reply = classify(delivery.channel, status, content)
        return Attempt(instance, started, time.monotonic(), outcome, reply)

    # what the run needs to know while it goes on
    def answered_since(self, instance: str, moment: float) -> bool:
        with self.lock:
            requests = list(self.requests)
        return any(a.instance == instance and a.outcome == ANSWERED and a.ended >= moment
                   for r in requests for a in list(r.attempts))

    def addresses(self) -> list[str]:
        return [sender for _, sender in self.senders]


class Prober:
    """A load balancer's readiness checks: each instance asked every ``PERIOD`` seconds, until
    it is killed or the run stops."""

    PERIOD = 0.25

    def __init__(self, instances: Mapping[str, Instance]) -> None:
        self.instances = dict(instances)
        self.paths = {name: i.readiness_path() for name, i in self.instances.items()}
        self.probes: list[Probe] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.dead: set[str] = set()

    def run(self, name: str) -> None:
        instance = self.instances[name]
        while not self.stopping.wait(self.PERIOD) and name not in self.dead:
            started = time.monotonic()
            status = instance.get(self.paths[name], timeout=HTTP_TIMEOUT)
            if name in self.dead:  # killed meanwhile: not a verdict on the instance
                return
            with self.lock:
                self.probes.append(Probe(name, started, time.monotonic(), status == 200))

    def ready_since(self, name: str, moment: float) -> bool:
        with self.lock:
            return any(p.instance == name and p.ready and p.started >= moment
                       for p in self.probes)


# --- the run --------------------------------------------------------------------------------------


class Deadline(Exception):
    """The run took longer than its hard deadline."""


def stored(url: str, deliveries: Iterable[Delivery]) -> tuple[Counter[tuple[str, str, str]],
                                                              set[tuple[str, str]]]:
    """The demand events in the database (staged and published) by bucket, and which of
    ``deliveries`` it recorded (by the keyed digest of each id, computed here)."""
    from sqlalchemy import func, select, union_all

    from models import ProcessedMessage, PublishedDemandEvent, StagedDemandEvent
    from models.base import make_engine

    engine = make_engine(url)
    try:
        columns = ("channel", "service_type", "province_code")
        both = union_all(*(select(*(getattr(model, c) for c in columns))
                           for model in (PublishedDemandEvent, StagedDemandEvent))).subquery()
        query = select(*(both.c[c] for c in columns), func.count()).group_by(
            *(both.c[c] for c in columns))
        with engine.connect() as connection:
            events = Counter({(ch, st or "", pr or ""): n
                              for ch, st, pr, n in connection.execute(query)})
            keys = set(connection.execute(select(ProcessedMessage.inbound_key)).scalars())
    finally:
        engine.dispose()
    secret = SETTINGS["PSEUDONYM_KEY"]
    recorded = {(d.channel, d.provider_id) for d in deliveries
                if inbound_key(secret, d.channel, d.provider_id) in keys}
    return events, recorded


def leaks(logs: Iterable[Path], needles: Iterable[str]) -> int:
    """How many of ``needles`` (addresses, chat ids, message texts) appear in the logs."""
    text = "\n".join(path.read_text(errors="replace") for path in logs if path.exists())
    return sum(1 for needle in set(needles) if needle and needle in text)


def _digits(address: str) -> str:
    return "".join(c for c in address if c.isdigit())


def until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))


def show_progress(providers: Providers, start: float, seconds: float,
                  done: threading.Event) -> None:
    """A progress bar (on stderr) over the seconds of load, with the requests sent so far."""

    def counts(_item: Any) -> str:
        with providers.lock:
            return f"{len(providers.requests)} requests"

    length = max(1, int(seconds))
    with click.progressbar(length=length, label="load", file=sys.stderr, show_eta=False,
                           item_show_func=counts) as bar:
        shown = 0
        while not done.wait(0.5):
            now = min(length, int(time.monotonic() - start))
            bar.update(now - shown, now)
            shown = now
        bar.update(length - shown, length)


def run(seconds: float, down: float, seed: int, clients: int, stop_mode: str = "fast") -> int:
    hard_deadline = seconds + 240  # start-up, the outage, draining and reading the database
    signal.signal(signal.SIGALRM, _raise_deadline)
    signal.signal(signal.SIGTERM, _raise_exit)
    signal.alarm(int(hard_deadline))
    server: pg_server.PostgresServer | None = None
    instances: dict[str, Instance] = {}
    folder = Path(tempfile.mkdtemp(prefix="sangkhim-chaos-"))
    keep = True  # the instances' logs, unless every target is met
    try:
        try:
            # ours, as it is restarted; durable as in production: a commit the app was told of
            # survives the crash of --stop immediate
            server = pg_server.start(existing=False, durable=True)
        except pg_server.Unavailable as reason:
            print(f"PostgreSQL unavailable, nothing measured: {reason}")
            return 1
        prepare_database(server.url)
        env = {**SETTINGS, "DATABASE_URL": server.url}
        instances = {name: Instance(name, env, folder / f"{name}.log") for name in INSTANCES}
        for instance in instances.values():
            instance.start()
        for instance in instances.values():
            instance.wait_ready()
        timeline = Timeline()
        start = time.monotonic()
        providers = Providers({n: i.port for n, i in instances.items()}, seed,
                              deadline=start + seconds + 60)
        threads = [threading.Thread(target=providers.run, args=(i,), daemon=True)
                   for i in range(clients)]
        prober = Prober(instances)
        threads += [threading.Thread(target=prober.run, args=(name,), daemon=True)
                    for name in INSTANCES]
        for thread in threads:
            thread.start()
        loaded = threading.Event()
        progress = threading.Thread(target=show_progress, args=(providers, start, seconds, loaded),
                                    daemon=True)
        progress.start()

        until(start + seconds * 0.25)
        timeline.db_down = time.monotonic()
        server.halt(stop_mode)
        time.sleep(down)
        server.resume(wait=False)
        timeline.db_back = server.accepting()

        # Kill once both instances answer again (or the recovery target has passed).
        until(start + seconds * 0.6)
        while time.monotonic() < timeline.db_back + RECOVERY_TARGET and not all(
                providers.answered_since(name, timeline.db_back)
                and prober.ready_since(name, timeline.db_back) for name in INSTANCES):
            time.sleep(0.1)
        timeline.kill_at = time.monotonic()
        prober.dead.add(KILLED)
        instances[KILLED].kill()

        until(max(start + seconds, timeline.kill_at + seconds * 0.25))
        providers.stopping.set()
        prober.stopping.set()
        for thread in threads:
            thread.join(timeout=max(1.0, providers.deadline - time.monotonic()))
        loaded.set()
        progress.join(timeout=5)
        elapsed = time.monotonic() - start
        with providers.lock:
            requests = list(providers.requests)
        events, recorded = stored(server.url, (r.delivery for r in requests))
        for instance in instances.values():
            instance.stop()
        needles = [*providers.addresses(), *(_digits(a) for a in providers.addresses()),
                   *(text.text for text in CORPUS)]
        with prober.lock:
            probes = list(prober.probes)
        figures = measure(requests, timeline, events, recorded,
                          leaks(folder.glob("*.log"), needles), probes)
        print(_heading(seconds, elapsed, timeline, start, clients, stop_mode)
              + f"  readiness: GET {prober.paths[INSTANCES[0]]} on each instance every "
              f"{Prober.PERIOD} s\n")
        print(format_table(figures))
        missed = misses(figures)
        if missed:
            print("\nMISSED: " + "; ".join(missed))
            print(f"(the instances' logs are kept in {folder})")
            return 1
        print(f"\nevery target met: {figures.messages} messages, all answered, "
              f"{figures.double_counts} double counts, {figures.duplicate_replies} duplicate "
              f"replies, answering again {_slowest(figures):.2f} s after each fault")
        keep = False
        return 0
    finally:
        signal.alarm(0)
        for instance in instances.values():
            instance.stop()
        if server is not None:
            server.stop()
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def _heading(seconds: float, elapsed: float, timeline: Timeline, start: float,
             clients: int, stop_mode: str) -> str:
    assert timeline.db_down and timeline.db_back and timeline.kill_at
    return (
        f"\nmake chaos: 2 instances x 2 gunicorn sync workers over one PostgreSQL, "
        f"{clients} provider connections, {elapsed:.0f} s of load\n"
        f"  PostgreSQL restarted at {timeline.db_down - start:.1f} s ({STOP_MODES[stop_mode]}; "
        f"back at {timeline.db_back - start:.1f} s); instance {timeline.killed} killed (SIGKILL) at "
        f"{timeline.kill_at - start:.1f} s\n"
    )


def _slowest(figures: Figures) -> float:
    """The longest recovery (after the database's return, after the SIGKILL)."""
    return max(v or 0.0 for v in (*figures.db_recovery.values(), figures.kill_recovery))


def _raise_deadline(_signum: int, _frame: Any) -> None:
    raise Deadline("the chaos run passed its hard deadline")


def _raise_exit(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=None,
                        help="seconds of load (default 60; 20 with --short)")
    parser.add_argument("--short", action="store_true", help="the short form CI runs")
    parser.add_argument("--down", type=float, default=None,
                        help="seconds PostgreSQL stays down (default 5; 2 with --short)")
    parser.add_argument("--clients", type=int, default=8, help="provider connections at once")
    parser.add_argument("--stop", choices=sorted(STOP_MODES), default="fast",
                        help="how PostgreSQL goes down: fast (a restart, the default) or "
                             "immediate (a crash)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    seconds = args.seconds or (20.0 if args.short else 60.0)
    down = args.down if args.down is not None else (2.0 if args.short else 5.0)
    return run(seconds, down, args.seed, args.clients, args.stop)


if __name__ == "__main__":
    sys.exit(main())
