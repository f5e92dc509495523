"""Loaded by pytest with ``-p`` before Django settings are read: tests run with development defaults."""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
