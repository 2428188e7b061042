"""Notifications: rules chosen by administrators, recipients resolved per record,
channels (e-mail, SMS, the plugins' own) and the log of every notice sent.

- :mod:`.models`: the rules, the triggers seen so far and the notice log;
- :mod:`.rules`: what a rule may name (triggers, recipient kinds, channels) and the
  default rules created from what plugins declare;
- :mod:`.recipients`: who receives a notice about a record;
- :mod:`.service`: notices created from events and from the daily deadline scan;
- :mod:`.channels`: e-mail and the SMS gateway;
- :mod:`.send`: the job that sends one notice.
"""

from __future__ import annotations

from .models import Notice, NotificationRule

__all__ = ["Notice", "NotificationRule"]
