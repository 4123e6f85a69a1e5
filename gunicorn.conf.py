"""gunicorn settings, used by ``make run`` and the Procfile (``--config gunicorn.conf.py``).

The access log names the path without its query string (``%(U)s``), never the request line
(``%(r)s``), the query (``%(q)s``) or the referrer (``%(f)s``): if Twilio is set to use GET, a
texter's Body, From, ProfileName and FromCity arrive in the query string, percent-encoded,
where the redacting filter of webhooks/logs.py could not recognise them.
"""

from __future__ import annotations

from typing import Any

accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'


def on_starting(server: Any) -> None:
    """Check the configuration once, in the master, before any worker starts: a mistake stops
    gunicorn with one "Error: …" line (it prints a RuntimeError's message, and ConfigError is
    one) instead of a traceback from every worker."""
    from webhooks import check_config

    check_config()


def post_worker_init(worker: Any) -> None:
    """Each worker builds the dashboard's default figures in the background as it starts, so
    the first planner to open it does not wait (webhooks/outreach/demand.py, ``warm``)."""
    from webhooks.outreach import demand

    if hasattr(worker.wsgi, "app_context"):  # the Flask app (not gunicorn's failure app)
        demand.warm(worker.wsgi)
