"""The web app (voicecoach serve), end to end: a real uvicorn server on a real SQLite store, a
real process pool, HTTP through urllib and a real browser (Debian's Chromium via Playwright).

Access-control tests try what must fail and then check that nothing was written: no take, no
job, no user, no file under the uploads folder.
"""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import io
import json
import os
import re
import shutil
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
needs_browser = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("VOICECOACH_REQUIRE_BROWSER"), reason="Debian chromium not installed (scripts/system-deps.sh installs it)")
PASSWORD = "correct horse 1"


@pytest.fixture(scope="module")
def recognizer() -> str:
    """The one place these tests choose the stand-in recogniser (built once per worker by name).

    The burst counter of the hostile corpus: one syllable per burst of sound, so any speech-like
    file gets a transcript and silence or tones get none, as with Whisper."""
    return "hostile.fake:BurstRecognizer"


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """A running app: its base URL, its state (engine, store, config)."""

    def __init__(self, config, *, start_queue: bool = True) -> None:
        import uvicorn

        from voicecoach.web import create_app

        self.config = config
        self.app = create_app(config, start_queue=start_queue)
        self.state = self.app.state
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        t0 = time.monotonic()
        while not self.server.started:
            assert time.monotonic() - t0 < 30, "server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)

    def counts(self) -> dict:
        """Rows of every web table and files under uploads (to show a refused request wrote nothing)."""
        from voicecoach.web import tables as T

        with self.state.engine.connect() as conn:
            n = {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar() for t in (T.users, T.takes, T.jobs, T.scripts, T.script_versions)}
        up = self.config.uploads_dir
        n["files"] = sorted(p.name for p in up.rglob("*")) if up.exists() else []
        n["other"] = sorted(p.name for p in Path(self.config.data_dir).iterdir() if p.name not in ("uploads", "reports"))
        return n

    def user(self, name: str, role: str, team: str | None = None):
        from voicecoach.web import accounts

        return accounts.create_user(self.state.engine, name, PASSWORD, role, team=team)


