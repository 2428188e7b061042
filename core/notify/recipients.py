"""Who receives a notice about a record: resolved per record, checked against visibility."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from ..access import entity_models, visible
from ..identity import Profile, User
from .models import NotificationRule
from .rules import PROFILE_KINDS


def _ids(values: Any) -> list[int]:
    if values is None:
        return []
    if isinstance(values, (int, str)):
        values = [values]
    found = []
    for value in values:
        try:
            found.append(int(value))
        except (TypeError, ValueError):
            continue
    return found


def candidate_ids(session: Session, rule: NotificationRule, record_recipients: Mapping[str, Sequence[int]],
                  profile_ids: dict[str, list[int]] | None = None) -> list[int]:
    """User ids a rule names for one record, before checking who is active and may read it.

    :param profile_ids: a cache of the users of each profile kind, for callers that
        resolve many records at once.
    """
    cache = profile_ids if profile_ids is not None else {}
    ids: list[int] = []
    for kind in rule.recipients or []:
        if kind in PROFILE_KINDS:
            if kind not in cache:
                cache[kind] = list(session.scalars(
                    select(User.id).join(Profile, User.profile_id == Profile.id)
                    .where(Profile.code == PROFILE_KINDS[kind], User.active.is_(True)).order_by(User.id)
                ))
            ids.extend(cache[kind])
        else:
            ids.extend(_ids(record_recipients.get(kind)))
    if rule.fixed_user_id is not None:
        ids.append(rule.fixed_user_id)
    return list(dict.fromkeys(ids))  # once each, in order


def may_read(session: Session, user: User, entity: str, record_id: int | None) -> bool:
    """Whether ``user`` may open the record (entities without visibility rules: yes)."""
    model = entity_models().get(entity)
    if model is None or record_id is None:
        return True
    key = inspect(model).primary_key[0]
    statement = visible(select(model), user, "read").where(key == record_id).with_only_columns(key)
    return session.scalar(statement) is not None


def resolve(session: Session, rule: NotificationRule, entity: str, record_id: int | None,
            record_recipients: Mapping[str, Sequence[int]]) -> list[User]:
    """The active users a rule reaches for one record who may read that record."""
    ids = candidate_ids(session, rule, record_recipients)
    if not ids:
        return []
    users = session.scalars(select(User).where(User.id.in_(ids), User.active.is_(True))).unique().all()
    by_id = {user.id: user for user in users}
    return [by_id[i] for i in ids if i in by_id and may_read(session, by_id[i], entity, record_id)]


def recipients_of(payload: Mapping[str, Any]) -> Mapping[str, Iterable[int]]:
    """The ``"recipients"`` mapping an event's payload carries, if any."""
    found = payload.get("recipients") if isinstance(payload, Mapping) else None
    return found if isinstance(found, Mapping) else {}
