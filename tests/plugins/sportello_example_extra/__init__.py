"""A test plugin that needs the example plugin: a tab on notes and a published hook."""

from __future__ import annotations

from typing import Any

from sportello import PluginInfo, RecordTab, hookimpl

PLUGIN = PluginInfo(name="example_extra", title="Notes extras", requires=["example"], core=">=1.0,<2")


@hookimpl
def record_tabs(entity: str, record: Any, user: Any) -> list[RecordTab]:
    if entity != "example.note":
        return []
    return [RecordTab("history", "History", f"/notes/{record.id}/text", count=3, order=20)]


@hookimpl
def example_note_badges(note: Any) -> list[str]:
    return ["extra"]
