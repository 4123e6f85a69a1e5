"""Benchmark: Sangkhim's Twilio webhook under gunicorn against a bare Flask app that only checks
the signature and returns fixed TwiML, on SQLite and on PostgreSQL.

A measurement, not a test: it prints figures and asserts nothing. Everything runs on 127.0.0.1
and stops by itself: `wrk` (Debian's package) drives each server for a fixed number of seconds
with correctly signed, varied Khmer/English messages, every one with its own MessageSid (no
duplicate shortcut), in alternating rounds. A third app, Sangkhim without storage
(engine_only_app.py), shows how much of the gap is the engine and how much the database.
Run: make bench
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from tests.benchmarks import on_postgresql

ROOT = Path(__file__).resolve().parents[2]
PATH = "/webhooks/twilio/sms"
TOKEN = "bench-twilio-auth-token"
PUBLIC_BASE_URL = "https://bench.sangkhim.invalid"
SETTINGS = {
    "TWILIO_AUTH_TOKEN": TOKEN,
    "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
    "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
    "PSEUDONYM_KEY": "bench-pseudonym-key-0123456789abcdef0123456",
    "TELEGRAM_WEBHOOK_SECRET": "bench-telegram-secret",
    "TELEGRAM_BOT_TOKEN": "0:bench",
    "SANGKHIM_ENV": "development",
    # The load is tens of thousands of messages in seconds from 10,000 senders: lift the abuse
    # limits (to the most webhooks/config.py allows), or most requests would take the cheap
    # "silenced" path and flatter the figures.
    "RATE_SENDER_BURST": "1000",
    "RATE_WORKER_PER_MINUTE": "100000",
}


#: Pre-signed requests, each with its own MessageSid: more than a whole benchmark sends.
REQUESTS = 80_000

#: The apps measured, each under gunicorn with the same settings: Sangkhim, the bare app of
#: the target, and Sangkhim without storage (what the engine and framework alone cost).
APPS = {
    "sangkhim": "webhooks:create_app()",
    "bare": "tests.benchmarks.bare_app:create_app()",
    "engine-only": "tests.benchmarks.engine_only_app:create_app()",
}


@dataclass
class Round:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def messages() -> list[str]:
    """Realistic texts from the labelled set (Khmer, romanised Khmer, English) plus menu digits."""
    from tests.evaluation import rows

    texts = [row["text"] for row in rows("intents.tsv")]
    return texts + ["1", "១", "2", "MORE", "ភ្នំពេញ", "Battambang"]


def write_wrk_script(path: Path, data: Path) -> None:
    """The wrk script that replays ``data``'s pre-signed requests (signature, tab, form body)."""
    path.write_text(
        """
local reqs = {}
-- Each run starts where the last one stopped (its offset is wrk's first argument), so no
-- MessageSid is sent twice: a repeat would take the cheaper duplicate path.
local i = 0
init = function(args)
  for line in io.lines("%s") do
    local signature, body = line:match("^([^\t]*)\t(.*)$")
    reqs[#reqs + 1] = {body, signature}
  end
  i = tonumber(args[1] or "0")
end
request = function()
  i = i + 1
  if i > #reqs then i = 1 end
  local r = reqs[i]
  return wrk.format("POST", "%s", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = r[2]}, r[1])
end
"""
        % (data, PATH),
        encoding="utf-8",
    )


def signed_requests(count: int, seed: int, texts: Sequence[str], prefix: str = "SM",
                    senders: int = 10_000) -> Iterator[tuple[str, dict[str, str]]]:
    """Correctly signed Twilio SMS requests (signature, form), each with a new MessageSid
    (``prefix`` and its number), from one of ``senders`` numbers, with texts drawn from
    ``texts``: the same for every seed."""
    rng = random.Random(seed)
    validator = RequestValidator(TOKEN)
    for number in range(count):
        sid = f"{prefix}{number:032x}"
        params = {
            "MessageSid": sid, "SmsMessageSid": sid, "AccountSid": "AC" + "0" * 32,
            "From": f"+8551{rng.randrange(senders):07d}", "To": "+85500000000",
            "Body": rng.choice(texts), "NumMedia": "0",
        }
        yield validator.compute_signature(PUBLIC_BASE_URL + PATH, params), params


def write_requests(path: Path, requests: Iterable[tuple[str, dict[str, str]]]) -> None:
    """The wrk script, and beside it the data file it reads when wrk starts, one request per
    line (signature, tab, form body; urlencoded: no tab, no newline): a script holding tens of
    thousands of string constants is more than LuaJIT will load."""
    data = path.with_suffix(".tsv")
    with data.open("w", encoding="utf-8") as out:
        for signature, params in requests:
            out.write(f"{signature}\t{urlencode(params)}\n")
    write_wrk_script(path, data)


def lua_script(path: Path, count: int, seed: int) -> None:
    """Pre-signed requests for wrk: each a new MessageSid, from one of 10,000 senders (a few
    messages each: short conversations, as texters have)."""
    write_requests(path, signed_requests(count, seed, messages()))


