"""Messages sent by hand from a record (a company's or a lead's communications).

They go through the same channels as notices, so one SMTP and one SMS gateway serve
the whole installation.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app

from ..mail import Attachment, MailError, send_mail
from .channels import ChannelError, send_sms, sms_settings


def send_email_message(to: str, subject: str, text: str, html: str | None = None,
                       attachments: Sequence[Attachment] = ()) -> None:
    """Send an e-mail now; raises :class:`ChannelError` with the reason when it fails.

    :param attachments: (file name, MIME type, content) of each file to attach, such as
        a quote's PDF or a meeting's ``.ics`` invitation.
    """
    try:
        send_mail(to, subject, text, html, attachments=attachments)
    except MailError as error:
        raise ChannelError(str(error)) from error


def send_sms_message(number: str, text: str) -> None:
    """Send a text message now through the configured gateway, or raise :class:`ChannelError`."""
    if not number.strip():
        raise ChannelError("there is no phone number to send the text message to.")
    send_sms(number.strip(), text, sms_settings())


def available_channels() -> dict[str, bool]:
    """Which of the core's channels are configured (for offering them in a form)."""
    from ..settings_store import get_setting

    return {"email": bool(current_app.config.get("SMTP_HOST")), "sms": bool(get_setting("sms", "url"))}
