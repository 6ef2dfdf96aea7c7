"""Web app benchmark (issue 14, item 8): time from upload to a ready report, and a burst of uploads.

    python benchmarks/web_speed.py [--workers N] [--burst 20]

Starts `voicecoach serve` in its own process (as on a server: the bundled Whisper base model,
a fresh SQLite store, the default worker count unless --workers), signs in, then

1. uploads a 2-minute take (clips of samples/ joined with pauses) and times upload -> job done
   -> report page served; twice: the first includes starting the worker and loading the model,
   the second is a warm worker (different bytes, so nothing comes from the transcript cache);
2. uploads --burst different recordings at once (one thread each) and times until every one is
   done, sampling the resident memory of the server and its workers every 0.5 s.

Writes benchmarks/results/web.md and web.json.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import io
import json
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
CLIPS = ["good_take.flac", "drawl.flac", "too_fast.flac", "monotone.flac", "quiet_noisy.flac"]
PASSWORD = "benchmark password"


def take(seconds: float, seed: int) -> bytes:
    """FLAC of ``seconds`` of Mandarin: the sample clips in turn with 0.4-1.2 s pauses."""
    import soundfile as sf

    rng = np.random.default_rng(seed)
    parts, n, rate = [], 0, 16000
    while n < seconds * rate:
        x, r = sf.read(ROOT / "samples" / CLIPS[len(parts) % len(CLIPS)], dtype="float32")
        assert r == rate
        x = x if x.ndim == 1 else x.mean(axis=1)
        parts += [x, np.zeros(int(rng.uniform(0.4, 1.2) * rate), np.float32)]
        n += len(x) + len(parts[-1])
    y = np.concatenate(parts)[: int(seconds * rate)]
    y = y + rng.standard_normal(len(y)).astype(np.float32) * 1e-4  # distinct bytes, inaudible
    buf = io.BytesIO()
    sf.write(buf, y, rate, format="FLAC")
    return buf.getvalue()


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf = None

    def _open(self, req):
        try:
            r = self.opener.open(req, timeout=600)
            return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def get(self, path: str) -> tuple[int, bytes]:
        status, body = self._open(urllib.request.Request(self.base + path))
        m = re.search(rb'name="csrf" value="([^"]+)"', body)
        if m:
            self.csrf = m.group(1).decode()
        return status, body

    def login(self, name: str) -> None:
        self.get("/login")
        data = urllib.parse.urlencode({"csrf": self.csrf, "username": name, "password": PASSWORD, "next": "/takes"}).encode()
        self._open(urllib.request.Request(self.base + "/login", data=data))
        self.get("/takes")

    def upload(self, name: str, content: bytes) -> int:
        bnd = uuid.uuid4().hex
        body = (f'--{bnd}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{self.csrf}\r\n'
                f'--{bnd}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n\r\n').encode() + content + f"\r\n--{bnd}--\r\n".encode()
        status, out = self._open(urllib.request.Request(self.base + "/takes", data=body, headers={
            "Content-Type": f"multipart/form-data; boundary={bnd}", "Accept": "application/json"}))
        assert status == 201, out
        return json.loads(out)["take"]

    def wait(self, take_id: int, timeout_s: float = 1800) -> dict:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout_s:
            s = json.loads(self.get(f"/takes/{take_id}/status")[1])
            if s["status"] in ("done", "failed"):
                return s
            time.sleep(0.2)
        raise TimeoutError(take_id)


def tree_rss_mb(pid: int) -> float:
    try:
        import psutil
    except ImportError:
        return float("nan")
    try:
        p = psutil.Process(pid)
        procs = [p, *p.children(recursive=True)]
    except psutil.Error:
        return float("nan")
    total = 0
    for q in procs:
        try:
            total += q.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


class _Done(Exception):
    """No burst asked for."""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--burst", type=int, default=20)
    ap.add_argument("--burst-seconds", type=float, default=30.0)
    ap.add_argument("--repeat", type=int, default=2, help="warm 2-minute runs after the first warm one")
    ap.add_argument("--name", default="web", help="results/<name>.md and .json")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="vc-web-bench-"))
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    env = {**os.environ, "VOICECOACH_ADMIN_PASSWORD": PASSWORD, "VOICECOACH_CACHE_DIR": str(tmp / "cache"), "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-c", "from voicecoach.cli import main; main()", "serve", "--db", str(tmp / "store.sqlite"), "--data", str(tmp / "data"),
           "--port", str(port), "--admin", "admin"] + (["--workers", str(args.workers)] if args.workers else [])
    server = subprocess.Popen(cmd, env=env, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    banner = server.stdout.readline() + server.stdout.readline()
    workers = int(re.search(r"(\d+) analysis worker", banner).group(1))
    threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    out: dict = {"cores": os.cpu_count(), "workers": workers, "machine": platform.processor() or platform.machine(),
                 "load_before": os.getloadavg()[0]}
    try:
        c = Client(base)
        c.login("admin")
        two_min, inside, cpu = [], [], []
        for i in range(2 + args.repeat):
            data = take(120.0, seed=i)
            t0 = time.perf_counter()
            tid = c.upload("two_minutes.flac", data)
            s = c.wait(tid)
            status, page = c.get(f"/takes/{tid}/report")
            assert s["status"] == "done" and status == 200, s
            two_min.append(round(time.perf_counter() - t0, 2))
            inside.append(s["analysis_s"])
            cpu.append(s.get("cpu_s"))
            print(f"2-minute take {i + 1}: upload -> report served {two_min[-1]:.1f} s, of which analysis and report page in the worker {inside[-1]:.1f} s "
                  f"({cpu[-1]} s of processor time)", flush=True)
        warm = sorted(range(1, len(two_min)), key=lambda k: two_min[k])[(len(two_min) - 1) // 2]  # the median warm run
        out["two_minute_take_s"] = {"cold_worker": two_min[0], "warm_worker": two_min[warm], "warm_runs": two_min[1:],
                                    "in_worker_cold": inside[0], "in_worker_warm": inside[warm], "cpu_s_warm": cpu[warm]}
        if not args.burst:
            raise _Done
        datas = [take(args.burst_seconds, seed=100 + i) for i in range(args.burst)]
        peak = [tree_rss_mb(server.pid)]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                peak.append(tree_rss_mb(server.pid))
                time.sleep(0.5)

        threading.Thread(target=sample, daemon=True).start()
        t0 = time.perf_counter()
        ids: list = [None] * args.burst

        def send(i):
            cl = Client(base)
            cl.login("admin")
            ids[i] = cl.upload(f"burst_{i}.flac", datas[i])

        threads = [threading.Thread(target=send, args=(i,)) for i in range(args.burst)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        accepted = time.perf_counter() - t0
        results = [c.wait(i) for i in ids]
        total = time.perf_counter() - t0
        stop.set()
        n_done = sum(r["status"] == "done" for r in results)
        out["burst"] = {"uploads": args.burst, "seconds_each": args.burst_seconds, "all_accepted_s": round(accepted, 2), "all_done_s": round(total, 2),
                        "done": n_done, "failed": args.burst - n_done, "audio_s_per_wall_s": round(args.burst * args.burst_seconds / total, 2),
                        "rss_before_mb": round(peak[0]), "rss_peak_mb": round(max(peak))}
        print(f"{args.burst} uploads of {args.burst_seconds:.0f} s at once: accepted in {accepted:.1f} s, all done in {total:.1f} s ({n_done} done); "
              f"server + workers RSS {peak[0]:.0f} MB before, peak {max(peak):.0f} MB", flush=True)
    except _Done:
        pass
    finally:
        server.terminate()
        server.wait(timeout=30)
    out["load_after"] = os.getloadavg()[0]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(out, indent=2) + "\n")
    b, t = out.get("burst"), out["two_minute_take_s"]
    (RESULTS / f"{args.name}.md").write_text(
        "# Web app speed (benchmarks/web_speed.py)\n\n"
        f"{out['cores']} cores, {out['workers']} analysis worker(s) (the default), bundled Whisper base; load average {out['load_before']:.1f} before, "
        f"{out['load_after']:.1f} after (a shared machine).\n\n"
        "| what | result |\n|---|---|\n"
        f"| 2-minute take, upload to report served, first upload (worker starts, model loads) | {t['cold_worker']:.1f} s ({t['in_worker_cold']:.1f} s of it analysis + report page in the worker) |\n"
        f"| 2-minute take, upload to report served, warm worker (median of {len(t['warm_runs'])}) | {t['warm_worker']:.1f} s ({t['in_worker_warm']:.1f} s of it in the worker) |\n"
        + (f"| ... processor time of that warm analysis (all threads; on 2 cores of its own it would take no longer than this even run serially) | {t['cpu_s_warm']:.1f} s |\n" if t.get("cpu_s_warm") else "")
        + (f"| {b['uploads']} uploads of {b['seconds_each']:.0f} s at once: all accepted | {b['all_accepted_s']:.1f} s |\n"
        f"| ... all done | {b['all_done_s']:.1f} s ({b['done']} done, {b['failed']} failed; {b['audio_s_per_wall_s']:.1f} s of audio per second) |\n"
        f"| server + workers resident memory, before / peak | {b['rss_before_mb']} MB / {b['rss_peak_mb']} MB |\n" if b else ""))
    print((RESULTS / f"{args.name}.md").read_text())


if __name__ == "__main__":
    main()
