"""report.html: one self-contained page (charts, transcript, audio inside) that opens offline.

Flagged moments and sentences are buttons that play that stretch of the recording. The audio
is embedded as Opus (about 20-30 kbit/s at 16 kHz) up to ``MAX_EMBED_S``; longer recordings
link to the original file instead, so the page stays small.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
from jinja2 import Environment, FileSystemLoader, select_autoescape

from voicecoach import i18n
from voicecoach.report.wording import wording_view
from voicecoach.judge.advice import dimension_name, moment_label, notice_text, verdict_name
from voicecoach.report.figures import band_text, check_label, check_text, format_value, shown_overall, shown_score, unit_label, verdict_class

MAX_EMBED_S = 30 * 60.0
TEMPLATES = Path(__file__).parent / "templates"


def environment(lang: str) -> Environment:
    """The Jinja2 environment of a page in ``lang``: the i18n extension with the language's
    catalogue installed (``_``, ``gettext``, ``ngettext``, ``pgettext`` in templates), and
    ``html_lang``, ``punct`` (running-text punctuation) and the ``transcript`` filter (the
    recognised text as the language shows it: Traditional on zh-Hant pages)."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]), extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(i18n.translations(lang), newstyle=True)
    env.globals.update(lang=i18n.normalize(lang), html_lang=i18n.html_lang(lang), punct=i18n.sep(lang))
    env.filters["transcript"] = lambda s: i18n.transcript(lang, s or "")
    env.filters["t"] = fmt_time
    return env


def transcript_chars(texts: list[str], lang: str) -> list[str]:
    """Characters of one sentence as ``lang`` shows them, still one per recognised character:
    the sentence converted whole (OpenCC's phrases need context), character by character
    where a phrase changed the length."""
    whole = i18n.transcript(lang, "".join(texts))
    if whole == "".join(texts):
        return texts
    out, at = [], 0
    for t in texts:
        out.append(whole[at:at + len(t)])
        at += len(t)
    return out if at == len(whole) and all(len(o) == len(t) for o, t in zip(out, texts)) else [i18n.transcript(lang, t) for t in texts]


def encode_opus(samples: np.ndarray, sample_rate_hz: int, *, bitrate_bps: int = 16000) -> bytes:
    """Mono samples as Opus in OGG, through FFmpeg's libopus (PyAV).

    Encoder complexity 0 and the VoIP application: 0.14 s per minute of audio on this
    project's 2-core machine against 0.6 s at the default complexity (and libsndfile's Opus
    writer: 2 s per minute), with speech quality to match at 16 kbit/s.
    """
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=sample_rate_hz, layout="mono", options={"compression_level": "0", "application": "voip"})
        stream.bit_rate = bitrate_bps
        x = np.clip(np.asarray(samples, dtype=np.float32), -1, 1)
        step = sample_rate_hz * 30
        for a in range(0, len(x), step):
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(x[None, a:a + step]), format="flt", layout="mono")
            frame.sample_rate = sample_rate_hz
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def audio_data_uri(samples: np.ndarray, sample_rate_hz: int) -> str:
    """Opus-in-OGG data URI of mono samples."""
    return "data:audio/ogg;base64," + base64.b64encode(encode_opus(samples, sample_rate_hz)).decode("ascii")


def png_data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def fmt_time(t: float) -> str:
    """A time of the recording as the page writes it: mm:ss, h:mm:ss past an hour (whole
    seconds, rounded down: the moment starts within that second)."""
    n = max(0, int(t))
    h, m, s = n // 3600, n // 60 % 60, n % 60
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def fmt_created(iso: str) -> str:
    """The creation time without ISO's T and offset: "2026-12-02 15:38 UTC" (the page's script
    rewrites it in the reader's local time)."""
    from datetime import datetime, timezone

    try:
        t = datetime.fromisoformat(iso).astimezone(timezone.utc)
    except (TypeError, ValueError):
        return iso
    return t.strftime("%Y-%m-%d %H:%M UTC")


def moment_value(m, lang: str) -> str:
    """A moment's figure in plain words: a recognition probability is how sure the recogniser
    was of those words ("识别把握仅 48%"), not a bare "0.48 confidence"."""
    if m.value is None:
        return ""
    if m.unit == "confidence":
        return i18n.gettext(lang, "match confidence {percent}").format(percent=f"{m.value:.0%}")
    if m.unit == "probability":
        return i18n.gettext(lang, "the recogniser was only {percent} sure of these words").format(percent=f"{m.value:.0%}")
    return format_value(m.value, m.unit, lang)


def page_audio(audio, audio_href: str | None) -> str:
    """The page's audio source: the recording embedded as Opus, or a link when it is long."""
    if audio.duration_s <= MAX_EMBED_S:
        return audio_data_uri(audio.samples, audio.sample_rate_hz)
    return audio_href or ""


