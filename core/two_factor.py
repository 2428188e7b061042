"""Two-factor sign-in with time-based one-time codes (TOTP, RFC 6238) from an authenticator app."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

import pyotp
import pyotp.utils
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


def matching_step(secret: str | None, code: str | None, at: float | None = None) -> int | None:
    """The time step whose code is ``code`` (the current one, or one step of clock drift
    either way), or ``None``."""
    code = normalise_code(code)
    if not secret or not CODE_PATTERN.match(code):
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if at is None else at
    for drift in (0, -1, 1):
        moment = now + drift * totp.interval
        if pyotp.utils.strings_equal(code, totp.at(moment)):
            return totp.timecode(datetime.fromtimestamp(moment, UTC))
    return None


def use_code(session: Any, user: Any, code: str | None) -> bool:
    """Accept ``code`` for ``user`` once: a code already used (or an older one) is refused,
    so a code seen over someone's shoulder cannot be replayed (RFC 6238, 5.2). The step is
    claimed with one conditional UPDATE, so two requests racing with the same code cannot
    both pass."""
    from sqlalchemy import or_, update

    from .identity import User

    step = matching_step(user.totp_secret, code)
    if step is None:
        return False
    claimed = session.execute(
        update(User).where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    session.commit()
    return claimed.rowcount == 1


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
