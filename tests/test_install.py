"""The lock: requirements/constraints.txt pins everything pyproject.toml asks for, and the
environment the tests run in is the locked one (issue 9: recogniser output differed from one
machine and month to the next because nothing pinned the versions)."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "constraints.txt"
TOOLS = {"pip", "setuptools", "wheel"}  # install tools: pinned too, but they don't change a result


def lock_pins() -> dict[str, Version]:
    """The pins of the lock that apply to this interpreter, name -> version."""
    pins: dict[str, Version] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate():
            continue
        (spec,) = req.specifier
        assert spec.operator == "==", line
        name = canonicalize_name(req.name)
        assert name not in pins, f"two pins for {name} apply to this Python"
        pins[name] = Version(spec.version)
    return pins


def project_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        reqs += extra
    return [Requirement(r) for r in reqs]


def test_the_lock_pins_every_dependency_and_extra_within_its_range():
    pins = lock_pins()
    for req in project_requirements():
        if req.marker is not None and not req.marker.evaluate():
            continue
        name = canonicalize_name(req.name)
        assert name in pins, f"{req} is not in {LOCK.name}: run `make lock P={name}` and commit the lock"
        assert req.specifier.contains(pins[name], prereleases=True), f"{LOCK.name} pins {name}=={pins[name]}, outside {req}: run `make lock`"
    for tool in TOOLS:
        assert tool in pins, f"{tool} is not pinned in {LOCK.name}"
    # Nothing may pull in PyTorch: here pip would take a multi-GB CUDA build (DEVELOPERS.md).
    every = {canonicalize_name(Requirement(line).name) for line in LOCK.read_text(encoding="utf-8").splitlines() if line.strip() and not line.lstrip().startswith("#")}
    assert not every & {"torch", "torchvision", "torchaudio"}, "the lock pulls in torch"


def test_the_environment_is_the_locked_one():
    if sys.prefix == sys.base_prefix:
        pytest.skip("not running in a virtual environment (make test uses .venv, installed from the lock)")
    wrong = []
    for name, version in sorted(lock_pins().items()):
        if name in TOOLS:
            continue
        try:
            installed = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            continue  # an extra this environment did not install
        if installed != version:
            wrong.append(f"{name} {installed} (lock: {version})")
    assert not wrong, f"installed versions differ from {LOCK.name}: {', '.join(wrong)}; run `make test` (it reinstalls from the lock)"
