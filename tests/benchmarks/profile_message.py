"""Profile: where one message's time goes, end to end, with the test client.

A diagnosis, not a test: it prints figures and asserts nothing. Signed Twilio messages (the
benchmark's: varied Khmer, romanised Khmer and English texts from 3,000 senders, each with a
new MessageSid) go through the whole app in this process, against a fresh database with the
SAMPLE directory, on SQLite or PostgreSQL:

1. the time per message, and how much of it each stage takes (measured around the functions
   that do it: the signature check, the engine, the classifier within it, the read of the
   sender's row, the write transaction, the reply's TwiML);
2. the SQL statements a message runs, by kind (what the driver is asked to do: ``SELECT``,
   ``INSERT``, ``BEGIN IMMEDIATE``… and COMMITs);
3. with ``--profile``, the functions that take the most time (``cProfile``, cumulative).

Run: .venv/bin/python -m tests.benchmarks.profile_message [--database postgresql] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import os
import pstats
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tests.benchmarks import bench_webhooks, on_postgresql

#: The functions timed, by the stage they stand for: (module, attribute, stage).
STAGES = (
    ("webhooks.twilio", "TwilioAdapter.verify", "signature check (and reading the form)"),
    ("webhooks.pipeline", "process", "pipeline (engine and storage)"),
    ("bot", "handle", "  engine (bot.handle)"),
    ("bot.intents", "Classifier.classify", "    classifier"),
    ("models.turns", "load_conversation", "  read the sender's row"),
    ("webhooks.pipeline", "_save", "  write: handoff, digest, save_turn"),
    ("webhooks.twilio", "TwilioAdapter.render", "TwiML reply"),
)


#: What the stages are timed by: wall time (``perf_counter``), or with ``--clock cpu`` this
#: thread's CPU time (``thread_time``), which other processes on a busy machine do not inflate;
#: a database server's own work (PostgreSQL) is then left out.
CLOCKS = {"wall": time.perf_counter, "cpu": time.thread_time}
clock = time.perf_counter


def _timed(totals: Counter[str], stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = clock()
        try:
            return function(*args, **kwargs)
        finally:
            totals[stage] += clock() - started

    return timed


@contextmanager
def _stage_timers(totals: Counter[str]) -> Iterator[None]:
    """Wrap each stage's function (where its callers look it up) while the block runs."""
    import importlib

    undo = []
    for module_name, attribute, stage in STAGES:
        owner: Any = importlib.import_module(module_name)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        original = getattr(owner, name)
        setattr(owner, name, _timed(totals, stage, original))
        undo.append((owner, name, original))
    try:
        yield
    finally:
        for owner, name, original in reversed(undo):
            setattr(owner, name, original)


_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", re.IGNORECASE)
_CTE = re.compile(r"(\w+)\s+AS\s*\(", re.IGNORECASE)


def _kind(statement: str) -> str:
    """A statement's verb and the first table it names: ``INSERT processed_message``; a
    ``WITH`` names the tables it writes (PostgreSQL's one-statement turn)."""
    words = statement.split()
    verb = words[0].upper() if words else ""
    if verb in ("BEGIN", "PRAGMA"):
        return " ".join(words[:2]).upper()
    named = set(_CTE.findall(statement))
    tables = [t for t in dict.fromkeys(_TABLE.findall(statement)) if t not in named]
    if verb == "WITH":
        return "WITH … " + ", ".join(tables)
    return f"{verb} {tables[0] if tables else ''}".strip()


def profile(database: str, url: str, messages: int, warm_up: int, with_cprofile: bool,
            top: int) -> None:
    bench_webhooks.prepare_database(url)
    os.environ.update({**bench_webhooks.SETTINGS, "DATABASE_URL": url})
    from sqlalchemy import event

    from webhooks import create_app
    from webhooks.database import get_db

    app = create_app()
    client = app.test_client()
    profiled = warm_up if with_cprofile else 0
    requests = list(bench_webhooks.signed_requests(
        warm_up + messages + profiled, seed=7, texts=bench_webhooks.messages(), senders=3000))

    def send(signature: str, params: dict[str, str]) -> None:
        response = client.post(bench_webhooks.PATH, data=params,
                               headers={"X-Twilio-Signature": signature},
                               base_url=bench_webhooks.PUBLIC_BASE_URL)
        if response.status_code != 200:
            raise RuntimeError(f"the webhook answered {response.status_code}")

    for signature, params in requests[:warm_up]:
        send(signature, params)
    measured = requests[warm_up: warm_up + messages]
    with app.app_context():
        engine = get_db().engine
    statements: Counter[str] = Counter()

    def count(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements[_kind(statement)] += 1

    def commit(_connection: Any) -> None:
        statements["COMMIT"] += 1

    totals: Counter[str] = Counter()
    event.listen(engine, "before_cursor_execute", count)
    event.listen(engine, "commit", commit)
    started = clock()
    with _stage_timers(totals):
        for signature, params in measured:
            send(signature, params)
    elapsed = clock() - started
    event.remove(engine, "before_cursor_execute", count)
    event.remove(engine, "commit", commit)

    print(f"\n{database}: {messages} messages after {warm_up} to warm up, "
          f"{elapsed / messages * 1000:.2f} ms a message through the test client"
          f"{' (CPU time of this thread)' if clock is time.thread_time else ''}")
    print(f"  {'stage':<42}{'ms a message':>13}")
    for _, _, stage in STAGES:
        print(f"  {stage:<42}{totals[stage] / messages * 1000:>13.3f}")
    print(f"  SQL a message: {sum(statements.values()) / messages:.2f} "
          "(the driver's statements, COMMIT included)")
    for kind, number in statements.most_common():
        print(f"    {kind:<62}{number / messages:>6.2f}")
    if with_cprofile:
        profiler = cProfile.Profile()
        profiler.enable()
        for signature, params in requests[warm_up + messages:]:
            send(signature, params)
        profiler.disable()
        print(f"\n  cProfile over {profiled} further messages (cumulative; the profiler itself "
              "slows everything about twofold):")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(top)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--warm-up", type=int, default=300)
    parser.add_argument("--profile", action="store_true", help="also print cProfile's top")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall",
                        help="time the stages by wall time or by this thread's CPU time")
    args = parser.parse_args()
    global clock
    clock = CLOCKS[args.clock]
    run = functools.partial(profile, messages=args.messages, warm_up=args.warm_up,
                            with_cprofile=args.profile, top=args.top)
    if args.database == "sqlite":
        with tempfile.TemporaryDirectory(prefix="sangkhim-profile-") as folder:
            run("SQLite", f"sqlite:///{folder}/profile.db")
    else:
        on_postgresql(lambda url: run("PostgreSQL", url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
