"""A mothers' questionnaire wave file against the codebook: raw cells, columns, value labels, codes.

Helpers of :func:`evaluation.strands.surveys.read.read_mothers_wave`. A wave
is an SPSS ``.sav`` (read with its value labels and declared user-missing
codes) or a ``.csv`` (codes or the codebook's text labels). The findings'
``check=`` names here are the mothers' questionnaire's own in the validation
report (``codebook/validation.yaml``).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.core import codebook
from evaluation.core.findings import DataValidationError, FindingLog
from evaluation.core.parsing import distinct_cells, is_blank
from evaluation.core.textio import EncodingProblem, decode_csv, warn_if_fallback
from evaluation.strands.surveys import spec

#: The checks this module names in its findings (``check=``), as the validation
#: report describes them; a test keeps this in step with the code.
CHECKS: dict[str, str] = {
    "missing ranges": "missing ranges",
    "scale": "a code is on the item's scale or a declared missing code",
    "unexpected item": "unexpected item",
    "unknown column": "columns outside the codebook are ignored",
    "value labels": "value labels",
}


@dataclass
class RawWave:
    """A wave file's cells before validation: values, value labels, declared missing codes."""

    values: pd.DataFrame
    value_labels: dict[str, dict]
    missing_ranges: dict[str, list]
    first_data_row: int


# --------------------------------------------------------------------------- raw files


def _read_sav(path: Path) -> RawWave:
    import pyreadstat

    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    return RawWave(
        values=frame,
        value_labels=dict(meta.variable_value_labels or {}),
        missing_ranges=dict(meta.missing_ranges or {}),
        first_data_row=1,
    )


def _read_csv(path: Path, log: FindingLog) -> RawWave:
    text, encoding = decode_csv(path)
    warn_if_fallback(path, encoding, log)
    frame = pd.read_csv(
        io.StringIO(text), dtype=str, keep_default_na=False, na_values=[], skip_blank_lines=False
    )
    frame = _drop_headerless_columns(frame, path, log)
    return RawWave(values=frame, value_labels={}, missing_ranges={}, first_data_row=2)


def _drop_headerless_columns(frame: pd.DataFrame, path: Path, log: FindingLog) -> pd.DataFrame:
    """Columns without a name (trailing commas of a spreadsheet export): dropped; warned if filled."""
    headerless = [c for c in frame.columns if re.fullmatch(r"Unnamed: \d+(\.\d+)?", str(c))]
    for column in headerless:
        if not frame[column].map(is_blank).all():
            log.warning(
                path,
                "a column without a header holds values; it is ignored",
                row=1,
                column=f"column {frame.columns.get_loc(column) + 1}",
                check="unknown column",
            )
    return frame.drop(columns=headerless)


def read_raw_wave(path: str | Path, log: FindingLog) -> RawWave:
    """The file's cells; .sav through pyreadstat keeping user-missing codes, or .csv as text."""
    path = Path(path)
    if not path.exists():
        log.error(
            path, "the configured wave file does not exist; check config 'surveys: mothers: waves'"
        )
        raise DataValidationError(log.errors)
    suffix = path.suffix.lower()
    try:
        if suffix == ".sav":
            return _read_sav(path)
        if suffix == ".csv":
            return _read_csv(path, log)
    except EncodingProblem as exc:
        log.error(
            path, f"cannot read the file as text: {exc}", expected="a UTF-8 or Windows-1252 CSV"
        )
        raise DataValidationError(log.errors) from None
    except Exception as exc:  # a corrupt or truncated file: say so, with the file name
        log.error(
            path,
            f"cannot read the file ({type(exc).__name__}: {exc})",
            expected="an SPSS .sav or a CSV",
        )
        raise DataValidationError(log.errors) from None
    log.error(path, f"unsupported file type {suffix!r}", expected="an SPSS .sav or a .csv file")
    raise DataValidationError(log.errors)


# --------------------------------------------------------------------------- value labels


def _label_key(text: object) -> str:
    return re.sub(r"\s+", "", codebook.normalise_text(text))


def _accepted_label_keys(scale: spec.Scale) -> dict[int, set[str]]:
    """Code -> folded forms of its codebook label and variants (valid and user-missing codes)."""
    sets = ([scale.value_set] if scale.value_set else []) + list(
        spec.mothers_codebook()["scales"][scale.name].get("missing", [])
    )
    accepted: dict[int, set[str]] = {}
    for name in sets:
        for entry in spec.value_set_entries(name):
            keys = {_label_key(v) for v in [entry["label"], *entry.get("variants", [])]}
            accepted.setdefault(int(entry["code"]), set()).update(keys)
    return accepted


def compare_value_labels(
    file_labels: dict, scale: spec.Scale
) -> list[tuple[object, str, str | None]]:
    """Codes whose label in the file differs from the codebook: (code, file label, codebook label).

    Labels compare ignoring case and spacing, and accept the codebook's variants.
    A labelled code the codebook does not have differs too, except inside the
    range of a numeric rating (end-point labels such as '1 = not at all').
    """
    accepted = _accepted_label_keys(scale)
    expected = {**scale.codes, **scale.missing}
    differ = []
    for raw_code, file_label in sorted(file_labels.items(), key=lambda kv: float(kv[0])):
        code = int(raw_code) if float(raw_code).is_integer() else raw_code
        if code in accepted:
            if _label_key(file_label) not in accepted[code]:
                differ.append((code, str(file_label), expected[code]))
        elif not (not scale.labelled and isinstance(code, int) and scale.is_valid(code)):
            differ.append((code, str(file_label), None))
    return differ