def start(app: str, port: int, env: dict[str, str], workers: int,
          tree: Path = ROOT) -> subprocess.Popen[bytes]:
    """``app`` under gunicorn, from the checkout ``tree`` (with that tree's gunicorn.conf.py)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers",
         str(workers), "--log-level", "warning", app],
        cwd=tree, env={**os.environ, **env, "PYTHONPATH": str(tree)},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{app} did not start: {process.stderr.read().decode()[-500:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def worker_rss_mb(master: subprocess.Popen[bytes]) -> float:
    """The largest resident memory among the master's worker processes."""
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children")
    pids = children.read_text().split() if children.exists() else []
    sizes = []
    for pid in pids:
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
    return max(sizes, default=0.0)


def run_wrk(name: str, port: int, script: Path, seconds: int, connections: int,
            offset: int = 0) -> Round:
    """One round; ``offset`` is where in the pre-signed requests it starts."""
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script),
         f"http://127.0.0.1:{port}{PATH}", "--", str(offset)],
        capture_output=True, text=True, timeout=seconds + 60,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                          r"timeout (\d+)", output):
        errors += sum(int(g) for g in match.groups())
    return Round(name, rps, _latency(output, "50%"), _latency(output, "99%"), errors, total)


def _latency(output: str, percentile: str) -> float:
    match = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", output)
    if not match:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def prepare_database(url: str, tree: Path = ROOT) -> None:
    """Migrate and load the SAMPLE directory, through the app's own commands (``tree``'s)."""
    env = {**os.environ, **SETTINGS, "DATABASE_URL": url, "FLASK_APP": "webhooks",
           "PYTHONPATH": str(tree)}
    if not list((tree / "locales").glob("*/LC_MESSAGES/*.mo")):  # an unpacked checkout
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile", "-d",
                        str(tree / "locales")], check=True, capture_output=True)
    for args in (["db", "upgrade"], ["directory", "import", "--sample"]):
        subprocess.run([sys.executable, "-m", "flask", *args], cwd=tree, env=env, check=True,
                       capture_output=True)


def second_database(url: str, name: str) -> str:
    """A database of its own for another checkout's schema: a file beside SQLite's, a new
    database on the same PostgreSQL server."""
    if url.startswith("sqlite"):
        return url.removesuffix(".db") + f"-{name}.db"
    import psycopg

    base, _, _ = url.rpartition("/")
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return f"{base}/{name}"


def bench(database: str, url: str, rounds: int, seconds: int, connections: int, workers: int,
          script: Path, stops: Path | None = None, before: Path | None = None) -> None:
    """``before``: another checkout of Sangkhim, measured in the same rounds (as "before"),
    against a database of its own migrated by its own code."""
    prepare_database(url)
    env = {**SETTINGS, "DATABASE_URL": url}
    apps = dict(APPS)
    urls = dict.fromkeys(APPS, url)
    trees = dict.fromkeys(APPS, ROOT)
    if before is not None:
        apps["before"], urls["before"], trees["before"] = (
            APPS["sangkhim"], second_database(url, "before"), before)
        prepare_database(urls["before"], before)
    ports = {name: free_port() for name in apps}
    servers: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, app in apps.items():
            servers[name] = start(app, ports[name], {**env, "DATABASE_URL": urls[name]},
                                  workers, trees[name])
        sent = dict.fromkeys(apps, 0)  # requests each app has had: the next offset
        for name, port in ports.items():  # warm-up: imports, catalogs, gazetteer, pools
            sent[name] += run_wrk("warm-up", port, script, 2, connections).requests
        results: dict[str, list[Round]] = {name: [] for name in apps}
        for _ in range(rounds):
            for name, port in ports.items():
                result = run_wrk(name, port, script, seconds, connections, sent[name])
                sent[name] += result.requests
                results[name].append(result)
        if sent["sangkhim"] > REQUESTS:
            print(f"  note: {sent['sangkhim'] - REQUESTS} requests to Sangkhim were repeats "
                  f"(only {REQUESTS:,} are pre-signed)")
        flood: list[str] = []
        if stops is not None:
            flood = stop_flood(url, ports["sangkhim"], script, stops, sent["sangkhim"], rounds,
                               seconds, connections)
        memory = {name: worker_rss_mb(server) for name, server in servers.items()}
        url = f"http://127.0.0.1:{ports['sangkhim']}/healthz"
        healthy = urllib.request.urlopen(url, timeout=60).status
    finally:
        for server in servers.values():
            stop(server)
    print(f"\n{database}: {rounds} rounds x {seconds}s each, {connections} connections, "
          f"gunicorn {workers} sync workers (healthz {healthy})")
    print(f"  {'app':<12}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
          f"{'requests':>10}{'worker MB':>11}")
    summary = {}
    for name, runs in results.items():
        rps = statistics.median(r.requests_per_second for r in runs)
        p50 = statistics.median(r.p50_ms for r in runs)
        p99 = statistics.median(r.p99_ms for r in runs)
        errors = sum(r.errors for r in runs)
        total = sum(r.requests for r in runs)
        summary[name] = (rps, p99)
        print(f"  {name:<12}{rps:>9.0f}{p50:>9.1f}{p99:>9.1f}{errors:>8}"
              f"{total:>10}{memory[name]:>11.1f}")
    for name, label in (("before", "before"), ("sangkhim", "after" if "before" in summary
                                                    else "ratios")):
        if name in summary:
            print(f"  {label}: throughput {summary[name][0] / summary['bare'][0]:.2f}x the bare "
                  f"app (target >= 0.35), p99 {summary[name][1] / summary['bare'][1]:.2f}x "
                  "(target <= 3)")
    for line in flood:
        print(line)
    if not summary["engine-only"][0]:  # it answered nothing: say so rather than divide by 0
        print("  the engine-only app answered no request (see its errors above)")
        return
    floor_rps = summary["engine-only"][0] / summary["bare"][0]
    print(f"  without storage the engine alone reaches {floor_rps:.2f}x the bare app; storage "
          f"keeps {summary['sangkhim'][0] / summary['engine-only'][0]:.2f}x of that")