class Client:
    """A browser-like HTTP client: cookies, no exceptions on 4xx/5xx, CSRF token scraped from pages."""

    def __init__(self, server: Server, headers: dict | None = None) -> None:
        self.base = server.url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)
        self.headers = headers or {}
        self.csrf = None

    def request(self, method: str, path: str, data: bytes | None = None, headers: dict | None = None, follow: bool = True):
        req = urllib.request.Request(self.base + path, data=data, method=method, headers={**self.headers, **(headers or {})})
        try:
            r = self.opener.open(req, timeout=60)
            status, hdrs, body = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, hdrs, body = e.code, e.headers, e.read()
        if follow and status in (301, 302, 303, 307) and hdrs.get("location"):
            return self.request("GET", urllib.parse.urlsplit(hdrs["location"])._replace(scheme="", netloc="").geturl())
        text = body.decode("utf-8", "replace")
        m = re.search(r'name="csrf" value="([^"]+)"', text)
        if m:
            self.csrf = m.group(1)
        return Response(status, hdrs, body, text)

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def post(self, path: str, fields: dict, *, csrf: bool = True, **kw):
        if csrf:
            fields = {"csrf": self.csrf, **fields}
        return self.request("POST", path, urllib.parse.urlencode(fields).encode(), {"Content-Type": "application/x-www-form-urlencoded"}, **kw)

    def upload(self, path: str, files: list[tuple[str, str, bytes]], fields: dict | None = None, *, csrf: bool = True, accept_json: bool = True):
        fields = dict(fields or {})
        if csrf:
            fields = {"csrf": self.csrf, **fields}
        bnd = uuid.uuid4().hex
        out = io.BytesIO()
        for k, v in fields.items():
            out.write(f'--{bnd}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
        for field, name, content in files:
            out.write(f'--{bnd}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode())
            out.write(content + b"\r\n")
        out.write(f"--{bnd}--\r\n".encode())
        h = {"Content-Type": f"multipart/form-data; boundary={bnd}"}
        if accept_json:
            h["Accept"] = "application/json"
        return self.request("POST", path, out.getvalue(), h)

    def login(self, name: str, password: str = PASSWORD):
        self.get("/login")
        return self.post("/login", {"username": name, "password": password, "next": "/"})

    def wait_done(self, take: int, timeout_s: float = 120) -> dict:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout_s:
            s = json.loads(self.get(f"/takes/{take}/status").text)
            if s["status"] in ("done", "failed"):
                return s
            time.sleep(0.3)
        raise AssertionError(f"take {take} not finished after {timeout_s} s")


class Response:
    def __init__(self, status, headers, body, text) -> None:
        self.status, self.headers, self.body, self.text = status, headers, body, text

    def json(self):
        return json.loads(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def _wav(seconds: float = 6.0, *, silent: bool = False, rate: int = 16000) -> bytes:
    """Syllable-like bursts (a fresh random phase each call, so each file has its own hash)."""
    import soundfile as sf

    rng = np.random.default_rng()
    t = np.arange(int(seconds * rate)) / rate
    f0 = 180 + 20 * np.sin(2 * np.pi * 0.5 * t + rng.uniform(0, 6))
    voice = sum(np.sin(2 * np.pi * k * np.cumsum(f0) / rate) / k for k in range(1, 6))
    env = (np.sin(2 * np.pi * 4 * t) > -0.2).astype(float) * (np.sin(2 * np.pi * 0.25 * t) > -0.8)
    x = 0.2 * voice * env + 0.001 * rng.standard_normal(len(t))
    if silent:
        x = np.zeros_like(t)
    buf = io.BytesIO()
    sf.write(buf, x.astype(np.float32), rate, format="WAV", subtype="PCM_16")
    return buf.getvalue()


@pytest.fixture(scope="module")
def server(tmp_path_factory, recognizer):
    from voicecoach.web import WebConfig

    d = tmp_path_factory.mktemp("web")
    config = WebConfig(db=str(d / "store.sqlite"), data_dir=d / "data", workers=1, recognizer=recognizer,
                       max_upload_bytes=3 * 2**20, max_duration_s=120.0, login_attempts=5)
    s = Server(config)
    s.user("admin", "admin")
    s.user("ann", "agent", "north")
    s.user("bob", "agent", "north")
    s.user("cai", "agent", "south")
    s.user("tina", "trainer", "north")
    s.user("quinn", "qa")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def ann_take(server):
    """One analysed take of ann's."""
    c = Client(server)
    c.login("ann")
    c.get("/takes")
    r = c.upload("/takes", [("file", "good take.flac", (SAMPLES / "good_take.flac").read_bytes())])
    assert r.status == 201, r.text
    take = r.json()["take"]
    assert c.wait_done(take)["status"] == "done"
    return take


# ------------------------------------------------------------------------------ signing in


def test_sign_in_sets_a_httponly_samesite_session_cookie_and_signs_out(server):
    c = Client(server)
    r = c.get("/takes")
    assert "/login" in r.text or r.status == 200 and 'action="/login"' in r.text
    c.get("/login")
    r = c.post("/login", {"username": "ann", "password": PASSWORD, "next": "/"}, follow=False)
    assert r.status == 303
    cookie = [v for k, v in r.headers.items() if k.lower() == "set-cookie" and v.startswith("vc_session=")][0]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert "我的练习" in c.get("/takes").text
    c.post("/logout", {})
    assert 'action="/login"' in c.get("/takes").text


def test_secure_cookie_behind_tls():
    from types import SimpleNamespace

    from starlette.responses import Response as R

    from voicecoach.web import WebConfig, security

    req = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(config=WebConfig(secure_cookies=True))), url=SimpleNamespace(scheme="http"))
    resp = R()
    security.set_cookie(resp, req, security.SESSION_COOKIE, "x")
    assert "Secure" in resp.headers["set-cookie"] and "HttpOnly" in resp.headers["set-cookie"]


def test_passwords_are_stored_as_argon2id(server):
    from voicecoach.web import tables as T

    with server.state.engine.connect() as conn:
        h = conn.execute(sa.select(T.users.c.password_hash).where(T.users.c.username == "ann")).scalar()
    assert h.startswith("$argon2id$") and PASSWORD not in h


def test_wrong_password_gives_one_sentence_and_sign_in_is_rate_limited(server):
    server.user("rita", "agent", "north")
    c = Client(server)
    c.get("/login")
    r = c.post("/login", {"username": "rita", "password": "wrong password"})
    assert r.status == 401 and "用户名或密码不正确" in r.text and "Traceback" not in r.text
    for _ in range(4):
        c.post("/login", {"username": "rita", "password": "wrong again"})
    r = c.post("/login", {"username": "rita", "password": PASSWORD})  # right, but too late
    assert r.status == 429 and "15" in r.text
    assert "vc_session" not in {ck.name for ck in c.jar}


def test_sign_in_form_without_its_csrf_token_is_refused(server):
    c = Client(server)
    c.get("/login")
    r = c.post("/login", {"username": "ann", "password": PASSWORD}, csrf=False)
    assert r.status == 403 and "vc_session" not in {ck.name for ck in c.jar}


def test_english_on_request(server):
    c = Client(server)
    c.login("ann")
    assert "My takes" in c.get("/takes?lang=en").text
    assert "My takes" in c.get("/takes").text  # remembered


CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
USER_DATA = (r'<span class="langs">.*?</span>',  # each language's own name (简体中文, 繁體中文, English)
             r'<ol class="sentences">.*?</ol>', r'<blockquote class="script-text".*?</blockquote>', r'<a href="/scripts/\d+">[^<]*</a>')


def _fixed_text(html: str) -> str:
    """A page less what users put in it (transcripts, script titles and texts) and the language names."""
    for pattern in USER_DATA:
        html = re.sub(pattern, "", html, flags=re.S)
    return html


def _simplified_only() -> set[str]:
    """Characters of the zh_Hans catalogue that its generated zh_Hant catalogue never uses."""
    from voicecoach import i18n

    def chars(locale):
        text = (i18n.LOCALE_DIR / locale / "LC_MESSAGES" / "voicecoach.po").read_text(encoding="utf-8")
        return {ch for line in text.splitlines() if line.startswith("msgstr") for ch in line if CJK.match(ch)}

    return chars("zh_Hans") - chars("zh_Hant")


def _user_id(server, name: str) -> int:
    from voicecoach.web import tables as T

    with server.state.engine.connect() as conn:
        return conn.execute(sa.select(T.users.c.id).where(T.users.c.username == name)).scalar_one()


def _a_script_of_tinas(server) -> int:
    """A script of tina's (published once, without a benchmark take, then edited, so its edit
    page lists two versions); its title and text are ASCII so that they count as neither
    language on the pages that show them."""
    if getattr(server, "tinas_script", None) is None:
        t = Client(server)
        t.login("tina")
        t.get("/trainer")
        r = t.post("/scripts", {"title": "greeting", "text": "Hello, one moment please."})
        sid = int(re.search(r"/scripts/(\d+)", r.text).group(1))
        t.get(f"/scripts/{sid}/edit")
        assert t.post(f"/scripts/{sid}/edit", {"title": "greeting", "text": "Hello, one moment, please."}).status == 200
        server.tinas_script = sid
    return server.tinas_script


def _every_page(server, ann_take, lang: str) -> dict[str, str]:
    """Each page of each role (and the sign-in page, a refusal), asked for in ``lang`` once and then remembered."""
    pages = {}
    c = Client(server)
    pages["/login"] = c.get(f"/login?lang={lang}").text
    rows = [r for r in server.state.store.rows() if r.get("id") is not None]
    sid, ann = _a_script_of_tinas(server), _user_id(server, "ann")
    for who, paths in (("ann", ["/takes", f"/takes/{ann_take}", "/scripts", f"/scripts/{sid}", "/takes/999999"]),
                       ("tina", ["/trainer", f"/trainer/trainees/{ann}", f"/scripts/{sid}/edit"]),
                       ("quinn", ["/calls", "/queue", "/summary"] + ([f"/calls/{rows[0]['id']}"] if rows else [])),
                       ("admin", ["/admin/users", "/takes", "/calls"])):
        c = Client(server)
        c.get(f"/login?lang={lang}")
        assert c.login(who).status == 200
        for path in paths:
            r = c.get(path)
            assert r.status in (200, 404), (who, path, r.status)
            pages[f"{who} {path}"] = r.text
    return pages


def test_every_page_in_traditional_chinese_and_in_english(server, ann_take):
    simplified = _simplified_only()
    assert {"录", "语", "练"} <= simplified
    pages = _every_page(server, ann_take, "zh-Hant")
    assert "錄音" in pages["ann /takes"] and "登入" in pages["/login"] and 'lang="zh-Hant"' in pages["/login"]
    sid, ann = _a_script_of_tinas(server), _user_id(server, "ann")
    assert 'id="edit-form"' in pages[f"tina /scripts/{sid}/edit"] and f'href="/takes/{ann_take}"' in pages[f"tina /trainer/trainees/{ann}"]
    for name, html in pages.items():
        left = {ch for ch in _fixed_text(html) if ch in simplified}
        assert not left, f"{name}: simplified characters {sorted(left)} on a zh-Hant page"
        assert CJK.search(_fixed_text(html)), name  # and it is Chinese
        spoken = [v for v in re.findall(r'\b(?:aria-label|title|placeholder|alt)="([^"]*)"', _fixed_text(html)) if re.search("[A-Za-z]", v)]
        assert all(CJK.search(v) for v in spoken), f"{name}: untranslated text for screen readers {spoken[:5]}"
    assert "?lang=zh" in pages["/login"] and "?lang=en" in pages["/login"]  # the switcher offers the other two
    for name, html in _every_page(server, ann_take, "en").items():
        assert not CJK.search(_fixed_text(html)), f"{name}: {CJK.findall(_fixed_text(html))[:10]} on an English page"
        assert 'lang="en"' in html
    # a library error (VoiceCoachError) in the reader's language; an unknown ?lang= changes nothing
    c = Client(server)
    c.login("bob")
    c.get("/takes?lang=zh-TW")
    err = c.upload("/takes", [("file", "notes.wav", b"not audio at all" * 20)]).json()["error"]
    assert "notes.wav" in err and "錄音" in err and not {ch for ch in err if ch in simplified}
    c.get("/takes?lang=fr")
    assert "錄音" in c.get("/takes").text


# ------------------------------------------------------------------------- upload -> report


def test_upload_is_analysed_and_its_report_is_served_in_a_sandbox(server, ann_take):
    c = Client(server)
    c.login("ann")
    page = c.get(f"/takes/{ann_take}")
    assert page.status == 200 and "打开报告" in page.text
    r = c.get(f"/takes/{ann_take}/report")
    assert r.status == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"].startswith("sandbox allow-scripts")
    assert "http://" not in r.text and "https://" not in r.text
    a = c.get(f"/takes/{ann_take}/audio")
    assert a.status == 200 and a.body == (SAMPLES / "good_take.flac").read_bytes()
    for k in ("x-content-type-options", "referrer-policy"):
        assert k in {h.lower() for h in page.headers.keys()}
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_a_done_job_is_always_in_the_store(server, ann_take):
    from voicecoach.web import tables as T

    with server.state.engine.connect() as conn:
        rows = conn.execute(sa.select(T.takes.c.result_key).join(T.jobs, T.jobs.c.take_id == T.takes.c.id).where(T.jobs.c.status == "done")).all()
    keys = [k for (k,) in rows]
    assert keys and all(keys)
    assert set(server.state.store.status_of(keys).values()) == {"done"}


def test_history_shows_takes_and_a_trend_per_dimension(server, ann_take):
    c = Client(server)
    c.login("ann")
    r = c.upload("/takes", [("file", "second.wav", _wav(8))])
    assert c.wait_done(r.json()["take"])["status"] == "done"
    page = c.get("/takes").text
    assert page.count('href="/takes/') >= 2
    assert 'data-dimension="overall"' in page and "<polyline" in page


def test_the_same_recording_from_two_agents_is_two_rows_each_with_its_agent(server):
    """Identical bytes uploaded by two agents: each keeps their own take and store row (the
    store's key once held only the file's hash, so the second upload took over the first's row)."""
    from voicecoach.web import tables as T

    data = _wav(6)
    takes = {}
    for who in ("ann", "bob"):
        c = Client(server)
        c.login(who)
        takes[who] = c.upload("/takes", [("file", "shared.wav", data)]).json()["take"]
        assert c.wait_done(takes[who])["status"] == "done"
    with server.state.engine.connect() as conn:
        keys = {who: conn.execute(sa.select(T.takes.c.result_key).where(T.takes.c.id == t)).scalar_one() for who, t in takes.items()}
    assert keys["ann"] != keys["bob"]
    rows = {who: server.state.store.rows(agent=who) for who in keys}
    for who, key in keys.items():
        assert key in {r["key"] for r in rows[who]}, who
    assert keys["ann"].split(":")[0] == keys["bob"].split(":")[0]  # same bytes, one file on disk


def test_a_bad_recording_fails_with_one_sentence_and_costs_no_other(server):
    c = Client(server)
    c.login("bob")
    bad = c.upload("/takes", [("file", "silence.wav", _wav(5, silent=True))]).json()["take"]
    good = c.upload("/takes", [("file", "ok.wav", _wav(6))]).json()["take"]
    s = c.wait_done(bad)
    assert s["status"] == "failed" and "静音" in s["error"] and "Traceback" not in s["error"]  # the server's language (zh)
    en = c.get(f"/takes/{bad}/status?lang=en").json()["error"]
    assert "silent" in en and en.count(";") >= 1 and "\n" not in en
    assert c.wait_done(good)["status"] == "done"


def test_a_failed_jobs_sentence_is_stored_as_its_message_id_and_shown_in_the_viewers_language(server):
    """web_jobs keeps the message id and its values; each viewer reads the sentence in their
    language, with the uploaded name (never the stored file's hash name) in it."""
    from voicecoach.web import tables as T

    c = Client(server)
    c.login("bob")
    bad = c.upload("/takes", [("file", "静音 take.wav", _wav(5, silent=True))]).json()["take"]
    assert c.wait_done(bad)["status"] == "failed"
    with server.state.engine.connect() as conn:
        job = conn.execute(sa.select(T.jobs).where(T.jobs.c.take_id == bad)).one()
    assert job.error_template.startswith("{name} is silent (peak {peak_dbfs")
    params = json.loads(job.error_params)
    assert params["name"] == "静音 take.wav" and isinstance(params["peak_dbfs"], (int, float))
    en = c.get(f"/takes/{bad}/status?lang=en").json()["error"]
    zh = c.get(f"/takes/{bad}/status?lang=zh").json()["error"]
    assert en.startswith("静音 take.wav is silent (peak ") and "check the microphone" in en
    assert zh.startswith("静音 take.wav 是静音（峰值 ") and "麦克风" in zh and "silent" not in zh
    assert f"{params['peak_dbfs']:.0f} dBFS" in en and f"{params['peak_dbfs']:.0f} dBFS" in zh
    assert "麦克风" in c.get(f"/takes/{bad}?lang=zh").text and "check the microphone" in c.get(f"/takes/{bad}?lang=en").text
    with server.state.engine.begin() as conn:  # a row from before the message ids: its English sentence, in any language
        conn.execute(T.jobs.update().where(T.jobs.c.id == job.id).values(error_template=None, error_params=None))
    assert c.get(f"/takes/{bad}/status?lang=zh").json()["error"] == job.error
    with server.state.engine.begin() as conn:
        conn.execute(T.jobs.update().where(T.jobs.c.id == job.id).values(error_template=job.error_template, error_params=job.error_params))


def test_an_older_database_gets_the_new_web_columns(tmp_path):
    """tables.upgrade adds the columns later versions need to a database made before them."""
    from voicecoach.web import tables as T

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    old = sa.MetaData()
    for t in T.metadata.sorted_tables:  # the tables as first released: without the added columns
        cols = [c._copy() for c in t.columns if (t.name, c.name) not in T.ADDED_COLUMNS]
        sa.Table(t.name, old, *cols)
    old.create_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO web_users (username, role, active, created_at) VALUES ('t', 'trainer', 1, '2026-01-01')"))
        conn.execute(sa.text("INSERT INTO web_scripts (title, text, trainer_id, created_at) VALUES ('a', 'b', 1, '2026-01-01')"))
    T.upgrade(engine)
    T.upgrade(engine)  # twice: nothing left to add
    cols = {t: {c["name"] for c in sa.inspect(engine).get_columns(t)} for t in ("web_scripts", "web_takes", "web_jobs")}
    assert all(name in cols[t] for t, name in T.ADDED_COLUMNS)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version FROM web_scripts")).scalar() == 1


def test_uploads_at_once_are_queued_and_never_more_run_than_there_are_workers(server):
    """Memory is bounded by the worker count: the rest wait as rows of web_jobs."""
    from voicecoach.web import tables as T

    c = Client(server)
    c.login("bob")
    c.get("/takes")
    n = 10
    ids: list = [None] * n

    def send(i):
        cl = Client(server)
        cl.login("bob")
        cl.get("/takes")
        ids[i] = cl.upload("/takes", [("file", f"burst{i}.wav", _wav(3))]).json()["take"]

    threads = [threading.Thread(target=send, args=(i,)) for i in range(n)]
    [t.start() for t in threads]
    most_running, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < 300:
        with server.state.engine.connect() as conn:
            counts = dict(conn.execute(sa.select(T.jobs.c.status, sa.func.count()).group_by(T.jobs.c.status)).all())
        most_running = max(most_running, counts.get("running", 0))
        if all(i is not None for i in ids) and not counts.get("queued") and not counts.get("running"):
            break
        time.sleep(0.05)
    [t.join() for t in threads]
    assert most_running <= server.config.workers
    assert [c.wait_done(i)["status"] for i in ids] == ["done"] * n


# ------------------------------------------------------------------ access control (must fail)


def test_another_agents_take_report_and_audio_are_not_reachable(server, ann_take):
    c = Client(server)
    c.login("bob")
    before = server.counts()
    for p in ("", "/status", "/report", "/audio", "/comparison"):
        r = c.get(f"/takes/{ann_take}{p}")
        assert r.status == 404, p
        assert b"RIFF" not in r.body[:4] and b"fLaC" not in r.body[:4]
    # an agent of another team, and QA (practice takes are not calls), fare no better
    for who in ("cai", "quinn"):
        o = Client(server)
        o.login(who)
        assert o.get(f"/takes/{ann_take}/audio").status == 404
    assert server.counts() == before
    # ann's trainer (same team) may
    t = Client(server)
    t.login("tina")
    assert t.get(f"/takes/{ann_take}/report").status == 200


def test_signed_out_requests_get_nothing(server, ann_take):
    c = Client(server)
    for p in (f"/takes/{ann_take}/report", f"/takes/{ann_take}/audio", "/calls", "/calls/export.csv", "/admin/users"):
        r = c.get(p, follow=False)
        assert r.status in (303, 401) and b"fLaC" not in r.body


def test_traversal_file_names_never_reach_the_file_system(server):
    c = Client(server)
    c.login("bob")
    before = server.counts()
    r = c.upload("/takes", [("file", "../../../../tmp/evil\x00.wav", _wav(5))])
    assert r.status == 201
    take = r.json()["take"]
    after = server.counts()
    new = sorted(set(after["files"]) - set(before["files"]))
    assert len(new) == 1 and re.fullmatch(r"[0-9a-f]{64}\.wav", new[0])
    assert not Path("/tmp/evil.wav").exists()
    from voicecoach.web import tables as T

    with server.state.engine.connect() as conn:
        assert conn.execute(sa.select(T.takes.c.label).where(T.takes.c.id == take)).scalar() == "evil.wav"
    for p in ("/takes/..%2f..%2fetc%2fpasswd", "/takes/1/../../etc/passwd", "/static/..%2f..%2f..%2fweb%2ftables.py", "/calls/..%2fstore.sqlite/audio"):
        r = c.get(p)
        assert r.status == 404 and b"root:" not in r.body and b"sqlalchemy" not in r.body


def test_an_oversized_upload_is_refused_and_nothing_is_kept(server):
    c = Client(server)
    c.login("bob")
    c.get("/takes")
    before = server.counts()
    big = _wav(5) + b"\0" * (3 * 2**20)
    r = c.upload("/takes", [("file", "big.wav", big)])
    assert r.status == 413 and "MB" in r.json()["error"]
    # a body announced over the whole-request limit is refused before it is read
    r = c.request("POST", "/takes", b"x" * 1000, {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(10**10)})
    assert r.status == 413 and "上传" in r.json()["error"]  # in the page's language, from the cookie
    r = c.request("POST", "/takes?lang=en", b"x" * 1000, {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(10**10)})
    assert r.status == 413 and "larger than this server accepts" in r.json()["error"]
    after = server.counts()
    assert after == before, "an oversized upload left something behind"


def test_a_non_audio_file_is_refused_by_its_content_not_its_name(server):
    c = Client(server)
    c.login("bob")
    c.get("/takes")
    before = server.counts()
    for lang, then in (("zh", "："), ("en", "; ")):  # what is wrong, then what to do, in the page's language
        c.get(f"/takes?lang={lang}")
        for name, content in (("notes.wav", b"hello, this is text\n" * 50), ("page.mp3", b"<html><script>alert(1)</script></html>"),
                              ("fake.flac", b"fLaC" + b"\0" * 200)):
            r = c.upload("/takes", [("file", name, content)])
            assert r.status == 400, name
            msg = r.json()["error"]
            assert name in msg and then in msg and "Traceback" not in msg
    assert server.counts() == before


def test_a_form_without_its_csrf_token_is_refused(server):
    c = Client(server)
    c.login("bob")
    c.get("/takes")
    before = server.counts()
    assert c.upload("/takes", [("file", "ok.wav", _wav(5))], csrf=False).status == 403
    assert c.upload("/takes", [("file", "ok.wav", _wav(5))], fields={"csrf": "forged"}, csrf=False).status == 403
    a = Client(server)
    a.login("admin")
    a.get("/admin/users")
    assert a.post("/admin/users", {"username": "mallory", "password": PASSWORD, "role": "admin"}, csrf=False).status == 403
    assert a.post("/logout", {}, csrf=False).status == 403
    assert server.counts() == before


def test_a_trainee_cannot_reach_the_admin_pages(server):
    c = Client(server)
    c.login("ann")
    c.get("/takes")
    before = server.counts()
    assert c.get("/admin/users").status == 403
    r = c.post("/admin/users", {"username": "mallory", "password": PASSWORD, "role": "admin"})
    assert r.status == 403 and "权限" in r.text
    assert c.post("/admin/users/1/password", {"password": "hijacked pw"}).status == 403
    for p in ("/calls", "/calls/export.csv", "/queue", "/summary", "/trainer"):
        assert c.get(p).status == 403, p
    assert c.post("/batches/folder", {"folder": "/"}).status == 403
    assert server.counts() == before
    assert Client(server).login("admin").status == 200  # the admin password still works


def test_admin_adds_a_user_and_bad_input_gets_one_sentence(server):
    a = Client(server)
    a.login("admin")
    a.get("/admin/users")
    r = a.post("/admin/users", {"username": "x y", "password": PASSWORD, "role": "agent"})
    assert r.status == 400 and "用户名须为" in r.text
    r = a.post("/admin/users?lang=en", {"username": "x y", "password": PASSWORD, "role": "agent"})
    assert r.status == 400 and "user name" in r.text
    r = a.post("/admin/users", {"username": "dan", "password": PASSWORD, "role": "agent", "team": "south"})
    assert r.status == 200 and "dan" in r.text
    assert Client(server).login("dan").status == 200


# ------------------------------------------------------------------------------------- QA


def test_qa_browses_filters_listens_and_exports(server, ann_take):
    q = Client(server)
    q.login("quinn")
    page = q.get("/calls?agent=ann")
    assert page.status == 200 and "web-take-" in page.text
    rid = int(re.search(r'href="/calls/(\d+)"', page.text).group(1))
    assert "web-take-" not in q.get("/calls?agent=nobody").text
    assert not re.search(r'href="/calls/\d', q.get("/calls?team=south").text)
    call = q.get(f"/calls/{rid}")
    assert call.status == 200 and f"/calls/{rid}/audio" in call.text
    assert q.get(f"/calls/{rid}/audio").status == 200
    assert q.get(f"/calls/{rid}/report").status == 200
    csv = q.get("/calls/export.csv?agent=ann")
    assert csv.status == 200 and "attachment" in csv.headers["content-disposition"]
    assert "ann" in csv.body.decode("utf-8-sig").splitlines()[1]
    assert q.get("/calls/export.xlsx").body[:2] == b"PK"
    assert q.get("/queue").status == 200 and q.get("/summary").status == 200 and "ann" in q.get("/summary").text
    # a trainer of another team sees none of ann's calls
    server.user("tom", "trainer", "south")
    t = Client(server)
    t.login("tom")
    assert t.get(f"/calls/{rid}").status == 404 and "web-take-" not in t.get("/calls").text


def test_qa_browses_a_store_of_20000_calls_a_page_at_a_time(tmp_path):
    """Filters, count and paging run in SQL: every page is the right slice of the generated
    truth (newest first), a trainer's team stays theirs, and a whole page costs a fraction of
    reading every row, as the page did before (benchmarks/web_store.py measures the times)."""
    from large_store import fill

    from voicecoach.web import WebConfig

    config = WebConfig(db=str(tmp_path / "big.sqlite"), data_dir=tmp_path / "d", workers=1)
    srv = Server(config, start_queue=False)
    try:
        srv.user("quinn", "qa")
        srv.user("tara", "trainer", "east")
        for a in ("e1", "e2"):
            srv.user(a, "agent", "east")
        calls = fill(srv.state.store, 20_000, agents=["e1", "e2", "w1", "w2", "w3"], rng=np.random.default_rng(7))
        newest = sorted(calls, key=lambda c: (c.call_date, c.id), reverse=True)
        shown = lambda text: [int(x) for x in re.findall(r'<a href="/calls/(\d+)">gen-', text)]  # noqa: E731
        q = Client(srv)
        q.login("quinn")
        times = []

        def timed(path):
            t0 = time.perf_counter()
            r = q.get(path) if not path.startswith("tara ") else t.get(path[5:])
            times.append(time.perf_counter() - t0)
            assert r.status == 200, path
            return r.text

        page = timed("/calls")
        assert "(20000)" in page and shown(page) == [c.id for c in newest[:200]]
        page = timed("/calls?page=3")
        assert shown(page) == [c.id for c in newest[400:600]] and 'rel="prev"' in page and 'rel="next"' in page
        assert shown(timed("/calls?page=100")) == [c.id for c in newest[19_800:]]
        want = [c.id for c in newest if c.agent == "w1" and c.verdicts["pace"] == "too_fast" and c.call_date >= dt_date(2026, 6, 1)]
        page = timed("/calls?agent=w1&dimension=pace&verdict=too_fast&since=2026-06-01")
        assert f"({len(want)})" in page and shown(page) == want[:200] and 0 < len(want) < 20_000
        any_dim = [c.id for c in newest if "monotone" in c.verdicts.values() and c.agent in ("e1", "e2")]
        page = timed("/calls?verdict=monotone&team=east")
        assert f"({len(any_dim)})" in page and shown(page) == any_dim[:200]
        t = Client(srv)
        t.login("tara")
        east = [c.id for c in newest if c.agent in ("e1", "e2")]
        for path in ("tara /calls", "tara /calls?team=west"):  # a trainer cannot choose another team
            page = timed(path)
            assert f"({len(east)})" in page and shown(page) == east[:200]
        west = next(c.id for c in newest if c.agent == "w2")
        assert t.get(f"/calls/{west}").status == 404 and q.get(f"/calls/{west}").status == 200
        t0 = time.perf_counter()
        assert len(srv.state.store.rows()) == 20_000  # what the page read before it paged in SQL
        all_rows_s = time.perf_counter() - t0
        assert sorted(times)[len(times) // 2] < all_rows_s / 3, (times, all_rows_s)  # relative: the machine may be loaded
    finally:
        srv.stop()


def test_qa_export_holds_exactly_the_rows_the_calls_page_shows(tmp_path):
    """The CSV and XLSX exports under the page's filters (team, dimension and verdict, agent,
    dates) hold exactly the calls the page lists, and those are the generated truth."""
    import csv as csvlib

    import openpyxl
    from large_store import fill

    from voicecoach.web import WebConfig

    config = WebConfig(db=str(tmp_path / "small.sqlite"), data_dir=tmp_path / "d", workers=1)
    srv = Server(config, start_queue=False)
    try:
        srv.user("quinn", "qa")
        for a in ("e1", "e2"):
            srv.user(a, "agent", "east")
        calls = fill(srv.state.store, 180, agents=["e1", "e2", "w1", "w2"], rng=np.random.default_rng(11))
        q = Client(srv)
        q.login("quinn")
        dims = sorted(calls[0].verdicts)
        dim, verdict = dims[0], calls[0].verdicts[dims[0]]
        cases = {"team=east": lambda c: c.agent in ("e1", "e2"),
                 f"dimension={dim}&verdict={verdict}": lambda c: c.verdicts[dim] == verdict,
                 f"team=east&dimension={dim}&verdict={verdict}&since=2026-03-01": lambda c: c.agent in ("e1", "e2") and c.verdicts[dim] == verdict and c.call_date >= dt_date(2026, 3, 1)}
        for query, keep in cases.items():
            want = sorted(f"gen-{c.id:06d}" for c in calls if keep(c))
            assert 0 < len(want) < len(calls), query  # a filter that leaves out some calls, and fewer than a page
            page = q.get(f"/calls?{query}").text
            shown = sorted(re.findall(r'<a href="/calls/\d+">(gen-\d+)</a>', page))
            assert shown == want, query
            csv = q.get(f"/calls/export.csv?{query}")
            assert csv.status == 200, query
            body = list(csvlib.DictReader(io.StringIO(csv.body.decode("utf-8-sig"))))
            assert sorted(r["call_id"] for r in body) == want, query
            ws = openpyxl.load_workbook(io.BytesIO(q.get(f"/calls/export.xlsx?{query}").body), read_only=True).active
            head, *rows = list(ws.iter_rows(values_only=True))
            assert sorted(r[head.index("call_id")] for r in rows) == want, query
    finally:
        srv.stop()


def dt_date(y, m, d):
    import datetime

    return datetime.date(y, m, d)


def test_a_trainer_exports_their_own_teams_calls_only(server, ann_take):
    import csv

    c = Client(server)
    c.login("cai")  # south
    r = c.upload("/takes", [("file", "south.wav", _wav(6))])
    assert c.wait_done(r.json()["take"])["status"] == "done"
    t = Client(server)
    t.login("tina")  # trainer, north
    assert 'id="export-csv"' in t.get("/calls").text
    got = t.get("/calls/export.csv")
    assert got.status == 200
    agents = {row["agent_id"] for row in csv.DictReader(io.StringIO(got.body.decode("utf-8-sig")))}
    assert "ann" in agents and "cai" not in agents and agents <= {"ann", "bob"}
    for query in ("team=south", "agent=cai", "team=south&agent=cai"):  # a trainer's scope is their team whatever the query says
        rows = list(csv.DictReader(io.StringIO(t.get(f"/calls/export.csv?{query}").body.decode("utf-8-sig"))))
        assert not any(r["agent_id"] == "cai" for r in rows), query
    loner = f"loner{uuid.uuid4().hex[:6]}"  # a trainer with no team sees nobody's calls (a name no other test uses)
    server.user(loner, "trainer")
    nobody = Client(server)
    nobody.login(loner)
    assert list(csv.DictReader(io.StringIO(nobody.get("/calls/export.csv").body.decode("utf-8-sig")))) == []
    q = Client(server)
    q.login("quinn")
    every = {row["agent_id"] for row in csv.DictReader(io.StringIO(q.get("/calls/export.csv").body.decode("utf-8-sig")))}
    assert {"ann", "cai"} <= every
    a = Client(server)
    a.login("ann")
    assert a.get("/calls/export.csv").status in (403, 303, 401)


def test_qa_sees_calls_scored_by_the_command_line_batch(server, tmp_path):
    """A row written as `voicecoach batch` writes it (library result_row + Store.put) is browsable,
    with its audio served from the path the batch stored."""
    import hashlib

    from hostile.fake import BurstRecognizer

    from voicecoach.web.library import Job, analyze, result_row

    wav = tmp_path / "cli_call.wav"
    wav.write_bytes(_wav(6))
    report = analyze(str(wav), recognizer=BurstRecognizer()).to_dict()
    fh = hashlib.sha256(wav.read_bytes()).hexdigest()
    row, sentences = result_row(Job(path=str(wav), call_id="cli-001", agent_id="zoe", call_date="2026-11-30"), f"{fh}:{'c' * 64}", fh, "c" * 64,
                                {"status": "done", "report": report, "elapsed_s": 1.0, "worker": "cli"})
    server.state.store.put(row, sentences)
    q = Client(server)
    q.login("quinn")
    page = q.get("/calls?agent=zoe&since=2026-11-30&until=2026-11-30")
    assert "cli-001" in page.text
    rid = int(re.search(r'href="/calls/(\d+)">cli-001', page.text).group(1))
    assert "cli-001" in q.get(f"/calls/{rid}").text
    assert q.get(f"/calls/{rid}/audio").body == wav.read_bytes()
    assert q.get(f"/calls/{rid}/report").status == 404  # a batch writes no page; the call page shows its figures
    assert "zoe" in q.get("/summary").text
    queue = q.get("/queue")
    assert queue.status == 200 and ("cli-001" not in queue.text or 'class="why"' in queue.text)  # in the queue only with its reasons


def test_qa_upload_of_many_files_refuses_only_the_bad_one(server):
    q = Client(server)
    q.login("quinn")
    q.get("/calls")
    r = q.upload("/batches", [("files", "a.wav", _wav(5)), ("files", "b.txt", b"not audio at all" * 20), ("files", "c.wav", _wav(6))],
                 fields={"agent": "cai"}, accept_json=False)
    assert r.status == 200 and re.search(r'id="batch-count">2 ', r.text) and "b.txt" in r.text
    from voicecoach.web import tables as T

    t0 = time.monotonic()
    while time.monotonic() - t0 < 120:
        with server.state.engine.connect() as conn:
            st = [s for (s,) in conn.execute(sa.select(T.jobs.c.status).join(T.takes, T.takes.c.id == T.jobs.c.take_id).where(T.takes.c.kind == "call"))]
        if st and all(s in ("done", "failed") for s in st):
            break
        time.sleep(0.3)
    assert st == ["done", "done"]
    calls = [r for r in server.state.store.rows() if r["call_id"] and r["call_id"].startswith("web-call-")]
    assert len(calls) == 2 and {r["agent_id"] for r in calls} == {"cai"}  # the agent QA named, not QA


def test_qa_folder_batch_only_inside_the_configured_roots(server):
    from voicecoach.web import tables as T

    q = Client(server)
    q.login("quinn")
    q.get("/calls")
    r = q.post("/batches/folder", {"folder": "/etc"})
    assert r.status == 400 and "文件夹" in r.text and "--batch-root" in r.text
    with server.state.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(T.folder_batches)).scalar() == 0


def test_a_folder_batch_is_recorded_and_one_a_restart_interrupted_resumes(tmp_path, recognizer, monkeypatch):
    """Folder batches live in the database: started from the page they are recorded first; one
    left running by a server that stopped is started again on the next start (the store skips
    what it already holds); one whose folder is no longer allowed fails with its sentence."""
    from voicecoach.qa.batch import Progress
    from voicecoach.web import WebConfig, batches
    from voicecoach.web import tables as T

    calls = []

    def fake_run_batch(jobs, store, settings, *, progress=None, **kw):
        calls.append(sorted(Path(j.path).name for j in jobs))
        p = Progress(total=len(jobs), done=len(jobs))
        if progress:
            progress(p)
        return p

    monkeypatch.setattr(batches, "run_batch", fake_run_batch)
    root, gone = tmp_path.resolve() / "calls", tmp_path.resolve() / "elsewhere"
    for d in (root / "week1", gone, root / "week2"):
        d.mkdir(parents=True)
        for i in range(3):
            (d / f"c{i}.wav").write_bytes(_wav(2))
    (root / "week1" / "outside.wav").symlink_to(gone / "c0.wav")  # a link to a file outside the roots is never read
    config = WebConfig(db=str(tmp_path / "s.sqlite"), data_dir=tmp_path / "d", workers=1, recognizer=recognizer, batch_roots=(str(root),))
    first = Server(config, start_queue=False)
    q = first.user("quinn", "qa")
    now = dt.datetime(2026, 12, 1, 9, 0)
    with first.state.engine.begin() as conn:  # what a server that stopped mid-batch leaves
        conn.execute(T.folder_batches.insert(), [
            dict(id="interrupted", folder=str(root / "week1"), by_id=q.id, state="running", total=3, done=1, failed=0, runs=1, created_at=now),
            dict(id="notallowed", folder=str(gone), by_id=q.id, state="running", total=3, done=0, failed=0, runs=1, created_at=now),
            dict(id="vanished", folder=str(root / "week9"), by_id=q.id, state="running", total=3, done=0, failed=0, runs=1, created_at=now)])
        conn.execute(T.folder_batches.insert(), [  # (one insert per set of columns)
            dict(id="elsewhere", folder=str(root / "week2"), by_id=q.id, state="running", total=3, done=1, failed=0, runs=1, created_at=now,
                 owner="another-host:123/x", heartbeat_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))])  # another live server's
    first.stop()
    second = Server(config)
    try:
        t0 = time.monotonic()
        while time.monotonic() - t0 < 20:
            with second.state.engine.connect() as conn:
                state = dict(conn.execute(sa.select(T.folder_batches.c.id, T.folder_batches.c.state)).all())
            if [v for k, v in state.items() if k != "elsewhere"].count("running") == 0:
                break
            time.sleep(0.2)
        assert state == {"interrupted": "done", "notallowed": "failed", "vanished": "failed", "elsewhere": "running"}
        assert calls == [["c0.wav", "c1.wav", "c2.wav"]]  # resumed once; the disallowed, vanished and other server's folders never read
        c = Client(second)
        c.login("quinn")
        page = c.get("/calls").text
        assert "week1" in page and "3/3" in page and "--batch-root" in page and "week9" in page
        refused = c.post("/batches/folder", {"folder": str(root / "week2")})  # still running on the other server
        assert refused.status == 409 and "已在运行" in refused.text and len(calls) == 1
        c.post("/batches/folder", {"folder": str(root / "week1")})
        t0 = time.monotonic()
        while len(calls) < 2 and time.monotonic() - t0 < 20:
            time.sleep(0.2)
        with second.state.engine.connect() as conn:
            rows = conn.execute(sa.select(T.folder_batches.c.runs, T.folder_batches.c.by_id).where(T.folder_batches.c.id.notin_(["interrupted", "notallowed", "vanished", "elsewhere"]))).all()
        assert len(calls) == 2 and [tuple(r) for r in rows] == [(1, q.id)]
        assert c.get("/calls?lang=en").text.count("week1") == 2
    finally:
        second.stop()


