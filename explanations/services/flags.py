"""A person says that an item of data used in their decision is wrong: recorded and audited, nothing else.

The flag does not change the decision or its data. It is evidence the person can rely on when appeals open.
"""

import datetime as dt
from collections.abc import Collection
from typing import Any

from django.db import transaction
from django.utils import timezone

from portal.audit.services import audit_record
from portal.exceptions import NotFound

from ..models import DataFlag, Decision, FlagChannel
from ..page_cache import pages_changed
from ..permissions import can_flag_data

CORRECT_VALUE_MAX = 500
NOTE_MAX = 2000


@transaction.atomic(durable=True)
def data_flag_record(
    *,
    decision: Decision,
    feature: str,
    user: Any,
    lookup_grants: Collection[str] = (),
    correct_value: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> DataFlag:
    """Record one "this is wrong" statement with an audit event in the same transaction.

    Raises NotFound when the person may not see the decision or the decision used no such data item (both are
    answered as 404 at the edge).
    """
    if not can_flag_data(user, decision, lookup_grants):
        raise NotFound("no such decision")
    if feature not in (decision.inputs or {}):
        raise NotFound("no such data item")
    now = now or timezone.now()
    signed_in = bool(getattr(user, "is_authenticated", False))
    flag = DataFlag.objects.create(
        decision=decision,
        feature=feature,
        citizen=user if signed_in else None,
        channel=FlagChannel.SIGNED_IN if signed_in else FlagChannel.LOOKUP,
        correct_value=correct_value.strip()[:CORRECT_VALUE_MAX],
        note=note.strip()[:NOTE_MAX],
        created_at=now,
    )
    audit_record(
        action="decision.data.flagged",
        actor=user if signed_in else "citizen:lookup",
        object_type="decision",
        object_id=decision.reference,
        # The values themselves stay in the flag row: the chain carries ids, never what a person wrote.
        data={"flag_id": flag.pk, "feature": feature, "channel": flag.channel},
        now=now,
    )
    pages_changed([decision.reference])  # the page marks the item "You said this is wrong"
    return flag
