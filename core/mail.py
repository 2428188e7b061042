"""Sending e-mail over SMTP with the application's settings."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any
from uuid import uuid4

from flask import current_app

from .errors import SportelloError

#: Seconds to wait for the SMTP server before giving up.
SMTP_TIMEOUT = 10


class MailError(SportelloError):
    """An e-mail could not be sent: SMTP is not configured, unreachable or refused it."""


#: An attachment: file name, MIME type ("text/calendar", "application/pdf") and content.
Attachment = tuple[str, str, bytes]


def build_message(sender: str, to: str, subject: str, text: str, html: str | None = None,
                  attachments: Sequence[Attachment] = ()) -> EmailMessage:
    """The message to send: plain text, or multipart/alternative with an HTML part,
    followed by the attachments."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for file_name, mime_type, content in attachments:
        maintype, _, subtype = mime_type.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype or "octet-stream", filename=file_name)
    return message


def write_to_outbox(folder: Path, message: EmailMessage) -> Path:
    """Keep an e-mail as an ``.eml`` file instead of sending it (demo and development
    without an SMTP server): every mail client opens it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{uuid4().hex[:8]}.eml"
    path.write_bytes(message.as_bytes())
    return path


def send_mail(to: str, subject: str, text: str, html: str | None = None, config: dict[str, Any] | None = None,
              attachments: Sequence[Attachment] = ()) -> None:
    """Send one e-mail to ``to`` using SMTP_* and MAIL_SENDER of the app (or ``config``).

    Raises :class:`MailError` with a one-line reason when it cannot be sent.
    """
    config = current_app.config if config is None else config
    host = config.get("SMTP_HOST")
    message = build_message(config.get("MAIL_SENDER") or "sportello@localhost", to, subject, text, html, attachments)
    if not host and config.get("MAIL_OUTBOX"):
        write_to_outbox(Path(config["MAIL_OUTBOX"]), message)
        return
    if not host:
        raise MailError("SMTP is not configured: set SPORTELLO_SMTP_HOST to send e-mail.")
    port = int(config.get("SMTP_PORT") or 25)
    security = config.get("SMTP_SECURITY") or "none"
    try:
        if security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=SMTP_TIMEOUT, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
        with client:
            if security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USERNAME"):
                client.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        raise MailError(f"the SMTP server {host}:{port} refused the recipient {to}: {_reason(error)}") from error
    except (OSError, smtplib.SMTPException) as error:  # timeouts are OSErrors
        raise MailError(f"e-mail to {to} not sent: SMTP server {host}:{port} failed ({_reason(error)}).") from error


def _reason(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        parts = [f"{code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply}"
                 for code, reply in error.recipients.values()]
        return "; ".join(parts) or str(error)
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        return f"{error.smtp_code} {reply}"
    return str(error) or type(error).__name__
