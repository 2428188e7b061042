"""Hooks the deadlines plugin publishes for other plugins."""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("sportello")


@hookspec
def deadlines_kind_labels() -> list[tuple[str, Any]]:
    """Names of the kinds of deadline a plugin produces, for the calendar and the feed.

    A plugin that returns ``Deadline(kind="leads.future_contact", ...)`` from its
    ``deadlines`` hook can name that kind here, e.g.
    ``[("leads.future_contact", lazy_gettext("Contact again"))]``. Kinds nobody names are
    shown as the plugin's title followed by the kind's code. A plugin that only
    optionally works with deadlines marks its implementation
    ``@hookimpl(optionalhook=True)``.

    :return: pairs of kind code (``"<plugin>.<kind>"``) and label (translatable with
        ``lazy_gettext``).

    .. versionadded:: 1.0
    """
