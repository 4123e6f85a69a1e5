"""The period chart (webhooks/outreach/charts.py): a withheld count is drawn as withheld — a
dashed mark of fixed size — never as a bar of zero, and a true zero draws nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models.stats import period_of
from webhooks.outreach import charts
from webhooks.outreach.demand import Point

WEEKS = [period_of(date(2026, 11, 2) + timedelta(weeks=i), "week") for i in range(4)]


@pytest.mark.parametrize(("requests", "unmet", "column_hidden", "unmet_hidden", "unmet_height"), [
    (40, 10, False, False, None),  # both shown: the unmet part to scale
    (40, 0, False, False, 0.0),  # none unmet: nothing drawn, and that means none
    (40, "x", False, True, charts.WITHHELD_MARK),  # withheld: the dashed mark, not zero
    (40, "<5", False, True, charts.WITHHELD_MARK),
    ("x", "x", True, False, 0.0),  # the whole column withheld: one dashed column
])
def test_a_withheld_count_is_never_drawn_as_zero(
    requests: int | str, unmet: int | str, column_hidden: bool, unmet_hidden: bool,
    unmet_height: float | None,
) -> None:
    points = [Point(WEEKS[0], 50, 20), Point(WEEKS[1], requests, unmet)]
    chart = charts.columns(points, lambda p: p.period.label, lambda p: p.period.label)
    column = chart.columns[1]
    assert (column.hidden, column.unmet_hidden) == (column_hidden, unmet_hidden)
    if unmet_height is None:
        assert column.unmet_height == pytest.approx(column.height * 10 / 40)
    else:
        assert column.unmet_height == unmet_height
    assert column.unmet_text == str(unmet)
