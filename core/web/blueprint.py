"""The core's blueprint, shared by its page modules."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint

core = Blueprint("core", __name__)


def safe_next(target: str | None) -> str | None:
    """Only same-site paths are followed after sign-in (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def public(view: Any) -> Any:
    """Mark a view as reachable without signing in (plugins use it for tracking pixels)."""
    view.sportello_public = True
    return view