# ----------------------------------------------------------------------- scripts and trainers


def test_trainer_publishes_a_script_and_the_agent_gets_the_comparison(server):
    t = Client(server)
    t.login("tina")
    t.get("/trainer")
    r = t.upload("/scripts", [("file", "benchmark.flac", (SAMPLES / "good_take.flac").read_bytes())],
                 fields={"title": "问候", "text": "您好，很高兴为您服务。请问有什么可以帮您？"}, accept_json=False)
    assert r.status == 200 and "问候" in r.text
    sid = int(re.search(r'name="script_id" value="(\d+)"', r.text).group(1))
    c = Client(server)
    c.login("ann")
    page = c.get(f"/scripts/{sid}")
    assert "很高兴为您服务" in page.text
    take = c.upload("/takes", [("file", "mine.flac", (SAMPLES / "too_fast.flac").read_bytes())], fields={"script_id": sid}).json()["take"]
    s = c.wait_done(take, timeout_s=180)
    assert s["status"] == "done" and s["comparison"] == f"/takes/{take}/comparison", s
    assert c.get(s["comparison"]).status == 200
    assert t.get(s["comparison"]).status == 200  # the trainer opens the trainee's comparison
    o = Client(server)
    o.login("cai")  # another team: neither the script nor the take
    assert o.get(f"/scripts/{sid}").status == 404 and o.get(s["comparison"]).status == 404


