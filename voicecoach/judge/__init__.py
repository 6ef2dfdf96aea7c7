"""Judge: targets, the dimension registry, scoring, verdicts and advice."""

# the six built-in dimensions register themselves (voicecoach.judge.builtin), before any module
# of the package is used
from voicecoach.judge import builtin as _builtin  # noqa: E402,F401
