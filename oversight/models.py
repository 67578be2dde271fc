"""Rollups behind the ombudsman's statistics (maintained incrementally or refreshed by Celery).

Two kinds of cells (oversight/rollups.py says how each is kept, selectors.py what each number means):

* Decision cells are folded in incrementally: decisions are immutable and their ids increase, so each refresh
  adds the decisions it has not seen (above the watermark, plus ids that were not yet visible last time:
  ``PendingGap``) and never reads a decision twice.
* Appeal cells (appeals, grounds, deadlines, data errors, reviewer signals) are rebuilt from scratch in one
  transaction whenever anything on the appeal side changed: appeals change state, and 100,000 of them group in
  well under a second.

Keys hold no NULLs (a unique key with a NULL never conflicts): a blank text means "not recorded". Everything
else a table needs is a count column of the cell, so a cell is one (version, month, region[, group]).
"""

from typing import ClassVar

from django.db import models

from explanations.models import AlgorithmicSystem, ModelVersion
from portal.accounts.models import Organisation

YES, NO, UNDEFINED = "Y", "N", "-"


class RollupState(models.Model):
    """One row per rollup family ("decisions", "appeals"): how far it has got and when."""

    name = models.CharField(max_length=32, primary_key=True)
    watermark = models.BigIntegerField(default=0)  # decisions: the highest Decision.id folded
    signature = models.CharField(max_length=300, blank=True)  # appeals: the appeal side when last rebuilt
    refreshed_at = models.DateTimeField(null=True, blank=True)
    rebuilt_at = models.DateTimeField(null=True, blank=True)
    # decisions: per model version (str(pk)), the rules the folded counts were computed with (near-threshold
    # edges and band, favourable outcomes). A refresh that finds a version's rule changed (e.g. the system's
    # near_threshold_band edited) rebuilds the decision cells; None: not recorded yet (rebuild if anything
    # was folded).
    fold_rules = models.JSONField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name}@{self.watermark}"


class PendingGap(models.Model):
    """Decision ids at or below the watermark that were not visible when their neighbours were folded: a batch
    still being committed, or ids a rolled-back batch used up. Each refresh folds those that have appeared; a
    gap older than rollups.GAP_GIVE_UP is dropped (nothing stays uncommitted that long)."""

    low = models.BigIntegerField()
    high = models.BigIntegerField()
    seen_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(low__lte=models.F("high")), name="gap_low_le_high"),
        ]

    def __str__(self) -> str:
        return f"{self.low}-{self.high}"


class _VersionCell(models.Model):
    system = models.ForeignKey(AlgorithmicSystem, on_delete=models.CASCADE, related_name="+")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="+")
    region = models.CharField(max_length=64, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{type(self).__name__}({self.model_version_id}, {self.region})"


class DecisionCell(_VersionCell):
    """Decisions per (version, month of decided_at, region), with the counts the tables need."""

    month = models.DateField()
    n = models.BigIntegerField(default=0)
    silent = models.BigIntegerField(default=0)  # notified = False
    near = models.BigIntegerField(default=0)  # near a threshold
    near_defined = models.BigIntegerField(
        default=0
    )  # the model has a score threshold and a score was recorded
    mismatch = models.BigIntegerField(default=0)  # reproducibility MISMATCH
    not_replayable = models.BigIntegerField(default=0)  # reproducibility NOT_REPLAYABLE
    unfavourable = models.BigIntegerField(default=0)  # outcome declared unfavourable in the spec
    favourable_defined = models.BigIntegerField(default=0)  # outcome declared in the spec

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["model_version", "month", "region"], name="decision_cell_key"),
        ]
        indexes: ClassVar = [models.Index(fields=["month"], name="decision_cell_month_idx")]


class DecisionGroupCell(_VersionCell):
    """Decisions per (version, month, region, group attribute, value). One decision counts once per attribute
    (settlement, sex, age_band, disability)."""

    month = models.DateField()
    attribute = models.CharField(max_length=16)
    value = models.CharField(max_length=16, blank=True)
    n = models.BigIntegerField(default=0)
    silent = models.BigIntegerField(default=0)
    unfavourable = models.BigIntegerField(default=0)
    favourable_defined = models.BigIntegerField(default=0)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["model_version", "month", "region", "attribute", "value"],
                name="decision_group_cell_key",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["attribute", "month"], name="decision_group_attr_idx")]


class AppealCell(_VersionCell):
    """Appeals against decisions of one (version, decision month, region[, attribute, value]).

    ``attribute`` "" holds the totals; otherwise one row per value of each group attribute.
    """

    month = models.DateField()  # of the decision
    attribute = models.CharField(max_length=16, blank=True)
    value = models.CharField(max_length=16, blank=True)
    appeals = models.IntegerField(default=0)
    appealed_decisions = models.IntegerField(default=0)
    decided = models.IntegerField(default=0)
    overturned = models.IntegerField(default=0)


class OutcomeCell(_VersionCell):
    """Appeals decided per (version, region, month of the outcome, whole days from submission to outcome)."""

    outcome_month = models.DateField()
    days = models.IntegerField()
    decided = models.IntegerField(default=0)
    with_due_date = models.IntegerField(default=0)
    kept = models.IntegerField(default=0)


class OpenAppealCell(_VersionCell):
    """Appeals open at the last refresh per (version, region, local submission day, due date, on hold)."""

    submitted_on = models.DateField()
    due_date = models.DateField(null=True)
    on_hold = models.BooleanField()
    n = models.IntegerField(default=0)


class GroundCell(_VersionCell):
    """Grounds of appeals per (version, decision month, region, kind)."""

    month = models.DateField()
    kind = models.CharField(max_length=24)
    grounds = models.IntegerField(default=0)
    in_decided = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)


class SourceCell(_VersionCell):
    """ "The data about me is wrong" grounds per (version, decision month, region, source registry)."""

    month = models.DateField()
    source = models.CharField(max_length=100, blank=True)
    challenged = models.IntegerField(default=0)
    decided = models.IntegerField(default=0)
    confirmed = models.IntegerField(default=0)


class ReviewerCell(_VersionCell):
    """Decided assessments per (version, region, month decided, reviewer pseudonym, review body, whole
    minutes spent; -1 = not recorded)."""

    month = models.DateField()
    reviewer = models.CharField(max_length=16)
    review_body = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    minutes = models.IntegerField()
    decided = models.IntegerField(default=0)
    upheld = models.IntegerField(default=0)  # final outcome "the decision stands"
    upheld_before = models.IntegerField(default=0)  # the same in the assessment recorded before the reveal
    changed = models.IntegerField(default=0)
    changed_to_ai = models.IntegerField(default=0)
