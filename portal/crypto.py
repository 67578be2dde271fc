"""Encryption at rest for national identifiers, and keyed hashes to find them without decrypting.

AES-256-GCM with a random 96-bit nonce per value (the stored form is nonce || ciphertext+tag); HMAC-SHA256 with
a separate key for look-ups, so the look-up column alone does not allow a dictionary attack without the key.
"""

import base64
import functools
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _key(name: str) -> bytes:
    raw = getattr(settings, name, "")
    try:
        key = base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be base64") from exc
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name} must decode to 32 bytes")
    return key


@functools.cache
def _aead() -> AESGCM:
    return AESGCM(_key("FIELD_ENCRYPTION_KEY"))


@functools.cache
def _hash_key() -> bytes:
    return _key("IIN_HASH_KEY")


def encrypt(plaintext: str, *, associated: bytes = b"iin") -> bytes:
    nonce = os.urandom(12)
    return nonce + _aead().encrypt(nonce, plaintext.encode(), associated)


def decrypt(token: bytes, *, associated: bytes = b"iin") -> str:
    token = bytes(token)
    return _aead().decrypt(token[:12], token[12:], associated).decode()


def lookup_hash(value: str) -> str:
    """Keyed hash (hex) of an identifier; equal inputs give equal hashes under the same key."""
    return hmac.digest(_hash_key(), value.encode(), hashlib.sha256).hex()


def reset_key_cache() -> None:
    _aead.cache_clear()
    _hash_key.cache_clear()
