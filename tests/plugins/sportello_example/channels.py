"""A deliberately slow channel, so that tests can kill a worker in the middle of sending."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

FOLDER = "SPORTELLO_TEST_SLOW_CHANNEL_DIR"


def slow_send(recipient: Any, subject: str, text: str, url: str) -> None:
    """Mark the start, take a long time, then mark the delivery (the test kills us first)."""
    folder = Path(os.environ[FOLDER])
    (folder / f"started-{os.getpid()}-{time.monotonic_ns()}").write_text(subject)
    time.sleep(60)
    (folder / f"delivered-{os.getpid()}-{time.monotonic_ns()}").write_text(subject)
