"""The message catalogues: extract, update, generate zh_Hant, compile, check (``make messages``).

    python scripts/messages.py            extract -> update -> zh_Hant -> compile (what make messages runs)
    python scripts/messages.py check      report stale or incomplete catalogues; exit 1 if any

Layout (see voicecoach/i18n.py and README "Languages"):

    babel.cfg                                          what is extracted, with which method
    voicecoach/locale/voicecoach.pot                   the extracted English source strings
    voicecoach/locale/<locale>/LC_MESSAGES/voicecoach.po   one catalogue per language (zh_Hans: translated by people)
    voicecoach/locale/<locale>/LC_MESSAGES/voicecoach.mo   compiled, committed (installs need no Babel)
    voicecoach/locale/zh_Hant/overrides.toml           reviewed exceptions to the OpenCC conversion

zh_Hant is generated, never edited: each zh_Hans translation converted with OpenCC s2twp (Taiwan
standard, Taiwan phrases), then the override list applied.

Python code marks messages with the lang-first lookups of voicecoach.i18n (``gettext(lang, msg)``,
``pgettext(lang, ctx, msg)``, ``ngettext(lang, s, p, n)``) and the markers ``N_(msg)``,
``NP_(ctx, msg)``; templates use Jinja2's i18n extension (``_``, ``gettext``, ``ngettext``,
``pgettext``), so the two are extracted with different keyword positions.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "voicecoach"
LOCALE = PACKAGE / "locale"
DOMAIN = "voicecoach"
POT = LOCALE / f"{DOMAIN}.pot"
TRANSLATED = ("zh_Hans",)
"""Catalogues people translate; every other one is generated (below)."""
GENERATED = {"zh_Hant": "zh_Hans"}
"""Generated catalogue -> the catalogue it is converted from."""
OVERRIDES = LOCALE / "zh_Hant" / "overrides.toml"

PY_KEYWORDS = {"gettext": (2,), "pgettext": ((2, "c"), 3), "ngettext": (2, 3), "N_": None, "NP_": ((1, "c"), 2)}
"""voicecoach.i18n's lookups take the language first."""
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:[:!][^{}]*)?\}|%\([A-Za-z_]+\)[sdfr]")


def po_path(locale: str) -> Path:
    return LOCALE / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(locale: str) -> Path:
    return po_path(locale).with_suffix(".mo")


def locales() -> list[str]:
    return sorted(p.name for p in LOCALE.iterdir() if (p / "LC_MESSAGES").is_dir())


def _in_package(dirpath: str) -> bool:
    rel = Path(dirpath).resolve().relative_to(ROOT).parts if Path(dirpath).resolve().is_relative_to(ROOT) else ("..",)
    return not rel or (rel[0] == "voicecoach" and not any(p.startswith((".", "_")) for p in rel))


def extract() -> Catalog:
    """Every message marked in the package's Python and templates, as a template catalogue."""
    cat = Catalog(project="voicecoach", version="0.1", copyright_holder="voicecoach engineers", domain=DOMAIN, charset="utf-8", fuzzy=False)
    cfg = (ROOT / "babel.cfg").read_text(encoding="utf-8")
    method_map, options_map = parse_mapping_cfg(io.StringIO(cfg))
    for pattern, method in method_map:
        keywords = PY_KEYWORDS if method == "python" else DEFAULT_KEYWORDS
        found = extract_from_dir(ROOT, [(pattern, method)], {pattern: options_map.get(pattern, {})}, keywords=keywords,
                                 directory_filter=_in_package)
        for filename, lineno, message, comments, context in found:
            cat.add(message, None, [(filename.replace("\\", "/"), lineno)], auto_comments=comments, context=context)
    return cat


def _read(path: Path, locale: str | None = None) -> Catalog:
    with open(path, "rb") as f:
        return read_po(f, locale=locale, domain=DOMAIN)