def test_trainer_sees_the_teams_trainees_and_edits_a_script_and_old_takes_keep_their_benchmark(server, ann_take):
    from voicecoach.web import tables as T

    t = Client(server)
    t.login("tina")
    page = t.get("/trainer?lang=en").text
    with server.state.engine.connect() as conn:
        ids = {r.username: r.id for r in conn.execute(sa.select(T.users.c.username, T.users.c.id))}
    assert f'data-trainee="{ids["ann"]}"' in page and f'data-trainee="{ids["bob"]}"' in page
    assert f'data-trainee="{ids["cai"]}"' not in page  # another team
    assert f'href="/takes/{ann_take}/report"' in page and 'data-dimension="overall"' in page
    mine = t.get(f"/trainer/trainees/{ids['ann']}")
    assert mine.status == 200 and f'href="/takes/{ann_take}/report"' in mine.text
    assert t.get(f"/takes/{ann_take}/report").status == 200

    # version 1 of a script with benchmark A; ann's take is compared with A
    r = t.upload("/scripts", [("file", "a.flac", (SAMPLES / "good_take.flac").read_bytes())],
                 fields={"title": "确认", "text": "好的，我帮您查询一下，请稍等。"}, accept_json=False)
    sid = int(re.search(r'name="script_id" value="(\d+)"', r.text).group(1))
    assert f'href="/scripts/{sid}/edit"' in r.text
    c = Client(server)
    c.login("ann")
    c.get(f"/scripts/{sid}")
    first = c.upload("/takes", [("file", "one.flac", (SAMPLES / "too_fast.flac").read_bytes())], fields={"script_id": sid}).json()["take"]
    assert c.wait_done(first, timeout_s=180)["status"] == "done"

    # another team's trainer: none of tina's trainees, not her script; nothing written
    server.user("tess", "trainer", "south")
    o = Client(server)
    o.login("tess")
    o.get("/trainer")
    before = server.counts()
    assert o.get(f"/trainer/trainees/{ids['ann']}").status == 404 and o.get(f"/trainer/trainees/{ids['tina']}").status == 404
    assert o.get("/trainer/trainees/999999").status == 404 and o.get(f"/scripts/{sid}/edit").status == 404
    r = o.upload(f"/scripts/{sid}/edit", [("file", "x.flac", (SAMPLES / "good_take.flac").read_bytes())], fields={"title": "x", "text": "y"}, accept_json=False)
    assert r.status == 404 and f"/takes/{first}" not in o.get("/trainer").text
    assert o.get(f"/takes/{first}/comparison").status == 404
    assert server.counts() == before
    assert c.get(f"/scripts/{sid}/edit").status == 403  # an agent edits no script

    # version 2: new text and benchmark B; the first take keeps A and its comparison
    t.get(f"/scripts/{sid}/edit")
    r = t.upload(f"/scripts/{sid}/edit", [("file", "b.flac", (SAMPLES / "monotone.flac").read_bytes())],
                 fields={"title": "确认（新）", "text": "好的，我马上帮您查询，请您稍等片刻。"}, accept_json=False)
    assert r.status == 200 and "请您稍等片刻" in r.text
    c.get(f"/scripts/{sid}")
    second = c.upload("/takes", [("file", "two.flac", (SAMPLES / "too_fast.flac").read_bytes())], fields={"script_id": sid}).json()["take"]
    assert c.wait_done(second, timeout_s=180)["status"] == "done"
    with server.state.engine.connect() as conn:
        takes = {r.id: r for r in conn.execute(sa.select(T.takes).where(T.takes.c.script_id == sid))}
        versions = {v.version: v for v in conn.execute(sa.select(T.script_versions).where(T.script_versions.c.script_id == sid))}
    assert set(versions) == {1, 2} and versions[1].text == "好的，我帮您查询一下，请稍等。" and versions[2].text.endswith("稍等片刻。")
    assert versions[1].benchmark_take_id != versions[2].benchmark_take_id
    assert (takes[first].script_version, takes[first].benchmark_take_id) == (1, versions[1].benchmark_take_id)
    assert (takes[second].script_version, takes[second].benchmark_take_id) == (2, versions[2].benchmark_take_id)
    assert takes[versions[2].benchmark_take_id].kind == "benchmark" and takes[versions[2].benchmark_take_id].script_version == 2
    assert t.get(f"/takes/{first}/comparison").status == 200 and t.get(f"/takes/{second}/comparison").status == 200
    team = t.get(f"/trainer/trainees/{ids['ann']}").text
    assert team.index(f'/takes/{second}/comparison') < team.index(f'/takes/{first}/comparison')  # newest first

    # a changed text without a new benchmark: no benchmark of the old text for takes of the new
    t.post(f"/scripts/{sid}/edit", {"title": "确认（新）", "text": "好的，请稍等。"})
    with server.state.engine.connect() as conn:
        s3 = conn.execute(sa.select(T.scripts).where(T.scripts.c.id == sid)).one()
    assert s3.version == 3 and s3.benchmark_take_id is None


