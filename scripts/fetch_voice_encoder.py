"""Put Resemblyzer's voice encoder weights where voicecoach finds them, without torch.

Downloads the ``resemblyzer==0.1.4`` wheel from PyPI with ``pip download --no-deps`` (the
package requires torch, so it is never installed), takes ``resemblyzer/pretrained.pt`` out of
it, checks its SHA-256 and writes it to ``resemblyzer/pretrained.pt`` in the models folder the
recogniser uses (``$VOICECOACH_MODELS_DIR``, the checkout's ``models/``, or the user cache). A setup step, like installing a package: nothing is
downloaded when voicecoach runs.

    python scripts/fetch_voice_encoder.py [--wheel Resemblyzer-0.1.4-py3-none-any.whl]
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

SHA256 = "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"
ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel", help="a resemblyzer 0.1.4 wheel already downloaded")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from voicecoach.recognize.models import default_models_dir

    dest = default_models_dir() / "resemblyzer" / "pretrained.pt"
    if not args.wheel and dest.is_file() and hashlib.sha256(dest.read_bytes()).hexdigest() == SHA256:
        print(f"voice encoder weights: {dest} (already there, SHA-256 checked)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        wheel = Path(args.wheel) if args.wheel else None
        if wheel is None:
            subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", "resemblyzer==0.1.4", "-d", tmp], check=True)
            wheel = next(Path(tmp).glob("*.whl"))
        with zipfile.ZipFile(wheel) as z:
            data = z.read("resemblyzer/pretrained.pt")
    got = hashlib.sha256(data).hexdigest()
    if got != SHA256:
        print(f"pretrained.pt has SHA-256 {got}, expected {SHA256}; not written", file=sys.stderr)
        return 1
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp_dest = dest.with_suffix(".part")
    tmp_dest.write_bytes(data)
    tmp_dest.replace(dest)
    print(f"voice encoder weights: {dest} ({len(data):,} bytes, SHA-256 checked)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
