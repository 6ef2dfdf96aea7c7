"""voicecoach: a speech-delivery coach for recorded Mandarin customer-service calls.

Library entry points (imported lazily, so ``import voicecoach`` loads no model and no numpy
stack until you call something)::

    import voicecoach
    result = voicecoach.analyze("practice.wav")          # -> voicecoach.Analysis
    result.dimension("pace").verdict, result.to_dict()
    cmp = voicecoach.trainer.compare("trainee.wav", "benchmark.wav")
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["analyze", "compare", "Analysis", "Comparison", "__version__"]


def __getattr__(name: str):
    if name in ("analyze", "Analysis"):
        from voicecoach import analysis

        return getattr(analysis, name)
    if name in ("compare", "Comparison"):
        from voicecoach.trainer import compare as _compare

        return getattr(_compare, name)
    raise AttributeError(f"module 'voicecoach' has no attribute {name!r}")