def _write(cat: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    write_po(buf, cat, width=0, omit_header=False, include_lineno=False, sort_output=False, include_previous=False, ignore_obsolete=True)
    text = re.sub(rb'"POT-Creation-Date: [^"]*\\n"\n', b"", buf.getvalue())  # no churn from the date
    text = re.sub(rb'"PO-Revision-Date: [^"]*\\n"\n', b"", text)
    text = re.sub(rb'"Generated-By: [^"]*\\n"\n', b"", text)
    path.write_bytes(text)


def update(template: Catalog) -> None:
    """Bring each translated catalogue in line with the template (new messages untranslated)."""
    for locale in TRANSLATED:
        path = po_path(locale)
        cat = _read(path, locale) if path.exists() else Catalog(locale=locale, domain=DOMAIN)
        cat.update(template, no_fuzzy_matching=True)
        _write(cat, path)


def overrides() -> list[dict]:
    """The reviewed fixes of overrides.toml: {converted, reviewed, reason, context?}."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    data = tomllib.loads(OVERRIDES.read_text(encoding="utf-8")) if OVERRIDES.exists() else {}
    return data.get("fix", [])


def _fixed(text: str, context: str | None, fixes: list[dict]) -> str:
    for f in fixes:
        if f.get("context") in (None, context):
            text = text.replace(f["converted"], f["reviewed"])
    return text


def generate(locale: str) -> Catalog:
    """A generated catalogue: its source catalogue converted with OpenCC s2twp, then the
    reviewed fixes of overrides.toml applied."""
    sys.path.insert(0, str(ROOT))
    from voicecoach.i18n import to_traditional

    src = _read(po_path(GENERATED[locale]))
    out = Catalog(locale=locale, domain=DOMAIN, project="voicecoach", version="0.1", copyright_holder="voicecoach engineers", charset="utf-8",
                  fuzzy=False, last_translator="scripts/messages.py (OpenCC s2twp + overrides.toml)", language_team="voicecoach engineers")
    fixed = overrides()
    for m in src:
        if not m.id:
            continue
        if isinstance(m.string, tuple):
            string = tuple(_fixed(to_traditional(s), m.context, fixed) for s in m.string)
        else:
            string = _fixed(to_traditional(m.string), m.context, fixed)
        out.add(m.id, string, locations=m.locations, flags=m.flags - {"fuzzy"}, context=m.context)
    return out


def compile_mo(locale: str) -> bytes:
    cat = _read(po_path(locale), locale)
    buf = io.BytesIO()
    write_mo(buf, cat, use_fuzzy=False)
    return buf.getvalue()


def _tuple(x):
    return tuple(x) if isinstance(x, (list, tuple)) else x


def _entries(cat: Catalog) -> dict:
    return {(m.context, _tuple(m.id)): _tuple(m.string) for m in cat if m.id}


def check() -> list[str]:
    """What is wrong with the catalogues: messages missing or untranslated, placeholders that
    differ, a stale zh_Hant, a stale .mo. Empty when all is well."""
    problems = []
    wanted = {(m.context, m.id) for m in extract() if m.id}
    for locale in locales():
        cat = _read(po_path(locale), locale)
        have = _entries(cat)
        for key in sorted(wanted - set(have), key=str):
            problems.append(f"{locale}: missing {key}")
        for m in cat:
            if not m.id:
                continue
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            ids = m.id if isinstance(m.id, tuple) else (m.id,)
            if not all(strings) or m.fuzzy:
                problems.append(f"{locale}: untranslated or fuzzy {(m.context, m.id)}")
                continue
            want = sorted(set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0])))
            for s in strings:
                if sorted(set(PLACEHOLDER.findall(s))) != want:
                    problems.append(f"{locale}: placeholders differ in {(m.context, m.id)}: {s!r}")
        if locale in GENERATED and _entries(generate(locale)) != have:
            problems.append(f"{locale}: stale against {GENERATED[locale]} (run make messages)")
        mo = mo_path(locale)
        if not mo.exists():
            problems.append(f"{locale}: no compiled {mo.name} (run make messages)")
        else:
            with open(mo, "rb") as f:
                compiled = _entries(read_mo(f))
            if compiled != {k: v for k, v in have.items() if v}:
                problems.append(f"{locale}: {mo.name} is stale against its .po (run make messages)")
    return problems


def main(argv: list[str]) -> int:
    if argv[1:2] == ["check"]:
        problems = check()
        print("\n".join(problems) or "catalogues up to date")
        return 1 if problems else 0
    template = extract()
    _write(template, POT)
    update(template)
    for locale in GENERATED:
        _write(generate(locale), po_path(locale))
    for locale in locales():
        mo_path(locale).write_bytes(compile_mo(locale))
        cat = _read(po_path(locale), locale)
        n = sum(1 for m in cat if m.id)
        todo = sum(1 for m in cat if m.id and (not (all(m.string) if isinstance(m.string, tuple) else m.string) or m.fuzzy))
        print(f"{locale}: {n} messages, {todo} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