def render_html(a, charts: dict[str, list[Path]], *, lang: str, audio_src: str | None = None, audio_href: str | None = None) -> str:
    """The report page as a string.

    Parameters
    ----------
    a : Analysis
    charts : dict
        ``{"summary": [png], "timeline": [png, ...]}`` from :func:`voicecoach.report.charts.write_charts`.
    lang : str
    audio_href : str, optional
        Link to the original recording, used instead of embedding when it is long.
    """
    env = environment(lang)
    embedded = a.loaded.audio.duration_s <= MAX_EMBED_S
    src = audio_src if audio_src is not None else page_audio(a.loaded.audio, audio_href)
    uncertain = [dimension_name(d.name, lang) for d in a.dimensions if d.verdict == "uncertain"]
    dims = [_dimension(d, lang) for d in a.dimensions]
    flagged_chars = {e.char_index for e in a.drawl.ends if e.flagged}
    unclear_chars = {i for s in a.articulation.stretches for i in range(s.first_char, s.last_char + 1)}
    sentences = []
    for s in a.sentences:
        span = a.segmentation.sentences[s.index]
        idx = range(span.first_char, span.last_char + 1)
        texts = transcript_chars([a.chars[i].text + a.chars[i].punct_after for i in idx], lang)
        chars = [{"text": t, "drawl": i in flagged_chars, "unclear": i in unclear_chars} for i, t in zip(idx, texts)]
        sentences.append({"d": s, "chars": chars})
    template = env.get_template("report.html.j2")
    return template.render(
        a=a, dims=dims, heard=i18n.transcript(lang, a.transcript.text), uncertain=uncertain,
        summary_png=png_data_uri(charts["summary"][0]), timeline_pngs=[png_data_uri(p) for p in charts["timeline"]],
        audio_src=src, embedded=embedded, sentences=sentences, file_name=Path(a.loaded.source.path).name,
        details=_details(a), notices=[(n.code, notice_text(n, lang)) for n in a.notices], overall_shown=shown_overall(a),
        first=first_screen(dims, lang, examples=[(s.start_s, s.end_s) for s in a.sentences[:2]]), created=fmt_created(a.created_utc), unit_cps=unit_label("syllables/s", lang),
        wording=wording_view(a, lang),
    )


def first_screen(dims: list[dict], lang: str, *, examples: list[tuple[float, float]] = ()) -> dict:
    """What the top of the page says: a one-line result, what went well (dimensions within
    their band, each with its figure), the one or two things to change (the lowest-scored
    dimensions out of band; never an uncertain one) with their moments, and what could not be
    judged. A dimension to change that has no moments of its own (too quiet throughout) offers
    ``examples``, the first sentences (start_s, end_s), to listen to instead."""
    good = [x for x in dims if x["d"].verdict == "within" and x["deciding"] is not None]
    change = sorted((x for x in dims if x["d"].scored and x["d"].verdict != "within" and x["deciding"] is not None), key=lambda x: x["d"].score)
    uncertain = [x for x in dims if x["d"].verdict == "uncertain"]
    unmeasured = [x["name"] for x in dims if not x["d"].measured]
    n_scored = sum(1 for x in dims if x["d"].scored)
    if not n_scored:
        line = i18n.gettext(lang, "Nothing could be judged on this recording.")
    else:
        line = i18n.ngettext(lang, "{n} of {total} dimension on target.", "{n} of {total} dimensions on target.", n_scored).format(n=len(good), total=n_scored)
        if change:
            names = i18n.sep(lang)["comma"].join(x["name"] for x in change[:2])
            line += i18n.sep(lang)["space"] + i18n.gettext(lang, "Change first: {names}.").format(names=names)
    return {"line": line, "good": good, "change": change[:2], "examples": list(examples), "uncertain": uncertain, "unmeasured": unmeasured}


def figure_view(c, lang: str) -> dict:
    """A check as the page shows it: label, value with unit, band with its word."""
    return {"key": c.key, "label": check_label(c.key, lang), "value": format_value(c.value, c.unit, lang, lo=c.min, hi=c.max), "band": band_text(c, lang),
            "inside": c.inside, "text": check_text(c, lang)}


def _dimension(d, lang: str) -> dict:
    """One dimension card: the verdict, the figure it rests on, the other figures, the moments."""
    return {
        "d": d,
        "name": dimension_name(d.name, lang),
        "verdict": verdict_name(d.verdict, lang),
        "deciding": None if d.deciding is None else figure_view(d.deciding, lang),
        "others": [figure_view(c, lang) for c in d.checks if d.deciding is None or c.key != d.deciding.key],
        "cls": verdict_class(d),
        "score": shown_score(d),
        "moments": [{"m": m, "label": moment_label(m.kind, lang), "value": moment_value(m, lang)} for m in d.moments[:40]],
        "n_more": max(0, len(d.moments) - 40),
    }


def _details(a) -> list[tuple[str, str]]:
    t = a.transcript
    from voicecoach import __version__

    return [
        ("voicecoach", __version__),
        ("model", f"{t.model.name} ({t.model.source}) sha256 {t.model.sha256 or '?'}"),
        ("decoding", ", ".join(f"{k}={v}" for k, v in t.settings.to_dict().items())),
        ("targets", " + ".join(a.targets.files)),
        ("source", f"{a.loaded.source.format} {a.loaded.source.codec}, {a.loaded.source.sample_rate_hz} Hz, {a.loaded.source.n_channels} ch, channel {a.loaded.source.channel}"),
        ("recognised text", t.text),  # as recognised (simplified), whatever the page's language
        ("timings (s)", ", ".join(f"{k} {v:.2f}" for k, v in a.timings_s.items())),
        ("created", fmt_created(a.created_utc)),
    ]


def write_html(a, charts: dict[str, list[Path]], path: Path, *, lang: str, audio_src: str | None = None, audio_href: str | None = None) -> Path:
    path.write_text(render_html(a, charts, lang=lang, audio_src=audio_src, audio_href=audio_href), encoding="utf-8")
    return path
