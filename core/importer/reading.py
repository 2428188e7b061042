"""Reading an uploaded CSV or XLSX file into a header and rows of text."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from flask_babel import lazy_gettext as _l

#: Bigger files are refused at upload.
MAX_BYTES = 25 * 1024 * 1024
DELIMITERS = ",;\t"
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls


class FileProblem(ValueError):
    """The file cannot be read; the message says why and what to do, for people."""


@dataclass
class Table:
    """A file read as text: the header, the data rows, and how it was read."""

    header: list[str]
    rows: list[list[str]]
    #: Spreadsheet row number of each data row (the header's row is ``first_row - 1``).
    row_numbers: list[int]
    kind: str  # "csv" or "xlsx"
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)

    def cell(self, row: list[str], index: int) -> str:
        return row[index] if index < len(row) else ""


ENCODING_NAMES = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "cp1252": "Windows-1252 (Latin-1)"}


def read_table(content: bytes, file_name: str) -> Table:
    """Read ``content``; raise :class:`FileProblem` with a clear message when it cannot be."""
    if not content.strip():
        raise FileProblem(str(_l("The file is empty.")))
    name = file_name.lower()
    if content.startswith(OLE_MAGIC) or name.endswith(".xls"):
        raise FileProblem(str(_l("This is an old Excel file (.xls): open it in Excel and save it as .xlsx or as CSV, then upload it again.")))
    if content.startswith(XLSX_MAGIC) or name.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(content)
    return _read_csv(content)


def decode(content: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with: UTF-8 (with or without BOM), else cp1252."""
    if b"\x00" in content[:4096]:
        raise FileProblem(str(_l("This is not a CSV or XLSX file: it contains binary data. Upload a spreadsheet saved as CSV or XLSX.")))
    try:
        return content.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as error:
        raise FileProblem(str(_l(
            "The file's characters cannot be read: it is neither UTF-8 nor Windows-1252/Latin-1 (byte %(position)s). "
            "Save it again as \"CSV UTF-8\" and upload it.", position=error.start + 1,
        ))) from None


def sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = text.splitlines()[0] if text.splitlines() else ""
        counts = {d: first.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _read_csv(content: bytes) -> Table:
    text, encoding = decode(content)
    delimiter = sniff_delimiter(text)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise FileProblem(str(_l("The CSV file is malformed: %(error)s.", error=str(error)))) from None
    table = _table(records, "csv")
    table.encoding, table.delimiter = encoding, delimiter
    if encoding == "cp1252":
        table.notes.append(str(_l("The file is not UTF-8: it was read as Windows-1252 (Latin-1). Check that accented letters look right in the preview.")))
    return table


def _read_xlsx(content: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        records = [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
        workbook.close()
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError, TypeError) as error:
        raise FileProblem(str(_l("This is not a spreadsheet that can be read (%(error)s). Upload an XLSX or CSV file.", error=type(error).__name__))) from None
    except Exception as error:  # openpyxl raises its own errors for broken files
        raise FileProblem(str(_l("This is not a spreadsheet that can be read (%(error)s). Upload an XLSX or CSV file.", error=type(error).__name__))) from None
    return _table(records, "xlsx")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time.min else value.isoformat(sep=" ")
    if isinstance(value, (date, time, Decimal, int)):
        return value.isoformat() if isinstance(value, (date, time)) else str(value)
    return str(value)


def _table(records: list[list[str]], kind: str) -> Table:
    """Header = the first non-empty row; blank rows dropped; headers made unique."""
    start = 0
    while start < len(records) and not any(cell.strip() for cell in records[start]):
        start += 1
    if start == len(records):
        raise FileProblem(str(_l("The file has no rows.")))
    raw_header = [cell.strip() for cell in records[start]]
    while raw_header and not raw_header[-1]:
        raw_header.pop()
    header: list[str] = []
    for index, name in enumerate(raw_header):
        name = name or str(_l("Column %(number)s", number=index + 1))
        candidate, suffix = name, 2
        while candidate in header:
            candidate, suffix = f"{name} ({suffix})", suffix + 1
        header.append(candidate)
    rows, numbers = [], []
    for index in range(start + 1, len(records)):
        row = [cell if isinstance(cell, str) else str(cell) for cell in records[index]]
        if any(cell.strip() for cell in row):
            rows.append(row)
            numbers.append(index + 1)
    if not header:
        raise FileProblem(str(_l("The first row of the file must name the columns.")))
    return Table(header=header, rows=rows, row_numbers=numbers, kind=kind)


def rows_to_csv(header: list[str], rows: list[list[str]], delimiter: str = ",") -> bytes:
    """A CSV in UTF-8 with BOM (what spreadsheet programs open without asking)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")