def _describe_differences(differences) -> str:
    parts = []
    for code, in_file, in_codebook in differences:
        theirs = (
            f"'{in_codebook}' in the codebook" if in_codebook else "no such code in the codebook"
        )
        parts.append(f"{code} ('{in_file}' in the file, {theirs})")
    return "; ".join(parts)


def check_value_labels(
    raw: RawWave, column_of: dict[str, str], items: list[str], path: Path, log: FindingLog
) -> None:
    """Errors for value labels that differ from the codebook; warnings for valid codes declared missing."""
    for item in items:
        column = column_of.get(item)
        if column is None:
            continue
        scale = spec.item_scale(item)
        differences = compare_value_labels(raw.value_labels.get(column, {}), scale)
        if differences:
            log.error(
                path,
                f"the value labels of '{column}' differ from the codebook at codes {_describe_differences(differences)}. "
                "A reversed or recoded scale must be recoded to the codebook's codes before analysis",
                column=column,
                value="codes " + ", ".join(str(d[0]) for d in differences),
                expected=scale.describe(),
                check="value labels",
            )
        declared = _declared_missing(raw.missing_ranges.get(column, []))
        hidden = sorted(c for c in scale.codes if any(lo <= c <= hi for lo, hi in declared))
        if hidden:
            log.warning(
                path,
                f"the file declares valid codes {hidden} of '{column}' as user-missing; the pipeline "
                "treats them as valid answers (only the codebook's missing codes are missing)",
                column=column,
                expected=scale.describe(),
                check="missing ranges",
            )


def _declared_missing(ranges: list) -> list[tuple[float, float]]:
    out = []
    for entry in ranges:
        if isinstance(entry, dict):
            out.append((float(entry["lo"]), float(entry["hi"])))
        else:
            out.append((float(entry), float(entry)))
    return out


# --------------------------------------------------------------------------- columns and codes


def parse_code(value: object, scale: spec.Scale) -> tuple[int | None, bool]:
    """(code, ok): a blank is (None, True); a code outside the scale is (None, False).

    Accepts numbers ('4', 4.0, ' 4 ') and, in CSV files, the codebook's text labels.
    """
    if is_blank(value):
        return None, True
    number: float | None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            code = scale.code_for_label(value)
            return (code, True) if code is not None else (None, False)
    if not number.is_integer():
        return None, False
    code = int(number)
    if scale.is_valid(code) or code in scale.missing:
        return code, True
    return None, False


def map_columns(columns: list[str], path: Path, log: FindingLog) -> dict[str, str]:
    """Codebook variable -> file column (headers compared ignoring case, spaces, hyphens)."""
    known = {codebook.normalise_header(name): name for name in spec.variables()}
    column_of: dict[str, str] = {}
    for column in columns:
        name = known.get(codebook.normalise_header(column))
        if name is None:
            log.warning(
                path,
                "column not in the codebook; ignored",
                column=str(column),
                check="unknown column",
            )
        elif name in column_of:
            log.error(
                path,
                f"two columns are both '{name}'",
                column=str(column),
                expected="one column per variable",
            )
        else:
            column_of[name] = str(column)
    return column_of


def check_wave_columns(
    column_of: dict[str, str],
    items: list[str],
    wave: str,
    position: int,
    path: Path,
    log: FindingLog,
) -> None:
    """Errors for the wave's variables without a column; warnings for items of later waves."""
    for name in ["case_id", "completion_date", *items]:
        if name not in column_of:
            log.error(
                path,
                f"no '{name}' column",
                column=name,
                expected=f"the variables of wave position {position}",
            )
    for name in spec.scale_items():
        if name in column_of and name not in items:
            log.warning(
                path,
                f"'{name}' is asked from a later wave only; ignored in wave {wave}",
                column=column_of[name],
                check="unexpected item",
            )


def item_codes(
    values: pd.Series, item: str, column: str, rows: np.ndarray
) -> tuple[pd.api.extensions.ExtensionArray, list[tuple[int, str, dict]]]:
    """An item's codes (``Int64``; blanks and bad cells missing) and its cells outside the scale.

    The second part is ``(row, message, finding context)`` per bad cell; each
    distinct value is parsed once.
    """
    scale = spec.item_scale(item)
    cells = distinct_cells(values)
    parsed = cells.take([parse_code(value, scale) for value in cells.values], fill=(None, True))
    codes = pd.array([code for code, _ok in parsed], dtype="Int64")
    bad = np.array([not ok for _code, ok in parsed], dtype=bool)
    problems = [
        (
            row,
            "code outside the scale",
            dict(column=column, value=str(value).strip(), expected=scale.describe(), check="scale"),
        )
        for row, value in zip(rows[bad], values.to_numpy()[bad], strict=True)
    ]
    return codes, problems