#: STOP floods: each request a new MessageSid (apart from the ordinary ones'), from the same
#: 10,000 senders, in the words texters use to opt out.
STOP_WORDS = ("STOP", "stop", "ឈប់", "STOP ")
STOP_REQUESTS = 40_000
#: How often the clock ticks during the STOP flood (production: every 60 s).
CLOCK_SECONDS = 10


def stop_flood_script(path: Path, count: int, seed: int) -> None:
    """Pre-signed STOP requests for wrk, written like ``lua_script``'s (a data file beside the
    script, each run starting where the last stopped)."""
    write_requests(path, signed_requests(count, seed, STOP_WORDS, prefix="SS"))


def stop_flood(url: str, port: int, ordinary: Path, stops: Path, offset: int, rounds: int,
               seconds: int, connections: int) -> list[str]:
    """A STOP flood against ordinary messages on the same running server, in alternating
    rounds, with ``flask clock`` running beside it as in production, but ticking every
    ``CLOCK_SECONDS`` rather than 60, so that its batched compactions fall inside the rounds
    (a harsher test than production's): the figure behind "a STOP flood
    costs no more than ordinary messages" (target: within 20%). Returns the lines to print."""
    env = {**os.environ, **SETTINGS, "DATABASE_URL": url, "FLASK_APP": "webhooks"}
    clock = subprocess.Popen([sys.executable, "-m", "flask", "clock", "--interval",
                              str(CLOCK_SECONDS)],
                             cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    runs: dict[str, list[Round]] = {"ordinary": [], "STOP": []}
    stop_offset = 0
    try:
        for _ in range(rounds):
            result = run_wrk("ordinary", port, ordinary, seconds, connections, offset)
            offset += result.requests
            runs["ordinary"].append(result)
            result = run_wrk("STOP", port, stops, seconds, connections, stop_offset)
            stop_offset += result.requests
            runs["STOP"].append(result)
    finally:
        clock.send_signal(signal.SIGTERM)
        try:
            _, errors = clock.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            clock.kill()
            _, errors = clock.communicate()
    compactions = errors.decode(errors="replace").count("compact ok")
    lines = [f"  STOP flood beside ordinary messages ({rounds} alternating rounds on the same "
             f"server, flask clock every {CLOCK_SECONDS} s: {compactions} compaction(s))",
             f"  {'messages':<12}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
             f"{'requests':>10}"]
    rps = {}
    for name, results in runs.items():
        rps[name] = statistics.median(r.requests_per_second for r in results)
        lines.append(f"  {name:<12}{rps[name]:>9.0f}"
                     f"{statistics.median(r.p50_ms for r in results):>9.1f}"
                     f"{statistics.median(r.p99_ms for r in results):>9.1f}"
                     f"{sum(r.errors for r in results):>8}{sum(r.requests for r in results):>10}")
    if rps["ordinary"]:
        lines.append(f"  STOP throughput {rps['STOP'] / rps['ordinary']:.2f}x ordinary messages "
                     "(target >= 0.8)")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--no-stop-flood", action="store_true",
                        help="Leave out the STOP flood beside ordinary messages.")
    parser.add_argument("--before", type=Path,
                        help="Another checkout of Sangkhim, measured in the same rounds.")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk); nothing measured.")
        return 1
    with tempfile.TemporaryDirectory(prefix="sangkhim-bench-") as folder:
        script = Path(folder) / "requests.lua"
        lua_script(script, count=REQUESTS, seed=7)
        stops = None if args.no_stop_flood else Path(folder) / "stops.lua"
        if stops is not None:
            stop_flood_script(stops, count=STOP_REQUESTS, seed=8)
        if args.database in ("sqlite", "both"):
            bench("SQLite", f"sqlite:///{folder}/bench.db", args.rounds, args.seconds,
                  args.connections, args.workers, script, stops, args.before)
        if args.database in ("postgresql", "both"):
            on_postgresql(lambda url: bench("PostgreSQL", url, args.rounds, args.seconds,
                                            args.connections, args.workers, script, stops,
                                            args.before))
    return 0


if __name__ == "__main__":
    sys.exit(main())
