"""gunicorn settings, used by ``make run`` and the Procfile (``--config gunicorn.conf.py``).

The access log names the path without its query string (``%(U)s``), never the request line
(``%(r)s``), the query (``%(q)s``) or the referrer (``%(f)s``): if Twilio is set to use GET, a
texter's Body, From, ProfileName and FromCity arrive in the query string, percent-encoded,
where the redacting filter of webhooks/logs.py could not recognise them.

/metrics adds up every worker's counts (webhooks/metrics.py): each worker writes them to files
in ``PROMETHEUS_MULTIPROC_DIR``, prometheus-client's multiprocess mode. The master sets it, to
a new temporary directory unless it is set already (then the files of processes that no longer
run are removed from it), before anything imports prometheus-client, and removes the directory
it made when it stops. A ``clock`` process given the same directory (same host) adds its
upkeep counts to /metrics.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'


def on_starting(server: Any) -> None:
    """Check the configuration once, in the master, before any worker starts: a mistake stops
    gunicorn with one "Error: …" line (it prints a RuntimeError's message, and ConfigError is
    one) instead of a traceback from every worker. First of all (importing the app imports
    prometheus-client), the metrics directory. Then the master loads what every worker only
    reads (``_share_read_only``)."""
    _metrics_directory(server)
    from webhooks import check_config

    check_config()
    _share_read_only()


def _share_read_only() -> None:
    """Load, once in the master, what the workers only read: the libraries and the app's
    modules, the lexicons, the intent model, the gazetteer, the Telegram library, the
    reference points and the catalogs (``webhooks.preload``: about 33 MB more than the app's
    imports). Each worker is
    forked from the master and shares these pages with it and with the others, copy-on-write,
    instead of loading its own copy; its ``create_app`` then finds them loaded. Nothing that
    must not cross a fork is made here: no app, no database engine or pool, no lock, no
    thread, no metric value (each worker builds its own app, and with it its engine, after
    the fork). ``gc.freeze`` before each fork (``pre_fork``) keeps the garbage collector
    from writing to these objects' headers, which would copy their pages into every worker.

    Not gunicorn's ``preload_app``: that builds the whole app in the master before
    ``on_starting``, so before the metrics directory is set, with an engine every worker
    would inherit."""
    from flask import Flask

    from core.catalogs import translations
    from core.geo import default_points
    from core.vocabulary import Locale
    from webhooks import channels, health, preload, simulator  # noqa: F401  (their code, shared)
    from webhooks import config as settings_loader

    preload(settings_loader.load(Path(Flask("webhooks").instance_path)))
    default_points()
    for locale in Locale:
        translations(locale)


def pre_fork(server: Any, worker: Any) -> None:
    """Move everything the master holds into the garbage collector's permanent generation,
    so that no worker's collections touch (and so copy) the shared pages."""
    gc.freeze()


def _metrics_directory(server: Any) -> None:
    """A clean ``PROMETHEUS_MULTIPROC_DIR`` for this master's workers: counts left by the
    workers of an earlier run would be added to this one's."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            if not _running(stale):
                stale.unlink()
    else:
        path = Path(tempfile.mkdtemp(prefix="sangkhim-metrics-"))
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
        server.sangkhim_metrics_made = path


def _running(counts: Path) -> bool:
    """Whether the process that writes ``counts`` (``<kind>_<pid>.db``) still runs on this host:
    a ``clock`` process that shares the directory keeps its counts when the web restarts."""
    pid = counts.stem.rpartition("_")[2]
    if not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def child_exit(server: Any, worker: Any) -> None:
    """A worker has exited: its counts stay (counters add up over the master's life), and any
    figure that holds only while it lives is dropped."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    made = getattr(server, "sangkhim_metrics_made", None)
    if made is not None:
        shutil.rmtree(made, ignore_errors=True)


def post_worker_init(worker: Any) -> None:
    """Each worker builds the dashboard's default figures in the background as it starts, so
    the first planner to open it does not wait (webhooks/outreach/demand.py, ``warm``); and,
    on SQLite, copies the write-ahead log back into the database in a thread of its own, so
    that no texter's turn does (models/checkpoints.py)."""
    from models import checkpoints
    from webhooks.outreach import demand

    app = worker.wsgi
    # Sangkhim's app: not gunicorn's failure app, nor another app served with these settings
    # (the benchmarks' baselines)
    database = getattr(app, "extensions", {}).get("sangkhim.db")
    if database is not None:
        worker.sangkhim_checkpointer = checkpoints.start(database.engine)
        demand.warm(app)
