"""Exactly once under worker death: with a real Celery worker on Redis, kill -9 the worker (and its children)
while it delivers notifications and renders letters; after a new worker starts and the relays run, every
notification was delivered exactly once at the recipient's side and every letter is rendered once and
consistent."""

import datetime as dt
import hashlib
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from appeals.models import Appeal, Channel, Letter, Notification
from appeals.services import notify
from appeals.services.delivery import notification_relay
from appeals.services.letters import letter_relay, letter_render
from appeals.states import State

from .conftest import wait_for
from .helpers import decided

BULK = 200


def _relay_as_if_time_passed() -> None:
    """What beat does every minute, run as if the leases of the killed worker had run out."""
    lease_and_age = settings.NOTIFY_LEASE_SECONDS + settings.NOTIFY_RELAY_AGE_SECONDS
    later = timezone.now() + dt.timedelta(seconds=lease_and_age + 1)
    notification_relay(now=later)
    letter_relay(now=later)


def accepted_not_marked(sink) -> bool:
    sending = set(
        Notification.objects.filter(state=Notification.State.SENDING).values_list("dedupe_key", flat=True)
    )
    return bool(sending and sending & set(sink.delivered()))


def test_killing_a_worker_mid_delivery_loses_and_duplicates_nothing(jobs_world, workers, sink):
    world = jobs_world
    contacts = [
        ("kk", Channel.EMAIL),
        ("ru", Channel.SMS),
        ("en", Channel.EMAIL),
        ("kk", Channel.SMS),
        ("ru", Channel.EMAIL),
        ("en", Channel.SMS),
    ]
    appeals = []
    # Bulk notifications and decisions (each with its letter) interleaved, so the queue mixes both kinds.
    for n, (language, channel) in enumerate(contacts):
        with transaction.atomic():
            for i in range(BULK // len(contacts)):
                recipient = world.citizen
                appeal = appeals[-1] if appeals else None
                notify.enqueue(
                    appeal=appeal,
                    recipient=recipient,
                    event="appeal.reminder",
                    now=timezone.now(),
                    key=f"bulk:{n}:{i}",
                    context={"reference": f"BULK{n}-{i}", "audience": "appellant"},
                )
        appeals.append(
            decided(
                world, reviewer=world.reviewers[n % 3], contact_language=language, contact_channel=channel
            )
        )
    assert all(a.state == State.DECIDED for a in appeals)
    total = Notification.objects.count()
    assert total >= BULK

    def letters(state: str) -> int:
        return Letter.objects.filter(state=state).count()

    kills = []
    for threshold in (total // 3, 2 * total // 3):  # kill at about a third, then at about two thirds
        worker = workers.start()
        wait_for(
            lambda t=threshold: len(sink.delivered()) >= t, timeout=240, message="the worker made progress"
        )
        # Kill at the worst moment: the provider has accepted a message and the row is not yet marked SENT.
        wait_for(lambda: accepted_not_marked(sink), timeout=60, interval=0.005, message="a send in flight")
        workers.kill(worker)
        kills.append(
            {
                "accepted_not_marked": sum(
                    1
                    for k in sink.delivered()
                    if Notification.objects.filter(dedupe_key=k, state=Notification.State.SENDING).exists()
                ),
                "sent": Notification.objects.filter(state=Notification.State.SENT).count(),
                "sending": Notification.objects.filter(state=Notification.State.SENDING).count(),
                "letters_rendered": letters("RENDERED"),
                "letters_pending": letters("PENDING"),
            }
        )
        _relay_as_if_time_passed()
    assert kills[0]["sent"] < total, "the worker finished before it was killed: nothing was tested"

    workers.start()

    def settled() -> bool:
        _relay_as_if_time_passed()
        return (
            not Notification.objects.exclude(state=Notification.State.SENT).exists()
            and not Letter.objects.exclude(state=Letter.State.RENDERED).exists()
            and Notification.objects.count() == total + len(appeals)  # + one "letter ready" per appeal
        )

    wait_for(settled, timeout=300, interval=2, message="every notification sent and every letter rendered")

    keys = set(Notification.objects.values_list("dedupe_key", flat=True))
    delivered = sink.delivered()
    calls = sink.calls()
    assert set(delivered) == keys, "every notification reached its recipient, and nothing else did"
    assert all(len(sink.bodies(key)) == 1 for key in keys), "a re-send carried the same message"
    assert not Notification.objects.filter(attempts=0).exists()
    resent = sum(1 for key in keys if calls.get(key, 0) > 1)
    assert resent >= 1, "a message the provider had accepted before the kill was sent again, with its key"
    print(f"notifications={len(keys)} kills={kills} resent_with_same_key={resent}")

    for appeal in appeals:
        letters = list(Letter.objects.filter(appeal=appeal))
        assert [letter.language for letter in letters] == [appeal.contact_language]
        letter = letters[0]
        data = (Path(settings.PRIVATE_MEDIA_ROOT) / letter.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == letter.sha256
        # The letter of record is what the service renders from the same facts, byte for byte.
        fresh = letter_render(appeal=Appeal.objects.get(pk=appeal.pk), language=letter.language)
        assert hashlib.sha256(fresh).hexdigest() == letter.sha256
        ready = Notification.objects.filter(appeal=appeal, event="appeal.letter.ready")
        assert ready.count() == 1
        assert ready.get().dedupe_key in delivered
    letters_dir = Path(settings.PRIVATE_MEDIA_ROOT) / "letters"
    stored = [p for p in letters_dir.glob("*.pdf") if not p.name.startswith(".tmp-")]  # a killed write
    assert len(stored) == len(appeals), "no orphaned or second renderings of a letter"
