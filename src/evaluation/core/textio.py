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
#: The encoding :func:`decode_csv` names for Windows-1252 text behind a UTF-8
#: byte-order mark (a "CSV UTF-8" file re-saved by a tool that kept the mark).
BOM_THEN_FALLBACK = "cp1252 behind a UTF-8 byte-order mark"
NEWLINE = b"\n"
#: A UTF-8 multi-byte character (what Windows-1252 text almost never holds).
_UTF8_CHARACTER = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)

_TIME_OF_DAY = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(am|pm)?$", re.IGNORECASE)


class EncodingProblem(ValueError):
    """The file is neither UTF-8 nor Windows-1252; ``line`` is where the first bad byte is."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def warn_if_fallback(path: str | Path, encoding: str, log) -> None:
    """Warn in ``log`` (a FindingLog) when the file had to be read as Windows-1252."""
    if encoding == BOM_THEN_FALLBACK:
        log.warning(
            path,
            "the file starts with a UTF-8 byte-order mark but its text is Windows-1252 (it was "
            "saved in two encodings); it was read as Windows-1252 without the mark: check its "
            "accented letters and punctuation, or save it again as 'CSV UTF-8'",
            row=1,
            expected="UTF-8 throughout (Excel: Save As 'CSV UTF-8')",
            check="encoding",
        )
    elif encoding == FALLBACK_ENCODING:
        log.warning(
            path,
            "the file is not valid UTF-8; it was read as Windows-1252",
            expected="UTF-8",
            check="encoding",
        )


def decode_csv(path: str | Path) -> tuple[str, str]:
    """The file's text and the encoding used: UTF-8 (with or without BOM), else Windows-1252.

    Windows-1252 behind a byte-order mark is read as Windows-1252 (encoding
    :data:`BOM_THEN_FALLBACK`, warned by :func:`warn_if_fallback`); a file
    holding both UTF-8 characters and bytes that are not UTF-8 cannot be read
    either way without garbling one part: :class:`EncodingProblem` names the
    line of the first byte that is not UTF-8.
    """
    return decode_bytes(Path(path).read_bytes())


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """:func:`decode_csv` of bytes already read."""
    bom = raw.startswith(UTF8_BOM)
    if bom:
        raw = raw[len(UTF8_BOM) :]
    try:
        return raw.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError as exc:
        bad = exc.start
    line = raw.count(NEWLINE, 0, bad) + 1
    if _UTF8_CHARACTER.search(raw):
        raise EncodingProblem(
            f"the file mixes two encodings: it holds UTF-8 text, but byte {raw[bad]:#x} on "
            f"line {line} is not UTF-8 (probably Windows-1252, pasted in or appended by "
            "another program); save it again from the program that made it as UTF-8 ('CSV UTF-8' in Excel), "
            "then check the accented letters on that line",
            line,
        )
    try:
        return raw.decode(FALLBACK_ENCODING), BOM_THEN_FALLBACK if bom else FALLBACK_ENCODING
    except UnicodeDecodeError as exc:
        bad = exc.start
    line = raw.count(NEWLINE, 0, bad) + 1
    raise EncodingProblem(
        f"byte {raw[bad]:#x} on line {line} is neither UTF-8 nor Windows-1252", line
    )


def csv_records(text: str) -> list[list[str]]:
    """CSV records (a quoted field may span lines; one record = one spreadsheet row)."""
    return [list(record) for record in csv.reader(io.StringIO(text, newline=""))]


def parse_date_time(value: object) -> tuple[dt.date | None, str | None]:
    """A date from text that may carry a time of day ('2022-03-14 10:22:05', '14/03/2022 10:22')."""
    if isinstance(value, str):
        value = _TIME_OF_DAY.sub("", value.strip())
    return parse_date(value)