# ----------------------------------------------------------------------------- the queue


def test_jobs_of_a_dead_server_resume_and_nothing_is_lost(tmp_path, recognizer):
    """A take queued, and one left 'running' by a server that died, both finish after a restart."""
    from voicecoach.web import WebConfig
    from voicecoach.web import tables as T
    from voicecoach.web.uploads import StoredUpload

    config = WebConfig(db=str(tmp_path / "s.sqlite"), data_dir=tmp_path / "d", workers=1, recognizer=recognizer)
    first = Server(config, start_queue=False)  # a server whose queue never ran: it "died"
    u = first.user("ann", "agent")
    from voicecoach.web.agent import add_take

    ids = []
    for i in range(2):
        data = _wav(5)
        import hashlib

        h = hashlib.sha256(data).hexdigest()
        config.uploads_dir.mkdir(parents=True, exist_ok=True)
        (config.uploads_dir / f"{h}.wav").write_bytes(data)
        ids.append(add_take(first.state.engine, u.id, StoredUpload(h, "wav", len(data), 5.0, f"t{i}.wav"), kind="take"))
    with first.state.engine.begin() as conn:
        conn.execute(T.jobs.update().where(T.jobs.c.take_id == ids[0]).values(status="running", stage="recognition"))
    first.stop()
    second = Server(config)
    try:
        c = Client(second)
        c.login("ann")
        assert [c.wait_done(i)["status"] for i in ids] == ["done", "done"]
    finally:
        second.stop()


