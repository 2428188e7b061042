"""The job that sends one notice: claimed once, marked sent, or failed with the reason."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from ..db import current_session, utcnow
from ..jobs import LEASE, enqueue
from .channels import render, send_email, send_text
from .models import FAILED, QUEUED, SENDING, SENT, Notice
from .rules import triggers, vendor_channels

log = logging.getLogger(__name__)


def send_notice(notice_id: int) -> str:
    """Send notice ``notice_id``; raises when it fails, so the job retries it with back-off.

    The claim (queued or failed → sending) is one conditional UPDATE, so two workers
    never send the same notice; a notice already sent is left alone.
    """
    session = current_session()
    now = utcnow()
    claimed = session.execute(
        update(Notice).where(Notice.id == notice_id, or_(Notice.state == QUEUED, Notice.state == FAILED))
        .values(state=SENDING, attempts=Notice.attempts + 1, claimed_at=now)
    ).rowcount
    session.commit()
    if not claimed:
        _give_up_on_abandoned(session, notice_id, now)
        return "skipped"
    notice = session.get(Notice, notice_id)
    assert notice is not None
    session.refresh(notice)
    try:
        deliver(notice)
    except Exception as error:
        session.rollback()
        notice = session.get(Notice, notice_id)
        assert notice is not None
        notice.state, notice.error = FAILED, (str(error) or type(error).__name__)[:2000]
        session.commit()
        raise
    notice.state, notice.error, notice.sent_at = SENT, None, utcnow()
    session.commit()
    return SENT


def _give_up_on_abandoned(session: Session, notice_id: int, now: datetime) -> None:
    """A notice still "sending" long after its claim was abandoned by a dead worker.

    It may or may not have left: rather than risk sending it twice, it is marked failed
    with that reason, where an administrator sees it and decides whether to retry.
    """
    abandoned = session.execute(
        update(Notice)
        .where(Notice.id == notice_id, Notice.state == SENDING, Notice.claimed_at < now - LEASE)
        .values(state=FAILED, error="The worker stopped while sending: it may or may not have been delivered.")
    ).rowcount
    session.commit()
    if abandoned:
        log.warning("notice %s was abandoned while sending; marked failed for an administrator", notice_id)


def deliver(notice: Notice) -> None:
    """Render the notice for its recipient and hand it to its channel."""
    user = notice.user
    if not user.active:
        raise RuntimeError(f"{user.name} is no longer active.")
    known = triggers()
    label = known[notice.trigger].label if notice.trigger in known else notice.trigger
    message = render(notice, user, label)
    if notice.channel == "email":
        send_email(user, message)
    elif notice.channel == "sms":
        send_text(user, message)
    else:
        channel = vendor_channels().get(notice.channel)
        if channel is None:
            raise RuntimeError(f"the channel {notice.channel!r} is not provided by any enabled module.")
        channel.send(recipient=user, subject=message.subject, text=message.text, url=message.link)


def retry_notice(notice_id: int) -> bool:
    """Queue a failed notice again with a fresh job (the administrator's "retry" button)."""
    session = current_session()
    changed = session.execute(
        update(Notice).where(Notice.id == notice_id, Notice.state == FAILED).values(state=QUEUED)
    ).rowcount
    if changed:
        enqueue("sportello.core.notify.send:send_notice", session=session, notice_id=notice_id)
    session.commit()
    return bool(changed)


__all__ = ["deliver", "retry_notice", "send_notice"]
