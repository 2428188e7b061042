"""Hooks the example plugin publishes for other plugins."""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("sportello")


@hookspec
def example_note_badges(note: Any) -> list[str]:
    """Badges shown beside a note's title.

    :param note: the note shown.
    :return: short labels.
    """
