"""Appeals driven through the real services (tests/appeals builders) land in the rollups as the tables say:
a decided appeal that accepted a "data wrong" ground is an overturn, a confirmed registry error (the
correction notice the service sent) and a reviewer's decided case; an open one is backlog."""

from __future__ import annotations

import datetime as dt

from appeals.models import RegistryCorrection
from oversight import rollups, selectors
from oversight.selectors import Filters, Period
from tests.appeals.conftest import World
from tests.appeals.review.builders import at


def test_service_flow(postgres: None) -> None:
    world = World()
    decided = at(world, "decided")
    at(world, "in_review")
    rollups.rollup_refresh()
    month = decided.decision.decided_at.astimezone(dt.UTC).date().replace(day=1)
    f = Filters(Period(selectors.add_months(month, -1), selectors.add_months(month, 1)))
    tables = {t.id: t for t in selectors.dashboard_tables(f)}

    system = {r["key"]: r for r in tables["systems"].rows}[world.system.code]
    assert (system["decisions"], system["appeals"], system["decided"], system["overturned"]) == (2, 2, 1, 1)
    assert system["appeal_rate"].successes == 2

    correction = RegistryCorrection.objects.get()
    errors = {r["key"]: r for r in tables["data_errors"].rows}
    assert errors[correction.source]["confirmed"] == 1 and errors[correction.source]["challenged"] == 2

    reviewers = tables["reviewers"].rows
    assert len(reviewers) == 1 and reviewers[0]["decided"] == 1
    assert reviewers[0]["reviewer"] == rollups.reviewer_pseudonym(world.reviewers[0].pk)
    assert reviewers[0]["changed"] == 0 and reviewers[0]["agreement_after"].successes == 0

    backlog = tables["backlog"].rows
    assert sum(r["open"] for r in backlog) == 1
    # the drill-down shows the cases without references or identities
    rows = selectors.drilldown_sample(f, "systems", world.system.code, n=5)
    assert rows is not None and len(rows) == 2
    text = repr(rows)
    assert decided.reference not in text and decided.decision.reference not in text
    assert selectors.drilldown_sample(f, "nope", "x") is None
    assert selectors.drilldown_sample(f, "versions", "not-a-number") is None
