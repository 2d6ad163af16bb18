"""Reading CSV exports as text: byte-order mark, UTF-8, and the Windows-1252 fallback."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

from evaluation.core.parsing import parse_date

#: The checks this module names in its findings (``check=``), as the validation
#: report describes them; a test keeps this in step with the code.
CHECKS: dict[str, str] = {
    "encoding": "the file is UTF-8 (Windows-1252 read with a warning)",
}

UTF8_BOM = b"\xef\xbb\xbf"
FALLBACK_ENCODING = "cp1252"

_TIME_OF_DAY = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(am|pm)?$", re.IGNORECASE)


class EncodingProblem(ValueError):
    """The file is neither UTF-8 nor Windows-1252."""


def warn_if_fallback(path: str | Path, encoding: str, log) -> None:
    """Warn in ``log`` (a FindingLog) when the file had to be read as Windows-1252."""
    if encoding == FALLBACK_ENCODING:
        log.warning(
            path,
            "the file is not valid UTF-8; it was read as Windows-1252",
            expected="UTF-8",
            check="encoding",
        )


def decode_csv(path: str | Path) -> tuple[str, str]:
    """The file's text and the encoding used: UTF-8 (with or without BOM), else Windows-1252."""
    raw = Path(path).read_bytes()
    if raw.startswith(UTF8_BOM):
        raw = raw[len(UTF8_BOM) :]
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
    try:
        return raw.decode("utf-8"), encoding
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode(FALLBACK_ENCODING), FALLBACK_ENCODING
    except UnicodeDecodeError as exc:
        raise EncodingProblem(
            f"byte {raw[exc.start]:#x} at position {exc.start} is neither UTF-8 nor Windows-1252"
        ) from None


def csv_records(text: str) -> list[list[str]]:
    """CSV records (a quoted field may span lines; one record = one spreadsheet row)."""
    return [list(record) for record in csv.reader(io.StringIO(text, newline=""))]


def parse_date_time(value: object) -> tuple[dt.date | None, str | None]:
    """A date from text that may carry a time of day ('2022-03-14 10:22:05', '14/03/2022 10:22')."""
    if isinstance(value, str):
        value = _TIME_OF_DAY.sub("", value.strip())
    return parse_date(value)
