"""National identifiers (IIN/BIN) and public references.

IIN check digit per reliability.md: a typo filter only, never a protection against enumeration.
Public references: 12 random symbols of Crockford's base32 (60 bits) plus one Luhn mod 32 check symbol, which
catches every single-symbol error and every transposition of adjacent symbols.
"""

import secrets

_W1 = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_W2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def iin_check_digit(first_eleven: str) -> int | None:
    """The check digit for 11 digits, or None when the number can never be issued."""
    digits = [int(c) for c in first_eleven]
    c = sum(d * w for d, w in zip(digits, _W1, strict=True)) % 11
    if c == 10:
        c = sum(d * w for d, w in zip(digits, _W2, strict=True)) % 11
        if c == 10:
            return None
    return c


def iin_is_valid(value: object) -> bool:
    """True for a 12-digit string whose last digit is the correct check digit."""
    if not isinstance(value, str) or len(value) != 12 or not value.isascii() or not value.isdigit():
        return False
    check = iin_check_digit(value[:11])
    return check is not None and check == int(value[11])


def iin_problem(value: object) -> str | None:
    """A specific, user-facing reason why `value` is not a valid IIN, or None when it is valid."""
    if not isinstance(value, str):
        return "must be a string of 12 digits"
    if len(value) != 12 or not value.isascii() or not value.isdigit():
        return "must be exactly 12 digits"
    if not iin_is_valid(value):
        return "check digit does not match: the number is mistyped"
    return None


def make_iin(first_eleven: str) -> str:
    """Complete 11 digits with their check digit (for demo data and tests); ValueError if never issuable."""
    check = iin_check_digit(first_eleven)
    if check is None:
        raise ValueError("no valid check digit exists for these 11 digits")
    return f"{first_eleven}{check}"


ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_N = len(ALPHABET)
REFERENCE_BODY = 12


def _luhn_check(body: str) -> str:
    factor = 2
    total = 0
    for char in reversed(body):
        addend = factor * _INDEX[char]
        factor = 1 if factor == 2 else 2
        total += addend // _N + addend % _N
    return ALPHABET[(_N - total % _N) % _N]


def new_reference() -> str:
    """A fresh public reference: 12 random symbols and a check symbol, stored without separators."""
    bits = int.from_bytes(secrets.token_bytes(8), "big")  # 64 random bits; 60 are used
    body = "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(REFERENCE_BODY))
    return body + _luhn_check(body)


def normalise_reference(text: str) -> str | None:
    """The canonical reference for what a person typed (spaces, dashes, case and O/I/L forgiven), or None
    when it is malformed or its check symbol does not match."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -").translate(_ALIASES)
    if len(cleaned) != REFERENCE_BODY + 1 or any(ch not in _INDEX for ch in cleaned):
        return None
    if _luhn_check(cleaned[:-1]) != cleaned[-1]:
        return None
    return cleaned


def format_reference(reference: str) -> str:
    """Grouped for reading aloud and printing: XXXX-XXXX-XXXX-C."""
    return "-".join([reference[0:4], reference[4:8], reference[8:12], reference[12:]])
