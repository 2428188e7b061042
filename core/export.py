"""Exports of a list as CSV (streamed) or XLSX, reading the rows in keyset chunks.

Every plugin's "export the current filtered list" uses these, so the files look the
same everywhere: semicolon-separated UTF-8 with a byte-order mark (Excel opens accents
right), one header row of labels, then one row per record in the list's order.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from flask import Response, stream_with_context
from sqlalchemy.orm import Session

from .pagination import paginate

#: Rows read per query while exporting: each chunk is its own short query, so nothing
#: stays open on the database while the file streams.
EXPORT_CHUNK = 1000
#: Rows written between two pieces of a streamed CSV.
CSV_FLUSH = 500
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: (attribute of the row, column label) of each exported column; labels may be lazy
#: translations (``lazy_gettext``), written in the language of the user who exports.
Fields = Sequence[tuple[str, Any]]
Cell = Callable[[Any, str], Any]


def each_row(session: Session, statement: Any, *, sort_column: Any, id_column: Any, descending: bool = False,
             chunk: int = EXPORT_CHUNK) -> Iterator[Any]:
    """Every row of ``statement`` (already restricted with ``visible``) in keyset order."""
    cursor = None
    while True:
        page = paginate(session, statement, sort_column=sort_column, id_column=id_column, descending=descending,
                        limit=chunk, cursor=cursor, scalars=False)
        yield from page.items
        if not page.next_cursor:
            return
        cursor = page.next_cursor


def csv_response(rows: Iterable[Any], fields: Fields, cell: Cell, file_name: str) -> Response:
    """A streamed CSV download of ``rows``; ``cell(row, field)`` gives each value."""

    def generate() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        buffer.write("\ufeff")
        writer.writerow([str(label) for _field, label in fields])
        for count, row in enumerate(rows, 1):
            writer.writerow([cell(row, field) for field, _label in fields])
            if count % CSV_FLUSH == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{file_name}"'})


def xlsx_response(rows: Iterable[Any], fields: Fields, cell: Cell, file_name: str, sheet: str) -> Response:
    """An XLSX download of ``rows`` on one sheet named ``sheet``."""
    from openpyxl import Workbook  # imported here: only exports need it

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.append([str(label) for _field, label in fields])
    for row in rows:
        worksheet.append([cell(row, field) for field, _label in fields])
    data = io.BytesIO()
    workbook.save(data)
    return Response(data.getvalue(), mimetype=XLSX_MIMETYPE,
                    headers={"Content-Disposition": f'attachment; filename="{file_name}"'})
