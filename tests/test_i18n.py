"""Languages (issue 10): one catalogue per language, checked against the code; zh-Hant end to end.

The catalogue checks are those of ``scripts/messages.py check``: every message the code and
templates mark is in every catalogue and translated, placeholders agree between English and
each translation, zh_Hant is what OpenCC + the override list make of zh_Hans, and each
committed .mo matches its .po. Each check is also shown to fail on a broken copy.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path

import opencc
import pytest
from typer.testing import CliRunner

from synth import SR, FakeRecognizer, utterance
from voicecoach import i18n

ROOT = Path(__file__).resolve().parent.parent
S2T = opencc.OpenCC("s2t")


def _messages():
    spec = importlib.util.spec_from_file_location("voicecoach_messages", ROOT / "scripts" / "messages.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("voicecoach_messages", mod)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def messages():
    return _messages()


def test_the_catalogues_hold_every_message_with_its_placeholders_and_are_compiled(messages):
    assert messages.check() == []


def _broken_copy(messages, tmp_path, monkeypatch):
    locale = tmp_path / "locale"
    shutil.copytree(messages.LOCALE, locale)
    monkeypatch.setattr(messages, "LOCALE", locale)
    monkeypatch.setattr(messages, "OVERRIDES", locale / "zh_Hant" / "overrides.toml")
    return locale / "zh_Hans" / "LC_MESSAGES" / "voicecoach.po"


def test_a_stale_mo_a_lost_placeholder_and_a_missing_message_are_caught(messages, tmp_path, monkeypatch):
    po = _broken_copy(messages, tmp_path, monkeypatch)
    text = po.read_text(encoding="utf-8")
    assert 'msgstr "正常字长的 {ratio:.1f} 倍"' in text
    po.write_text(text.replace('msgstr "正常字长的 {ratio:.1f} 倍"', 'msgstr "正常字长的倍数"'), encoding="utf-8")
    problems = messages.check()
    assert any("zh_Hans: placeholders differ" in p and "typical syllable" in p for p in problems), problems
    assert any("zh_Hans: voicecoach.mo is stale" in p for p in problems), problems
    assert any("zh_Hant: stale against zh_Hans" in p for p in problems), problems
    extra = messages.extract()
    extra.add("a message nobody translated")
    monkeypatch.setattr(messages, "extract", lambda: extra)
    assert any("missing" in p and "a message nobody translated" in p for p in messages.check())


@pytest.mark.parametrize("asked, code", [
    (None, "zh"), ("", "zh"), ("zh", "zh"), ("zh-Hans", "zh"), ("zh-CN", "zh"), ("zh_Hans", "zh"), ("zh-SG", "zh"),
    ("zh-Hant", "zh-Hant"), ("zh-TW", "zh-Hant"), ("zh-HK", "zh-Hant"), ("zh_Hant_TW", "zh-Hant"), ("zh-MO", "zh-Hant"),
    ("en", "en"), ("en-GB", "en"), ("EN", "en"), ("fr", "zh"), ("klingon", "zh"),
])
def test_one_language_fallback(asked, code):
    assert i18n.normalize(asked) == code
    assert i18n.known(asked) == (asked is None or asked.lower().replace("_", "-").split("-")[0] in ("zh", "en"))


def test_lookups_in_each_language():
    assert [i18n.pgettext(lang, "verdict", "too fast") for lang in i18n.LANGS] == ["太快", "太快", "too fast"]
    assert [i18n.pgettext(lang, "moment", "too fast") for lang in i18n.LANGS] == ["语速过快", "語速過快", "too fast"]  # a context tells them apart
    assert [i18n.ngettext("en", "{n} syllable", "{n} syllables", n).format(n=n) for n in (1, 2)] == ["1 syllable", "2 syllables"]
    assert i18n.ngettext("zh-Hant", "{n} syllable", "{n} syllables", 2).format(n=2) == "2 字"
    assert i18n.gettext("zh-Hant", "Technical details") == "技術資訊"  # s2twp: Taiwan phrases, not just characters
    assert i18n.gettext("zh-Hant", "benchmark") == "標竿"  # a reviewed override (overrides.toml)
    assert i18n.text("zh-Hant", {"zh": "亲和力", "en": "Warmth"}) == "親和力"  # a plug-in's own dict
    assert i18n.transcript("zh-Hant", "请问有什么可以帮您") == "請問有什麼可以幫您"
    assert i18n.transcript("zh", "请问") == "请问" and i18n.transcript("en", "请问") == "请问"
    # the command line's own lines: in --lang when given, English (the source) without it
    assert [i18n.cli_text(lang, "summary: {path}", path="s.html") for lang in (None, "fr", "zh", "zh-TW")] == [
        "summary: s.html", "summary: s.html", "汇总：s.html", "彙總：s.html"]


@pytest.fixture(scope="module")
def hant_result():
    from voicecoach.analysis import analyze

    sp = utterance([6, 7, 6, 7], pause_s=[0.4, 3.4, 0.4], final_factor=[1.4, 3.0, 1.4, 1.4], f0_hz=190)
    return analyze(sp.samples, sample_rate_hz=SR, recognizer=FakeRecognizer(sp.chars), use_cache=False, lang="zh-TW")


def _no_simplified(text: str) -> bool:
    return S2T.convert(text) == text


def test_a_zh_hant_report_reads_in_traditional_chinese_with_its_transcript_converted(hant_result, tmp_path):
    from voicecoach.report import write_report
    from voicecoach.report.text import summary_lines

    assert hant_result.lang == "zh-Hant"
    files = write_report(hant_result, tmp_path / "r")
    page = files.html.read_text(encoding="utf-8")
    assert '<html lang="zh-Hant">' in page
    assert "語音表達報告" in page and "最需要改進的" in page and "语音" not in page
    recognised = hant_result.transcript.text
    assert recognised and recognised != i18n.to_traditional(recognised)
    body = "".join(re.findall(r'<span class="text">(.*?)</span>\s*<span class="fig2">', page, flags=re.S))
    shown = "".join(ch for ch in body if "\u4e00" <= ch <= "\u9fff")
    assert shown and _no_simplified(shown), shown
    assert shown == "".join(ch for ch in i18n.to_traditional(recognised) if "\u4e00" <= ch <= "\u9fff")
    assert json.loads(files.json.read_text(encoding="utf-8"))["settings"]["lang"] == "zh-Hant"
    lines = summary_lines(hant_result, lang=hant_result.lang)
    assert lines[0].startswith("總分") and all(_no_simplified(line) for line in lines), lines


def test_cli_errors_follow_lang_and_stay_english_without_it(tmp_path):
    from voicecoach.cli import app

    runner = CliRunner()
    missing = str(tmp_path / "nowhere.wav")
    res = runner.invoke(app, ["analyze", missing])
    assert res.exit_code == 2 and "nowhere.wav does not exist; check the path and file name" in res.output
    res = runner.invoke(app, ["analyze", missing, "--lang", "zh"])
    assert res.exit_code == 2 and "nowhere.wav 不存在：请检查路径和文件名" in res.output
    res = runner.invoke(app, ["analyze", missing, "--lang", "zh-HK"])
    assert res.exit_code == 2 and "nowhere.wav 不存在：請檢查路徑和檔名" in res.output
    res = runner.invoke(app, ["summary", "--by", "team", "--lang", "zh-Hant"])
    assert res.exit_code == 1 and "--by 只能是 agent、date 或 all" in res.output


class _Rows:
    def __init__(self, rows):
        self._rows = rows

    def rows(self, **filters):
        return self._rows


def test_export_headers_and_verdicts_in_a_language_and_keys_without_one(tmp_path):
    from openpyxl import load_workbook

    from voicecoach.qa.export import _xlsx, table, table_keys

    row = {"call_id": "C1", "agent_id": "A1", "status": "done", "overall_score": 70.0, "pace_score": 60.0, "pace_verdict": "too_fast",
           "speaking_rate_cps": 5.5, "extra": json.dumps({"team": "x"})}
    store = _Rows([row])
    keys, rows = table(store)
    assert keys[:2] == ["call_id", "agent_id"] and "pace_verdict" in keys and rows[0][keys.index("pace_verdict")] == "too_fast"
    header, rows = table(store, lang="zh")
    i = keys.index("pace_verdict")
    assert header[:2] == ["通话", "坐席"] and header[i] == "语速 结论" and rows[0][i] == "太快"
    assert header[keys.index("speaking_rate_cps")] == "语速（含停顿）（字/秒）" and header[-1] == "team"
    header, rows = table(store, lang="zh-Hant")
    assert header[i] == "語速 結論" and rows[0][i] == "太快" and header[1] == "客服人員"
    header, rows = table(store, lang="en")
    assert header[i] == "Pace verdict" and rows[0][i] == "too fast"
    path = tmp_path / "x.xlsx"
    _xlsx(path, header, rows, keys=table_keys(store), lang="en")
    sheet = load_workbook(path)["columns"]
    assert [c.value for c in sheet[1]] == ["column", "unit", "what it means", "key"]
    rows = {r[0].value: [c.value for c in r] for r in sheet.iter_rows(min_row=2)}
    assert rows["Pace verdict"][1] == "verdict" and rows["Pace verdict"][3] == "pace_verdict" and "verdict in words" in rows["Pace verdict"][2]
    assert all(r[1] and r[2] for r in rows.values()), "every column has a unit and a plain explanation"
