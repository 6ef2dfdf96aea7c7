"""Languages: the one place a report language is chosen and a text is looked up.

Every text a user reads (pages, charts, terminal output, exports, error messages) is an
English source string in the code, marked for extraction, and read through this module in the
report's language from a gettext catalogue, ``voicecoach/locale/<locale>/LC_MESSAGES/voicecoach.po``
(compiled to ``.mo`` by ``make messages``; the ``.mo`` files are committed, so an install needs
no Babel). English is the source language and has no catalogue.

Languages (:func:`normalize`):

=========================================================  ==========  ===========
asked for                                                   code        catalogue
=========================================================  ==========  ===========
None, "", "zh", "zh-Hans", "zh-CN", "zh-SG", "zh_Hans"...   "zh"        zh_Hans
"zh-Hant", "zh-TW", "zh-HK", "zh-MO", "zh_Hant"...          "zh-Hant"   zh_Hant
"en", "en-GB", "en_US"...                                   "en"        (source)
anything else                                               "zh"        zh_Hans
=========================================================  ==========  ===========

The library falls back to Simplified Chinese (the centres' language) for a code it does not
know; the CLI refuses one (:func:`check`). ``zh-Hant`` (centres in Taiwan and Hong Kong) reads
the zh_Hant catalogue, which ``scripts/hant_catalogue.py`` generates from zh_Hans with OpenCC
(s2twp: Taiwan standard with Taiwan phrases) plus a reviewed override list, and shows the
transcript converted the same way (:func:`transcript`).

Marking: ``N_("text")`` and ``NP_("context", "text")`` mark a string for extraction where it is
declared (the dimension registry, tables); ``gettext``, ``pgettext`` and ``ngettext`` here look
it up. A context (``msgctxt``) tells apart short words that read differently in Chinese
("too fast" as a verdict 太快, as a moment 语速过快).
"""

from __future__ import annotations

import functools
import gettext as _gettext
from pathlib import Path
from typing import Mapping

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "voicecoach"
LANGS = ("zh", "zh-Hant", "en")
"""The report languages, by their code in report.json and ``--lang``."""
DEFAULT = "zh"
LOCALES = {"zh": "zh_Hans", "zh-Hant": "zh_Hant", "en": None}
"""Catalogue folder of each language (None: the English source strings)."""
HTML_LANG = {"zh": "zh-Hans", "zh-Hant": "zh-Hant", "en": "en"}
"""The ``<html lang>`` of each language's pages."""

_HANT = {"hant", "tw", "hk", "mo"}


def normalize(lang: str | None) -> str:
    """The report language of a code: "zh", "zh-Hant" or "en" (table in the module docstring)."""
    if not lang:
        return DEFAULT
    parts = [p.lower() for p in str(lang).replace("_", "-").split("-")]
    if parts[0] == "en":
        return "en"
    if parts[0] == "zh":
        return "zh-Hant" if any(p in _HANT for p in parts[1:]) else "zh"
    return DEFAULT


def known(lang: str | None) -> bool:
    """Whether ``lang`` names a report language (rather than falling back)."""
    return lang is None or str(lang).replace("_", "-").split("-")[0].lower() in ("zh", "en")


def is_chinese(lang: str | None) -> bool:
    return normalize(lang) != "en"


@functools.lru_cache(maxsize=None)
def translations(lang: str | None) -> _gettext.NullTranslations:
    """The gettext translations of a language (English: the source strings themselves)."""
    locale = LOCALES[normalize(lang)]
    if locale is None:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[locale])


def gettext(lang: str | None, message: str) -> str:
    """``message`` (an English source string) in ``lang``."""
    return translations(lang).gettext(message) if message else message


def pgettext(lang: str | None, context: str, message: str) -> str:
    """``message`` in ``lang``, in a context (``msgctxt``)."""
    return translations(lang).pgettext(context, message) if message else message


def ngettext(lang: str | None, singular: str, plural: str, n: int) -> str:
    """The singular or plural of a message for ``n`` (English: n == 1 is singular)."""
    return translations(lang).ngettext(singular, plural, n)


def text(lang: str | None, value: str | Mapping[str, str], context: str | None = None) -> str:
    """A declared text in ``lang``: an English source string (looked up in the catalogue, in
    ``context`` when given) or, from a plug-in dimension, a ``{"zh": ..., "en": ...}`` dict
    (zh-Hant: its own entry, else its "zh" entry converted with OpenCC)."""
    if isinstance(value, str):
        return pgettext(lang, context, value) if context else gettext(lang, value)
    code = normalize(lang)
    if code in value:
        return value[code]
    if code == "zh-Hant" and "zh" in value:
        return transcript(code, value["zh"])
    return value.get("zh") or value.get("en") or ""


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is looked up where it is shown."""
    return message


def NP_(context: str, message: str) -> str:
    """Mark ``message`` for extraction in ``context``; it is looked up where it is shown."""
    return message


@functools.lru_cache(maxsize=1)
def _s2twp():
    import opencc

    return opencc.OpenCC("s2twp")


def to_traditional(s: str) -> str:
    """Simplified Chinese as Traditional, Taiwan standard with Taiwan phrases (OpenCC s2twp)."""
    return _s2twp().convert(s) if s else s


def transcript(lang: str | None, s: str) -> str:
    """Recognised text as a page in ``lang`` shows it: the recogniser's output is normalised to
    Simplified Chinese (``recognize.textnorm``); a zh-Hant page shows it in Traditional."""
    return to_traditional(s) if normalize(lang) == "zh-Hant" else s


def cli_text(lang: str | None, message: str, **params) -> str:
    """A message of the command line: in ``lang`` when one was asked for and is known, else the
    English source itself (what scripts reading the output, and the tests, see); ``params`` fill it."""
    text = gettext(lang, message) if lang and known(lang) else message
    return text.format(**params) if params else text


def html_lang(lang: str | None) -> str:
    return HTML_LANG[normalize(lang)]


def check(lang: str | None) -> str | None:
    """A language code the CLI was given, normalised; raises ValueError for an unknown one."""
    if lang is None:
        return None
    if not known(lang):
        raise ValueError(lang)
    return normalize(lang)


def sep(lang: str | None) -> dict[str, str]:
    """Punctuation of running text: Chinese full-width brackets, colon and list comma."""
    if is_chinese(lang):
        return {"open": "（", "close": "）", "colon": "：", "comma": "、", "space": ""}
    return {"open": " (", "close": ")", "colon": ": ", "comma": ", ", "space": " "}
