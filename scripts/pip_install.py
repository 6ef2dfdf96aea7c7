"""``pip install`` with a short account of what it does (used by the Makefile).

    .venv/bin/python scripts/pip_install.py -c requirements/constraints.txt -e ".[test]"

pip's own output is a few hundred lines for this project (or nothing at all with -q); this
prints what a person waiting wants to know: how many packages were resolved, each download
over 1 MB with its size, what was built, how many packages were installed and how long it
took. On a terminal the resolving count updates in place. When pip fails, its last 60 lines
are printed as they came, and the exit status is pip's.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time

BIG = 1.0  # MB: downloads at least this large get a line of their own
# pip's warning for each package a local find-links/--extra-index-url folder does not hold
QUIET = re.compile(r"Location '.*' is ignored: it is neither a file nor a directory")
SIZE = re.compile(r"\(([\d.]+) (kB|MB|GB)\)")


def _mb(line: str) -> float:
    m = SIZE.search(line)
    if not m:
        return 0.0
    return float(m.group(1)) * {"kB": 1e-3, "MB": 1.0, "GB": 1e3}[m.group(2)]


def _short(line: str) -> str:
    """``Downloading https://.../numpy-2.4.6-cp311-...whl (16.6 MB)`` -> ``numpy-2.4.6-cp311-...whl (16.6 MB)``."""
    body = line.split(None, 1)[1] if " " in line else line
    name, _, size = body.partition(" (")
    return name.rsplit("/", 1)[-1] + (f" ({size}" if size else "")


def _n(k: int, what: str = "package") -> str:
    return f"{k} {what}{'' if k == 1 else 's'}"


def main(args: list[str]) -> int:
    tty = sys.stdout.isatty()
    cmd = [sys.executable, "-m", "pip", "install", "--progress-bar", "off", *args]
    start = time.monotonic()
    tail: list[str] = []
    collected = downloaded = cached = 0
    mb = 0.0
    last_beat = start
    shown_count = False

    def say(text: str) -> None:
        nonlocal shown_count
        if shown_count and tty:
            sys.stdout.write("\r\033[K")
        shown_count = False
        print(text, flush=True)

    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    assert proc.stdout is not None
    for raw in proc.stdout:
        line = raw.rstrip("\n")
        tail = (tail + [line])[-60:]
        s = line.strip()
        if not s or QUIET.search(s):
            continue
        if s.startswith(("Collecting ", "Processing ", "Obtaining ")):
            collected += 1
            now = time.monotonic()
            if tty:
                sys.stdout.write(f"\r\033[K    resolving: {_n(collected)} ({s.split()[1]})")
                sys.stdout.flush()
                shown_count = True
            elif now - last_beat >= 15:
                print(f"    resolving: {_n(collected)} so far ({now - start:.0f} s)", flush=True)
                last_beat = now
        elif s.startswith("Downloading "):
            downloaded += 1
            size = _mb(s)
            mb += size
            if size >= BIG:
                say(f"    downloading {_short(s)}")
        elif s.startswith("Using cached "):
            cached += 1
        elif s.startswith(("Building wheel", "Building editable", "Building wheels for")):
            say(f"    {s[0].lower()}{s[1:]}")
        elif s.startswith("Installing collected packages:"):
            n = len(s.split(":", 1)[1].split(","))
            say(f"    resolved {_n(collected)} ({downloaded} downloaded, {mb:.0f} MB; {cached} from pip's cache); installing {n}")
        elif s.startswith("Successfully installed "):
            say(f"    installed {_n(len(s.split()) - 2)} in {time.monotonic() - start:.0f} s")
        elif s.startswith("WARNING"):
            say(f"    {s}")  # errors come with pip's last lines below
    rc = proc.wait()
    if shown_count and tty:
        sys.stdout.write("\r\033[K")
    if rc != 0:
        print(f"pip install failed (exit {rc}); its last lines:", file=sys.stderr)
        print("\n".join(tail), file=sys.stderr)
    elif not any(t.startswith("Successfully installed") for t in tail):
        print(f"    nothing to install: everything already matches ({time.monotonic() - start:.0f} s)")
    return rc


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
