"""Pluggable providers: script writers, image sources and publishers chosen by settings."""
