"""The generic CSV/XLSX importer: any plugin's ``import_targets()`` get upload, column
mapping, preview with validation and duplicate detection, a background run with
progress, and a report with the rejected rows to fix and upload again.

The pages are in :mod:`sportello.core.web.import_views`, the ``sportello import``
command in :mod:`sportello.core.cli`; both use :mod:`.service`.
"""

from __future__ import annotations

from .models import ImportFile, ImportMapping, ImportReject
from .reading import FileProblem, Table, read_table
from .service import (
    CREATE,
    ON_DUPLICATE,
    SKIP,
    UPDATE,
    ImportProblem,
    all_targets,
    auto_mapping,
    check_mapping,
    execute,
    normalise_text,
    rejected_csv,
    targets_for,
)

JOB = "sportello.core.importer.service:run_import_job"

__all__ = [
    "CREATE",
    "JOB",
    "ON_DUPLICATE",
    "SKIP",
    "UPDATE",
    "FileProblem",
    "ImportFile",
    "ImportMapping",
    "ImportProblem",
    "ImportReject",
    "Table",
    "all_targets",
    "auto_mapping",
    "check_mapping",
    "execute",
    "normalise_text",
    "read_table",
    "rejected_csv",
    "targets_for",
]
