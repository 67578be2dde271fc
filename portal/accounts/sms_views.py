"""The SMS provider's delivery-status callback: a machine endpoint, authenticated by its signature alone.

    POST /sms/status/
    X-Timestamp: <unix seconds>
    X-Signature: sha256=<hex HMAC-SHA256(SMS_HTTP_SECRET, "<timestamp>." + body)>
    {"message_id": "<ours>", "id": "<the provider's>", "status": "delivered" | "failed", "error": "..."}

CSRF-exempt (no browser, no cookie: the signature over the exact body is the proof), 403 without a valid
and recent signature (portal.sms.signature_is_valid, hmac.compare_digest), 400 for a malformed body, 204 once
recorded on the message's SmsDelivery row. Answers are JSON for machines and never translated.
"""

import json
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal import sms

from .models import SmsDelivery
from .sms import sms_status_record

MAX_BODY = 16 * 1024
_STATUSES = {"delivered": SmsDelivery.Status.DELIVERED, "failed": SmsDelivery.Status.FAILED}


def _problem(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


@csrf_exempt
@login_not_required
@require_POST
def sms_status(request: HttpRequest) -> HttpResponse:
    body = request.body
    if len(body) > MAX_BODY:
        return _problem(413, "body too large")
    if not sms.signature_is_valid(
        secret=settings.SMS_HTTP_SECRET,
        timestamp=request.headers.get(sms.TIMESTAMP_HEADER),
        header=request.headers.get(sms.SIGNATURE_HEADER),
        body=body,
    ):
        return _problem(403, "missing, wrong or expired signature")
    try:
        data: Any = json.loads(body)
    except ValueError:
        return _problem(400, "the body must be JSON")
    if not isinstance(data, dict):
        return _problem(400, "the body must be a JSON object")
    message_id, status = data.get("message_id"), data.get("status")
    provider_id, error = data.get("id", ""), data.get("error", "")
    if not isinstance(message_id, str) or not 0 < len(message_id) <= 160:
        return _problem(400, "message_id must be a string of 1 to 160 characters")
    if status not in _STATUSES:
        return _problem(400, "status must be delivered or failed")
    if not isinstance(provider_id, str) or not isinstance(error, str):
        return _problem(400, "id and error must be strings")
    sms_status_record(
        message_id=message_id,
        provider_id=provider_id,
        status=_STATUSES[status],
        detail=error,
        now=timezone.now(),
    )
    return HttpResponse(status=204)
