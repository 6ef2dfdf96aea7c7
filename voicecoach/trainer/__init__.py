"""Trainer mode: a trainee's take against a benchmark take of the same script."""
