"""The checks on generated data: each rule raises an alert exactly where its condition holds (compared with a
direct recomputation from the counts the test generated), and none below its threshold or sample size."""

import datetime as dt
from typing import Any

import pytest

from appeals.states import Outcome, State
from oversight import rollups
from oversight.inquiries import services
from oversight.inquiries.models import Alert

from .conftest import NOW, Gen, World, only_rule, wilson_low

pytestmark = pytest.mark.usefixtures("postgres")


def scan() -> list[Alert]:
    rollups.rollup_refresh()
    services.alert_scan(now=NOW)
    return list(Alert.objects.filter(cleared_at__isnull=True).order_by("id"))


@pytest.fixture
def two_versions(gen: Gen) -> dict[str, Any]:
    """Version 1.0: 3 of 30 decided appeals overturned; version 2.0 (released later): 20 of 30."""
    v2 = gen.version("2.0", "2026-02-01T00:00:00+05:00")
    gen.decided(gen.decisions(30, version="1.0"), overturned=3)
    gen.decided(gen.decisions(30, version="2.0"), overturned=20)
    return {"v1": gen.world.system.versions.get(version="1.0"), "v2": v2}


def test_a_version_whose_overturn_rates_lower_bound_is_above_the_threshold_raises_one_alert(
    two_versions: dict[str, Any],
) -> None:
    only_rule("version-overturn-rate", threshold=0.30, min_count=20)
    alerts = scan()
    assert [(a.model_version_id, a.sample_size) for a in alerts] == [(two_versions["v2"].pk, 30)]
    assert alerts[0].value == pytest.approx(wilson_low(20, 30))
    assert wilson_low(3, 30) < 0.30  # version 1.0 is below: no alert


@pytest.mark.parametrize("changes", [{"threshold": 0.49}, {"min_count": 31}])
def test_no_overturn_alert_below_the_threshold_or_the_sample_size(
    two_versions: dict[str, Any], changes: dict[str, Any]
) -> None:
    assert wilson_low(20, 30) < 0.49
    only_rule("version-overturn-rate", **{"threshold": 0.30, "min_count": 20, **changes})
    assert scan() == []


def test_a_version_much_worse_than_its_predecessor_raises_an_alert(two_versions: dict[str, Any]) -> None:
    only_rule("version-overturn-increase", threshold=0.10, min_count=20)
    alerts = scan()
    assert [a.model_version_id for a in alerts] == [two_versions["v2"].pk]
    assert alerts[0].value == pytest.approx(20 / 30 - 3 / 30)
    assert alerts[0].details["previous_version_id"] == two_versions["v1"].pk


def test_no_increase_alert_within_the_margin(two_versions: dict[str, Any]) -> None:
    only_rule("version-overturn-increase", threshold=0.57, min_count=20)
    assert 20 / 30 - 3 / 30 < 0.57
    assert scan() == []


def group(sex: str, region: str = "Astana") -> dict[str, Any]:
    return {
        "group": {
            "region": region,
            "settlement": "URBAN",
            "sex": sex,
            "age_band": "30-44",
            "disability": False,
        }
    }


@pytest.fixture
def by_sex(gen: Gen) -> None:
    """Men: 6 of 60 overturned; women: 16 of 40 in Astana and 5 of 5 in a small region (Almaty)."""
    gen.decided(gen.decisions(60, **group("M")), overturned=6)
    gen.decided(gen.decisions(40, **group("F")), overturned=16)
    gen.decided(gen.decisions(5, **group("F", "Almaty")), overturned=5)


def test_a_group_overturned_far_more_often_than_the_reference_group_raises_an_alert(
    world: World, by_sex: None
) -> None:
    only_rule("disparity-overturn-rate", threshold=1.5, min_count=30)
    alerts = scan()
    # Sex: women against men (the group with most decisions). Region: Almaty has 5, too few to compare.
    assert [(a.group_attribute, a.group_value) for a in alerts] == [("sex", "F")]
    assert alerts[0].value == pytest.approx((21 / 45) / (6 / 60))
    assert alerts[0].sample_size == 45 and alerts[0].details["reference"] == "M"


