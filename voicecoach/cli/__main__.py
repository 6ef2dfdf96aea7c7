"""``python -m voicecoach.cli``."""

from voicecoach.cli import main

main()
