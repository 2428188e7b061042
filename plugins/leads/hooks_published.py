"""Hooks the leads plugin publishes for other plugins."""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("sportello")


@hookspec
def leads_converted(lead: Any, company: Any) -> list[Any]:
    """A lead is being converted into a company, inside the conversion's transaction.

    Move your records of the lead (quotes, attachments, ...) onto the company here: add
    and change rows in ``sportello.session`` without committing; the conversion commits
    everything together, or nothing if any implementation raises.

    :param lead: the ``leads.lead`` record (``lead.id``; ``converted_company_id`` is set).
    :param company: the ``companies.company`` record it becomes (flushed, with its id).
    :return: optional lines describing what was moved (shown to the user), or nothing.

    .. versionadded:: 1.0
    """


@hookspec
def leads_conversion_preview(lead: Any) -> list[Any]:
    """What your plugin will move when ``lead`` is converted, for the preview page.

    Read only: change nothing here. Count what ``leads_converted`` would move and say it
    in the user's language.

    :param lead: the ``leads.lead`` record about to be converted.
    :return: lines such as "2 quotes move to the company.", or nothing.

    .. versionadded:: 1.0
    """
