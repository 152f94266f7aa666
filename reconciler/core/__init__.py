"""Shared vocabulary, settings, errors and small leaf helpers every step uses."""