def test_the_organisations_phrase_list_and_targets_reach_every_upload(tmp_path, recognizer):
    """serve --phrases/--targets: the workers judge with them and the store's key changes with them."""
    from voicecoach.web import WebConfig
    from voicecoach.web import tables as T
    from voicecoach.web.jobqueue import settings_hash

    phrases = tmp_path / "ours.toml"
    phrases.write_text('[[forbidden]]\nid = "too_cheerful"\nphrases = ["很高兴"]\n', encoding="utf-8")  # the stand-in recogniser's 2nd-4th syllables
    targets = tmp_path / "targets.toml"
    targets.write_text("[pace.speaking_rate_cps]\nmin = 0.5\nmax = 1.0\n", encoding="utf-8")
    config = WebConfig(db=str(tmp_path / "s.sqlite"), data_dir=tmp_path / "d", workers=1, recognizer=recognizer, phrases=str(phrases), targets=str(targets))
    assert settings_hash(config) != settings_hash(WebConfig(db=config.db, data_dir=config.data_dir, recognizer=recognizer))
    server = Server(config)
    try:
        server.user("ann", "agent")
        c = Client(server)
        c.login("ann")
        take = c.upload("/takes", [("file", "t.wav", _wav(8))]).json()["take"]
        assert c.wait_done(take)["status"] == "done"
        with server.state.engine.connect() as conn:
            key = conn.execute(sa.select(T.takes.c.result_key).where(T.takes.c.id == take)).scalar_one()
        report = server.state.store.report(key)
        assert "too_cheerful" in {h["rule"] for h in report["wording"]["hits"]}
        assert report["targets"]["items"]["pace.speaking_rate_cps"]["max"] == 1.0
    finally:
        server.stop()


