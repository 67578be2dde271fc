"""`{% load portal %}`: text in the reader's language, tenge amounts, numbers, languages."""

import json
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse, translate_url
from django.utils import formats, numberformat, translation
from django.utils.translation import gettext

register = template.Library()

# A register entry's text fields are written in all three languages, but if one is missing the reader should
# still get the text: Kazakh first (the state language), then Russian, then English.
FALLBACK_ORDER = ("kk", "ru", "en")

# Each language named in itself, so that a reader finds their language whatever the page is in.
ENDONYMS = {"kk": "Қазақша", "ru": "Русский", "en": "English"}

NARROW_NBSP = "\u202f"
NBSP = "\u00a0"
TENGE_SIGN = "\u20b8"


def _current_language() -> str:
    return (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]


def _pick(value: Any) -> tuple[str, str | None]:
    """The text for the current language with the language it is in (None when not a language dict)."""
    if not isinstance(value, dict):
        return ("" if value is None else str(value)), None
    for code in (_current_language(), *FALLBACK_ORDER):
        text = value.get(code)
        if isinstance(text, str) and text.strip():
            return text, code
    return "", None


@register.filter(name="i18n")
def i18n_text(value: Any) -> str:
    """{"kk": ..., "ru": ..., "en": ...} -> the current language's text, falling back kk -> ru -> en."""
    return _pick(value)[0]


@register.filter
def i18n_lang(value: Any) -> str:
    """The language code of the text `i18n` shows, for a `lang` attribute (WCAG 3.1.2 when it fell back)."""
    return _pick(value)[1] or _current_language()


@register.filter
def tenge(value: Any) -> str:
    """A tenge amount as the current language writes it: kk/ru "12 345 ₸", "12 345,50 ₸"; en "₸12,345".

    Whole amounts have no decimals; others two, rounded half up. Digits are grouped with a narrow no-break
    space (kk, ru) and the sign is held to the number by a no-break space, so an amount never wraps.
    """
    if value is None or value == "" or isinstance(value, bool):
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not amount.is_finite():
        return str(value)
    amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    places = 0 if amount == amount.to_integral_value() else 2
    sign = "-" if amount < 0 else ""
    if _current_language() == "en":
        digits = numberformat.format(abs(amount), ".", places, 3, ",", force_grouping=True)
        return f"{sign}{TENGE_SIGN}{digits}"
    digits = numberformat.format(abs(amount), ",", places, 3, NARROW_NBSP, force_grouping=True)
    return f"{sign}{digits}{NBSP}{TENGE_SIGN}"


def is_year_key(key: str) -> bool:
    """A parameter that holds a calendar year ("subsistence_minimum_year"): written 2026, never "2,026"."""
    return key == "year" or key.endswith("_year")


def is_i18n_text(value: Any) -> bool:
    """{"kk": ..., "ru": ..., "en": ...} (some of them): a text written in each language."""
    return (
        isinstance(value, dict)
        and bool(value)
        and set(value) <= set(FALLBACK_ORDER)
        and all(isinstance(text, str) for text in value.values())
    )


@register.filter
def parameter_value(value: Any, key: str = "") -> str:
    """A model parameter for people: localised numbers (a year as it is), Yes/No, tenge for keys ending in
    `_kzt`, a text in the reader's language when given in each language, else JSON."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, int) and is_year_key(str(key)):
        return str(value)
    if isinstance(value, int | float | Decimal):
        if str(key).endswith("_kzt"):
            return tenge(value)
        return formats.number_format(value, force_grouping=True)
    if isinstance(value, str):
        return value
    if is_i18n_text(value):
        return i18n_text(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@register.filter
def metric_value(value: Any) -> str:
    """A published metric: up to three decimals in the current language's notation; a dash when missing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, int):
        return formats.number_format(value, force_grouping=True)
    if isinstance(value, float | Decimal) and Decimal(str(value)).is_finite():
        rounded = Decimal(str(value)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP).normalize()
        return formats.number_format(rounded, force_grouping=True)
    return str(value)


@register.simple_tag(takes_context=True)
def portal_languages(context: template.Context) -> list[dict[str, Any]]:
    """The languages of the switcher: each named in itself, the current one marked, with this page's address
    in that language.

    The switcher links straight to these addresses (the language is the address's prefix), so it works
    without JavaScript or a form. An address that is not a page of ours (a 404) offers each language's home.
    """
    current = _current_language()
    request = context.get("request")
    path = request.get_full_path() if request is not None else "/"
    languages = []
    for code, name in settings.LANGUAGES:
        url = translate_url(path, code)
        if url == path and code != current:
            # Not a page of ours (a 404): offer that language's home page instead.
            with translation.override(code):
                url = reverse("explanations:home")
        languages.append(
            {"code": code, "name": ENDONYMS.get(code, str(name)), "current": code == current, "url": url}
        )
    return languages
