"""The package's modules import each other without cycles, counting imports inside functions
too (an import hidden in a function to dodge a cycle is still a cycle)."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "voicecoach"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """voicecoach module -> the voicecoach modules it imports anywhere in its file (the
    top-level package, which only re-exports lazily, left out)."""
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names}
        graph[name] = {m for m in found if m in files and m not in (name, "voicecoach")}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_in_the_package():
    graph = import_graph()
    assert "voicecoach.analysis" in graph and "voicecoach.report.jsonio" in graph["voicecoach.analysis"]
    assert cycles(graph) == []


def test_only_the_recogniser_builder_knows_whisper():
    """The rest of the package, and the test fakes, see the Recognizer interface only."""
    graph = import_graph()
    users = sorted(m for m, deps in graph.items() if "voicecoach.recognize.whisper" in deps)
    assert users == ["voicecoach.recognize"]
    for fake in (ROOT / "tests" / "synth.py", ROOT / "tests" / "hostile" / "fake.py"):
        imported = set()
        for node in ast.walk(ast.parse(fake.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported |= {node.module or ""} | {f"{node.module}.{a.name}" for a in node.names}
        assert not [m for m in imported if "whisper" in m.lower()], fake.name


# The pipeline's stages, left to right (README "Architecture"); errors.py is below them all.
STAGES = ("errors", "audio", "recognize", "wording", "measures", "judge", "report", "analysis", "conversation", "trainer", "qa", "web", "cli")


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else None


def test_a_stage_imports_only_the_stages_to_its_left():
    graph = import_graph()
    assert {_stage(m) for m in graph} - {None} == set(STAGES)  # every stage exists
    rightward = sorted((m, d) for m, deps in graph.items() for d in deps
                       if _stage(m) and _stage(d) and STAGES.index(_stage(d)) > STAGES.index(_stage(m)))
    assert rightward == []


def test_no_module_over_about_400_lines():
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines()) for p in PACKAGE.rglob("*.py")}
    assert {p: n for p, n in sizes.items() if n > 420} == {}