@pytest.mark.parametrize("changes", [{"threshold": 5.0}, {"min_count": 46}, {"attribute": "region"}])
def test_no_disparity_alert_within_the_bound_under_the_group_size_or_for_another_attribute(
    by_sex: None, changes: dict[str, Any]
) -> None:
    assert (21 / 45) / (6 / 60) < 5.0
    only_rule("disparity-overturn-rate", **{"threshold": 1.5, "min_count": 30, **changes})
    assert scan() == []


def test_a_group_far_below_the_reference_raises_an_alert_too(gen: Gen) -> None:
    """Silent assessments: men 30 of 60 not told, women 4 of 40: the ratio 0.2 is beyond 1/1.5."""
    told = {"notified": True, "notified_at": "2026-03-25T10:00:00+05:00"}
    gen.decisions(30, **group("M"))
    gen.decisions(30, **group("M"), **told)
    gen.decisions(4, **group("F"))
    gen.decisions(36, **group("F"), **told)
    only_rule("disparity-silent-share", threshold=1.5, min_count=30, period_months=12)
    alerts = scan()
    assert [(a.group_attribute, a.group_value) for a in alerts] == [("sex", "F")]
    assert alerts[0].value == pytest.approx((4 / 40) / (30 / 60))


def test_missed_review_deadlines_raise_an_alert_by_share_and_by_count(gen: Gen) -> None:
    decisions = gen.decisions(11)
    for i, decision in enumerate(decisions[:10]):
        submitted = decision.decided_at + dt.timedelta(days=1)
        late = i < 2
        gen.appeal(
            decision,
            Outcome.DECISION_UPHELD,
            submitted_at=submitted,
            decided_at=submitted + dt.timedelta(days=10),
            due_date=(submitted + dt.timedelta(days=5 if late else 20)).date(),
        )
    # Open, clock running, due long ago: overdue now.
    gen.appeal(decisions[10], state=State.IN_REVIEW, due_date=dt.date(2026, 3, 20))
    rule = only_rule("deadline-breaches", measure="SHARE", threshold=0.05, min_count=10, period_months=3)
    alerts = scan()
    assert [(a.system_id, a.model_version_id) for a in alerts] == [(gen.world.system.pk, None)]
    assert alerts[0].value == pytest.approx(3 / 11)
    assert alerts[0].details["late"] == 2 and alerts[0].details["open_overdue"] == 1

    Alert.objects.all().delete()
    rule.measure, rule.threshold = "COUNT", 3
    rule.save()
    assert scan() == []  # 3 is not more than 3
    rule.threshold = 2
    rule.save()
    assert [a.value for a in scan()] == [3]


def test_not_reproducible_decisions_raise_an_alert_on_their_version(gen: Gen) -> None:
    gen.decisions(20)
    wrong = gen.decisions(5, score=99.0, outcome="NO_SUPPORT")
    assert {d.reproducibility for d in wrong} == {"MISMATCH"}
    rule = only_rule("not-reproducible", measure="COUNT", threshold=0, period_months=3)
    alerts = scan()
    assert [(a.model_version_id, a.value, a.sample_size) for a in alerts] == [
        (wrong[0].model_version_id, 5, 25)
    ]

    Alert.objects.all().delete()
    rule.measure, rule.threshold, rule.min_count = "SHARE", 0.25, 10
    rule.save()
    assert scan() == []  # 5 / 25 = 20 % is not above 25 %
    rule.threshold = 0.15
    rule.save()
    assert [a.value for a in scan()] == [pytest.approx(5 / 25)]


def test_nothing_is_raised_on_quiet_data_with_the_default_rules(gen: Gen) -> None:
    gen.decided(gen.decisions(40), overturned=2)
    assert scan() == []


def test_the_same_condition_on_real_data_is_raised_once_and_notified_once(
    world: World, two_versions: dict[str, Any], second_ombudsman: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from appeals.models import Notification

    only_rule("version-overturn-rate", threshold=0.30, min_count=20)
    with django_capture_on_commit_callbacks(execute=True):
        first = scan()
        second = scan()
    assert len(first) == 1 and [a.pk for a in second] == [first[0].pk]
    notes = Notification.objects.filter(event=services.ALERT_EVENT)
    assert sorted(notes.values_list("recipient_id", flat=True)) == sorted(
        [world.ombudsman.pk, second_ombudsman.pk]
    )
