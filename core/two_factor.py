"""Two-factor sign-in with time-based one-time codes (TOTP, RFC 6238) from an authenticator app."""

from __future__ import annotations

import re

import pyotp
from markupsafe import Markup

CODE_PATTERN = re.compile(r"^\d{6}$")


def new_totp_secret() -> str:
    """A random base32 secret of 160 bits, what authenticator apps expect."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer or "Sportello")


def normalise_code(code: str | None) -> str:
    """The code without the spaces people type or paste."""
    return re.sub(r"\s+", "", code or "")


def verify_code(secret: str | None, code: str | None) -> bool:
    """Whether ``code`` is the current code of ``secret`` (one step of clock drift allowed)."""
    code = normalise_code(code)
    if not secret or not CODE_PATTERN.match(code):
        return False
    return pyotp.TOTP(secret).verify(code, valid_window=1)


def qr_svg(data: str, size: int = 200, label: str = "") -> Markup:
    """An inline ``<svg>`` QR code of ``data``, made on the server (no script, no style attribute)."""
    import qrcode  # imported here: it pulls in Pillow, which start-up does not need
    import qrcode.image.svg

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    markup = image.to_string(encoding="unicode")
    markup = re.sub(r'^<svg width="[^"]*" height="[^"]*"', f'<svg width="{size}" height="{size}"', markup, count=1)
    if label:
        escaped = Markup.escape(label)
        markup = markup.replace("<svg ", f'<svg role="img" aria-label="{escaped}" ', 1)
    return Markup(markup)
