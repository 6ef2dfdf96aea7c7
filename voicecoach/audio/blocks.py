"""What a decoder hands the mixer: the container's header, the decoding state, and how a length is said."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Header:
    format: str
    codec: str
    sample_rate_hz: int
    n_channels: int
    n_frames: int | None  # None when the container does not say


@dataclass
class DecodeState:
    """What decoding learnt about the file's completeness (filled in as blocks are read)."""

    promised_frames: int | None = None  # what the header says, when it says more than is there
    stopped_early: bool = False  # the body is damaged or cut: decoding ended before its end
    notices: list = field(default_factory=list)
    closers: list = field(default_factory=list)  # what to close once decoding ends or is refused

    def close(self) -> None:
        for close in self.closers:
            try:
                close()
            except Exception:  # noqa: BLE001 - closing twice or after an error is harmless
                pass


def duration_text(seconds: float) -> str:
    """A length as people say it: 40 s, 12 min, 3.5 h."""
    if seconds < 120:
        return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