def test_serve_refuses_a_bad_phrase_list_with_its_sentence(tmp_path):
    from typer.testing import CliRunner

    from voicecoach.cli import app

    bad = tmp_path / "bad.toml"
    bad.write_text('[[discouraged]]\nid = "x"\nphrases = ["这是规定"]\n', encoding="utf-8")
    res = CliRunner().invoke(app, ["serve", "--db", str(tmp_path / "s.sqlite"), "--data", str(tmp_path / "d"), "--phrases", str(bad), "--admin", "root"],
                             env={"VOICECOACH_ADMIN_PASSWORD": "x" * 12})
    assert res.exit_code == 4 and "bad.toml line 2" in res.output and "Traceback" not in res.output


def test_trusted_header_mode(tmp_path, recognizer):
    from voicecoach.web import WebConfig

    config = WebConfig(db=str(tmp_path / "s.sqlite"), data_dir=tmp_path / "d", recognizer=recognizer, trusted_header="X-Remote-User")
    s = Server(config, start_queue=False)
    try:
        s.user("ann", "agent")
        c = Client(s, headers={"X-Remote-User": "ann"})
        assert "我的练习" in c.get("/takes").text
        assert c.get("/admin/users").status == 403
        # a form still needs its token (derived per user from the app's secret)
        assert c.post("/logout", {}, csrf=False).status == 403
        assert 'action="/login"' in Client(s, headers={"X-Remote-User": "nobody"}).get("/takes").text
        assert 'action="/login"' in Client(s).get("/takes").text
    finally:
        s.stop()


