"""The rendered explanation page, cached per decision, language and day, and fetched with the signed-in user.

The explanation page is the most visited page of the portal and almost never changes: a decision, its model
version and its stored explanation are immutable. What can change is named here, and each is handled:

- the language and the day (deadlines are stated relative to today): part of the entry's key;
- the engine and the page templates: their versions are part of the key;
- a correction superseding the decision, and the person saying an item of data is wrong: the writers call
  `pages_changed`, which gives the decision a new *epoch* (a random token); an entry is used only when it was
  built under the epoch that is current;
- the register entry's text (contacts, how to appeal): refreshed after PAGE_CACHE_SECONDS.

A view reads the entry and the epoch in one cache round trip (`page_fetch`); on a hit the page's body costs no
database query (the session and the signed-in user are read as on every page). The entry records whose
decision it is (the IIN's keyed hash), and the view checks it against the person asking exactly as it checks a
decision loaded from the database.

Why an epoch rather than deleting the entry: a reader that missed, read the database before a writer
committed, and stores its page after the writer deleted the entry would leave a stale page for
PAGE_CACHE_SECONDS. With epochs the reader stores the epoch it read *before* going to the database, the writer
changes the epoch *after* committing, so such an entry never matches again.
"""

import datetime as dt
import logging
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction

from .engine import ENGINE_VERSION

logger = logging.getLogger(__name__)

# Bump when templates/explanations/citizen/ change what a cached page shows.
PAGE_TEMPLATE_VERSION = "7"
# The register entry (contacts, deadlines) is not part of the key: a change to it shows within this time.
PAGE_CACHE_SECONDS = 300
# An epoch outlives every entry built under it (entries live PAGE_CACHE_SECONDS).
EPOCH_SECONDS = 24 * 3600


@dataclass(frozen=True)
class PageKeys:
    reference: str  # canonical
    entry: str
    epoch: str


@dataclass(frozen=True)
class CachedPage:
    reference: str
    subject_iin_hash: str
    title: str  # plain text: the template escapes it
    body: str  # HTML rendered by the portal's own autoescaping template


def page_keys(*, reference: str, language: str, day: dt.date) -> PageKeys:
    """Keys of a canonical reference's page in one language on one (local) day."""
    return PageKeys(
        reference=reference,
        entry=f"decision-page:{PAGE_TEMPLATE_VERSION}:{ENGINE_VERSION}:{reference}:{language}:{day.isoformat()}",
        epoch=_epoch_key(reference),
    )


def _epoch_key(reference: str) -> str:
    return f"decision-page-epoch:{reference}"


def page_fetch(keys: PageKeys) -> dict[str, Any]:
    """The page's entry and its decision's epoch, in one cache round trip (for `cached_page`, `epoch_current`)."""
    return cache.get_many([keys.entry, keys.epoch])


def cached_page(found: Mapping[str, Any], keys: PageKeys) -> CachedPage | None:
    """The page from a get_many answer holding both keys, if it was built under the current epoch."""
    entry = found.get(keys.entry)
    if (
        not isinstance(entry, tuple)
        or len(entry) != 4
        or entry[0] is None
        or entry[0] != found.get(keys.epoch)
    ):
        return None
    _epoch, subject_iin_hash, title, body = entry
    return CachedPage(
        reference=keys.reference,
        subject_iin_hash=subject_iin_hash,
        title=title,
        body=body,
    )


def epoch_current(keys: PageKeys, found: Mapping[str, Any]) -> Any:
    """The decision's epoch as read with the page, or a new one when it has none yet (call before reading the
    database). A page is never kept without an epoch: if an epoch were evicted, a page kept under "none" would
    match again."""
    epoch = found.get(keys.epoch)
    if epoch is None:
        fresh = secrets.token_hex(8)
        epoch = fresh if cache.add(keys.epoch, fresh, EPOCH_SECONDS) else cache.get(keys.epoch)
    return epoch


def page_store(keys: PageKeys, *, epoch: Any, page: CachedPage) -> None:
    """Keep a page rendered from what the database said after `epoch` was read."""
    if epoch is None:
        return
    cache.set(keys.entry, (epoch, page.subject_iin_hash, page.title, page.body), PAGE_CACHE_SECONDS)


def pages_changed(references: Iterable[str]) -> None:
    """What these decisions' pages show has changed: call inside the transaction that changes it.

    The epoch changes at once (a rollback then costs one needless re-render) and again after the commit, which
    retires any page a concurrent reader built from the data as it was before the commit.
    """
    refs = sorted(set(references))
    if not refs:
        return

    def bump() -> None:
        # A cache outage must not undo or fail the write that called this: the page is then at most
        # PAGE_CACHE_SECONDS stale.
        try:
            cache.set_many({_epoch_key(r): secrets.token_hex(8) for r in refs}, EPOCH_SECONDS)
        except Exception:
            logger.exception("could not renew the page epochs of %d decisions", len(refs))

    bump()
    transaction.on_commit(bump, robust=True)
