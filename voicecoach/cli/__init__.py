"""The ``voicecoach`` command: a thin typer shell over the library, with one error boundary.

Library defaults are not restated here: options default to None and are passed on only when
given (:func:`_given`), so the CLI cannot drift from the library. Every command that recognises
speech gets its recogniser from :func:`voicecoach.recognize.build_recognizer`.
"""

# each module registers its commands on app, in the order --help lists them
from voicecoach.cli import take  # noqa: F401,I001
from voicecoach.cli import qa  # noqa: F401
from voicecoach.cli import serve  # noqa: F401
from voicecoach.cli.app import app, main

__all__ = ["app", "main"]
