"""Why can (or can't) a user see a record: each rule of each action, evaluated alone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from .access import rules_for

ACTIONS = ("list", "read", "update", "delete")


@dataclass(frozen=True)
class RuleOutcome:
    """One rule and whether it matches the record."""

    reason: str
    restriction: bool
    matches: bool


@dataclass(frozen=True)
class ActionVerdict:
    """Whether the user may perform ``action`` on the record, and the rules that decided."""

    action: str
    allowed: bool
    rules: list[RuleOutcome]

    @property
    def summary(self) -> str:
        """The decision in words, in the reader's language."""
        grants = [r for r in self.rules if not r.restriction]
        matching = [r for r in grants if r.matches]
        failing = [r for r in self.rules if r.restriction and not r.matches]
        if not grants:
            return _("no rule of any enabled module grants this action on this kind of record")
        if not matching:
            return _("none of the rules that grant access matches this record")
        if failing:
            return _("a grant matches, but a restriction excludes it: %(rules)s", rules="; ".join(r.reason for r in failing))
        return _("granted by: %(rules)s", rules="; ".join(r.reason or _("an unnamed rule") for r in matching))


def _matches(session: Session, model: Any, record_id: Any, clause: Any) -> bool:
    key = sa_inspect(model).primary_key[0]
    return bool(session.scalar(select(exists().where(key == record_id, clause))))


def explain(session: Session, user: Any, model: Any, record_id: Any) -> list[ActionVerdict]:
    """Evaluate every rule of every action for one user and one record."""
    verdicts = []
    for action in ACTIONS:
        outcomes = [
            RuleOutcome(str(rule.reason), rule.restriction, _matches(session, model, record_id, rule.clause))
            for rule in rules_for(model, user, action)
        ]
        grants = [o for o in outcomes if not o.restriction]
        allowed = any(o.matches for o in grants) and all(o.matches for o in outcomes if o.restriction)
        verdicts.append(ActionVerdict(action, allowed, outcomes))
    return verdicts