# ------------------------------------------------------------------------------ the browser


@pytest.fixture(scope="module")
def fake_mic_wav(tmp_path_factory) -> Path:
    """What Chromium's fake microphone plays: the bundled good take as 16-bit WAV."""
    import soundfile as sf

    x, rate = sf.read(SAMPLES / "good_take.flac", dtype="float32")
    p = tmp_path_factory.mktemp("mic") / "mic.wav"
    sf.write(p, x[: rate * 8], rate, subtype="PCM_16")
    return p


@pytest.fixture(scope="module")
def browser(fake_mic_wav):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", f"--use-file-for-fake-audio-capture={fake_mic_wav}"])
        yield b
        b.close()


def _no_horizontal_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), f"{page.url} scrolls sideways at {page.viewport_size['width']} px"


def _sign_in(page, base: str, name: str) -> None:
    page.goto(base + "/login")
    _no_horizontal_scroll(page)
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.browser
@needs_browser
@pytest.mark.parametrize("width", [390, 1440])
def test_agent_in_the_browser_upload_report_history_record(server, browser, width):
    ctx = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    ctx.grant_permissions(["microphone"], origin=server.url)
    page = ctx.new_page()
    _sign_in(page, server.url, "ann")
    assert page.url.endswith("/takes")
    _no_horizontal_scroll(page)
    page.set_input_files("#file", str(SAMPLES / "drawl.flac"))
    page.click("#send")
    page.wait_for_url(re.compile(r"/takes/\d+$"))
    page.locator("#open-report").wait_for(state="visible", timeout=120_000)
    _no_horizontal_scroll(page)
    with ctx.expect_page() as report_page:
        page.click("#open-report")
    rp = report_page.value
    rp.wait_for_load_state()
    assert rp.locator("#overall").count() == 1
    rp.close()
    page.click("text=再录一次")
    page.wait_for_url(re.compile(r"/takes$"))
    assert page.locator("table.takes tbody tr").count() >= 1 and page.locator("figure.trend").count() >= 1
    _no_horizontal_scroll(page)
    # record in the browser (Chromium's fake microphone plays a WAV), then the report
    page.click("#rec-start")
    page.wait_for_timeout(4000)
    page.click("#rec-stop")
    page.wait_for_url(re.compile(r"/takes/\d+$"), timeout=30_000)
    page.locator("#open-report").wait_for(state="visible", timeout=120_000)
    assert "recording.webm" in page.content()
    ctx.close()


@pytest.mark.browser
@needs_browser
@pytest.mark.parametrize("width", [390, 1440])
def test_trainer_and_qa_in_the_browser(server, browser, width, tmp_path):
    ctx = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    page = ctx.new_page()
    _sign_in(page, server.url, "tina")
    page.goto(server.url + "/trainer")
    _no_horizontal_scroll(page)
    page.fill("input[name=title]", f"结束语 {width}")
    page.fill("textarea[name=text]", "感谢您的来电，祝您生活愉快，再见。")
    page.set_input_files("#publish-form input[type=file]", str(SAMPLES / "good_take.flac"))
    page.click("#publish-form button[type=submit]")
    page.wait_for_url(re.compile(r"/scripts/\d+$"))
    script_url = page.url
    ctx.clear_cookies()
    _sign_in(page, server.url, "bob")
    page.goto(script_url)
    assert "感谢您的来电" in page.locator("#script-text").inner_text()
    _no_horizontal_scroll(page)
    page.set_input_files("#file", str(SAMPLES / "good_take.flac"))
    page.click("#send")
    page.wait_for_url(re.compile(r"/takes/\d+$"))
    page.locator("#open-comparison").wait_for(state="visible", timeout=180_000)
    with ctx.expect_page() as cmp_page:
        page.click("#open-comparison")
    cmp_page.value.wait_for_load_state()
    assert cmp_page.value.title()
    cmp_page.value.close()
    ctx.clear_cookies()
    _sign_in(page, server.url, "quinn")
    assert page.url.endswith("/calls")
    _no_horizontal_scroll(page)
    page.fill("input[name=agent]", "bob")
    page.click("#filters button[type=submit]")
    assert page.locator("table.calls tbody tr").count() >= 1
    page.locator("table.calls tbody tr a").first.click()
    page.wait_for_url(re.compile(r"/calls/\d+$"))
    _no_horizontal_scroll(page)
    assert page.locator("#call-audio").count() == 1
    page.go_back()
    with page.expect_download() as dl:
        page.click("#export-csv")
    path = tmp_path / "calls.csv"
    dl.value.save_as(path)
    assert "bob" in path.read_text(encoding="utf-8-sig")
    for p in ("/queue", "/summary"):
        page.goto(server.url + p)
        _no_horizontal_scroll(page)
    ctx.close()


# --------------------------------------------------------------------------------- the CLI


def test_serve_creates_the_first_admin_then_starts(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from voicecoach.cli import app
    from voicecoach.web import serve

    started = {}
    monkeypatch.setattr(serve, "run", lambda config, host, port: started.update(config=config, host=host, port=port))
    db = str(tmp_path / "s.sqlite")
    r = CliRunner().invoke(app, ["serve", "--db", db, "--data", str(tmp_path / "d")])
    assert r.exit_code != 0 and "no admin account" in r.output and "--admin" in r.output and not started
    r = CliRunner().invoke(app, ["serve", "--db", db, "--data", str(tmp_path / "d"), "--admin", "boss", "--port", "8123"], env={"VOICECOACH_ADMIN_PASSWORD": PASSWORD})
    assert r.exit_code == 0, r.output
    assert "boss" in r.output and started["port"] == 8123 and started["config"].workers >= 1
    assert not serve.needs_admin(started["config"])
    r = CliRunner().invoke(app, ["serve", "--db", db, "--data", str(tmp_path / "d"), "--admin", "boss"])  # exists: no prompt
    assert r.exit_code == 0, r.output


# ------------------------------------------------------------------------------ PostgreSQL

from test_qa import postgres  # noqa: E402,F401 - the throw-away PostgreSQL server fixture


@pytest.mark.postgres
def test_the_app_on_postgresql(tmp_path, recognizer, postgres):  # noqa: F811
    from voicecoach.web import WebConfig

    s = Server(WebConfig(db=postgres, data_dir=tmp_path / "d", workers=1, recognizer=recognizer))
    try:
        s.user("ann", "agent", "north")
        s.user("quinn", "qa")
        c = Client(s)
        c.login("ann")
        c.get("/takes")
        take = c.upload("/takes", [("file", "pg.wav", _wav(6))]).json()["take"]
        assert c.wait_done(take)["status"] == "done"
        assert c.get(f"/takes/{take}/report").status == 200
        q = Client(s)
        q.login("quinn")
        assert "web-take-" in q.get("/calls?agent=ann").text
    finally:
        s.stop()
