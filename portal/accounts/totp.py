"""Time-based one-time passwords (RFC 6238) for the staff second factor: secrets, their sealed form at rest, and
matching a code to its time step. No database access here: services.py reads and writes the user's row.

Codes have 6 digits and a 30-second step (what every authenticator app assumes by default). One step either side
of the current one is accepted, for phones whose clock is a little off; the caller stores the step of the last
code accepted and refuses any code of that step or an earlier one, so a code seen over someone's shoulder cannot
be used again (RFC 6238, section 5.2).
"""

import base64
import binascii
import datetime as dt
import hmac
import re

import pyotp
from cryptography.exceptions import InvalidTag

from portal.crypto import decrypt, encrypt

TOTP_DIGITS = 6
TOTP_INTERVAL_SECONDS = 30
TOTP_VALID_WINDOW = 1
# The name authenticator apps show above the code. Not translated: it names this service in every language, and
# changing it would not change the entries people already have.
TOTP_ISSUER = "Appeal portal"

_SEAL = b"totp"
# 160 bits, as RFC 4226 recommends; the upper bound only keeps the sealed form within the column.
_SECRET = re.compile(r"^[A-Z2-7]{32,64}$")
# For the demo loader (`make run`) only: every demo staff account shares this secret, so a developer can add it
# to an authenticator app once. The loader refuses production settings; never store it for a real account.
_DEMO_SECRET = "DEMOSTAFFTOTPKZAPPEALPORTAL23456"  # noqa: S105 - public on purpose


def demo_totp_secret() -> str:
    """The fixed secret of the demo staff accounts (base32). Demo data only."""
    return _DEMO_SECRET


def new_secret() -> str:
    """A fresh random secret: 32 base32 characters (160 bits) from the operating system's CSPRNG."""
    return pyotp.random_base32(length=32)


def is_valid_secret(secret: str) -> bool:
    return bool(_SECRET.match(secret))


def seal_secret(secret: str) -> str:
    """The form stored in User.totp_secret: base64 of the secret encrypted under FIELD_ENCRYPTION_KEY."""
    if not is_valid_secret(secret):
        raise ValueError("not a base32 TOTP secret of 32 to 64 characters")
    return base64.b64encode(encrypt(secret, associated=_SEAL)).decode()


def unseal_secret(stored: str) -> str | None:
    """The secret from its stored form; None when it cannot be read (tampered with, another key, plain text)."""
    try:
        secret = decrypt(base64.b64decode(stored, validate=True), associated=_SEAL)
    except (InvalidTag, ValueError, binascii.Error):
        return None
    return secret if is_valid_secret(secret) else None


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL_SECONDS)


def time_step(now: dt.datetime) -> int:
    """The RFC 6238 counter (time step) at this moment."""
    return int(now.timestamp()) // TOTP_INTERVAL_SECONDS


def matching_step(*, secret: str, code: str, now: dt.datetime) -> int | None:
    """The time step whose code this is, within TOTP_VALID_WINDOW steps of `now`; None if it matches none.

    Every step of the window is compared in constant time, whichever matches.
    """
    if len(code) != TOTP_DIGITS or not code.isascii() or not code.isdigit():
        return None
    totp = _totp(secret)
    current = time_step(now)
    found: int | None = None
    for step in range(current - TOTP_VALID_WINDOW, current + TOTP_VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step).encode(), code.encode()) and found is None:
            found = step
    return found


def code_at(*, secret: str, now: dt.datetime) -> str:
    """The code an authenticator app shows at this moment (for tests and the demo command)."""
    return _totp(secret).generate_otp(time_step(now))


def seconds_left(now: dt.datetime) -> int:
    """Seconds until the code shown at `now` is replaced by the next one."""
    return TOTP_INTERVAL_SECONDS - int(now.timestamp()) % TOTP_INTERVAL_SECONDS


def provisioning_uri(*, secret: str, account_name: str) -> str:
    """The otpauth:// URI that authenticator apps read (usually from a QR code) to add this account."""
    return _totp(secret).provisioning_uri(name=account_name, issuer_name=TOTP_ISSUER)


def grouped(secret: str) -> str:
    """The secret in groups of four characters, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
