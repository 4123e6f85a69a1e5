"""The synthetic week behind ``make demo-report`` counts what it sends.

Replayed in seconds, a week of traffic used to meet the worker's per-minute limit (a quarter of
the messages went unanswered and uncounted), and evenings of its last day fell into the next,
unfinished week (Cambodia's day starts at 17:00 UTC), which is never published.
"""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import func, select

from models import PublishedDemandEvent
from models.stats import period_of
from tests import synthetic

MONDAY = date(2026, 3, 2)


def test_every_synthetic_message_is_answered_and_counted_in_its_week(sample_app: Flask) -> None:
    sample_app.config["RATE_WORKER_PER_MINUTE"] = 1200  # the production default
    traffic = synthetic.run(sample_app, MONDAY, messages=1500, seed=7)
    assert traffic.answered == len(traffic.turns) == 1500
    week = period_of(MONDAY, "week")
    with sample_app.extensions["sangkhim.db"].sessions() as session:
        days = session.execute(
            select(PublishedDemandEvent.day, func.count()).group_by(PublishedDemandEvent.day)
        ).all()
    assert days and all(week.start <= day <= week.end for day, _ in days), days
    assert len(days) == 7
