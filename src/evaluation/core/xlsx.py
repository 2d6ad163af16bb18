"""Byte-identical .xlsx files from openpyxl (generators and the blank proforma).

openpyxl writes the time of saving into the package (the zip entries' times
and ``docProps/core.xml``), so the same workbook saved twice differs. The
bytes here carry a fixed time instead.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

#: The earliest time a zip entry can carry.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def workbook_bytes(
    workbook,
    when: dt.datetime,
    *,
    document_dates: tuple[str, ...] = ("modified",),
    permissions: int = 0o600,
) -> bytes:
    """``workbook`` saved as .xlsx with ``when`` in ``document_dates`` and fixed zip entries."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    dates = re.compile(
        rb"(<dcterms:(?:" + "|".join(document_dates).encode() + rb")[^>]*>)[^<]*(</dcterms:)"
    )
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(out, "w") as target,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = dates.sub(rb"\g<1>" + stamp + rb"\g<2>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = permissions << 16
            target.writestr(entry, content)
    return out.getvalue()
