"""Mothers' questionnaire: read one wave (.sav or .csv), validate it, and apply the cut-off.

A wave is read into a long frame, one row per questionnaire and item, holding
the numeric code as entered (user-missing codes kept, blanks as missing):
``wave, source_file, source_row, case_id, completion_date, item, code``.
Reading does not depend on the cut-off; :func:`mothers_at_cut` applies it,
checks case ids against the case trackers and orders of waves, classifies every
answer (valid, or its missing reason) and scores the WAI-SR.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.core import codebook
from evaluation.core.findings import DataValidationError, FindingLog, Ledger
from evaluation.core.parsing import is_blank, parse_date
from evaluation.strands.surveys import spec
from evaluation.strands.surveys.textio import EncodingProblem, decode_csv, warn_if_fallback
from evaluation.strands.surveys.wai import score_wai

SOURCE = "mothers_survey"
UNIT = "questionnaire"
READ_STEP = "read"
CUT_STEP = "cut-off"
BLANK_ROW = "blank row"
AFTER_CUTOFF = "completed after the cut-off"
VALID = "valid"

ANSWER_COLUMNS = ["wave", "source_file", "source_row", "case_id", "completion_date", "item", "code"]
RESPONSE_COLUMNS = ["wave", "source_file", "source_row", "case_id", "completion_date"]


@dataclass
class WaveRead:
    """One wave as read: long answers, findings and the row ledger."""

    answers: pd.DataFrame
    findings: FindingLog
    ledger: Ledger = field(default_factory=Ledger)


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


def _check_labels(
    raw: RawWave, column_of: dict[str, str], items: list[str], path: Path, log: FindingLog
) -> None:
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


# --------------------------------------------------------------------------- cells


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


def _column_map(columns: list[str], path: Path, log: FindingLog) -> dict[str, str]:
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


def read_mothers_wave(
    path: str | Path, wave: str, position: int, valid_date_range=("2015-01-01", "2030-12-31")
) -> WaveRead:
    """Read and validate one wave; raises DataValidationError listing every error."""
    path = Path(path)
    log = FindingLog(SOURCE)
    ledger = Ledger()
    raw = read_raw_wave(path, log)
    frame = raw.values
    column_of = _column_map(list(frame.columns), path, log)
    items = spec.items_for_wave(position)
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
    if "case_id" not in column_of or "completion_date" not in column_of:
        raise DataValidationError(log.errors)
    _check_labels(raw, column_of, [i for i in items if i in column_of], path, log)

    low, high = (dt.date.fromisoformat(d) for d in valid_date_range)
    used_columns = [column_of[n] for n in ["case_id", "completion_date", *items] if n in column_of]
    blank = np.column_stack(
        [per_distinct(frame[c], is_blank).astype(bool) for c in used_columns]
    ).all(axis=1)
    kept = frame.loc[~blank]
    source_rows = np.flatnonzero(~blank) + raw.first_data_row
    problems: list[tuple[int, int, str, dict]] = []  # (row, position in row, message, context)

    case_column = column_of["case_id"]
    case_values = kept[case_column]
    case_blank = per_distinct(case_values, is_blank).astype(bool)
    for row in source_rows[case_blank]:
        problems.append(
            (
                row,
                0,
                "case_id is blank",
                {"column": case_column, "expected": "a case id such as EP-014"},
            )
        )
    wide = pd.DataFrame({"source_row": source_rows})
    wide["case_id"] = per_distinct(case_values, lambda v: None if is_blank(v) else str(v).strip())

    date_column = column_of["completion_date"]
    dates = per_distinct(kept[date_column], lambda v: _completion_date(v, low, high))
    wide["completion_date"] = [date for date, _problem in dates]
    for row, (_date, problem) in zip(source_rows, dates, strict=True):
        if problem is not None:
            message, context = problem
            problems.append((row, 1, message, {"column": date_column, **context}))

    for position, item in enumerate(items, start=2):
        if item not in column_of:
            wide[item] = None
            continue
        scale = spec.item_scale(item)
        values = kept[column_of[item]]
        parsed = per_distinct(values, lambda v, scale=scale: parse_code(v, scale))
        wide[item] = pd.array([code for code, _ok in parsed], dtype="Int64")
        bad = np.array([not ok for _code, ok in parsed], dtype=bool)
        for row, value in zip(source_rows[bad], values.to_numpy()[bad], strict=True):
            context = dict(
                column=column_of[item],
                value=str(value).strip(),
                expected=scale.describe(),
                check="scale",
            )
            problems.append((row, position, "code outside the scale", context))
    for row, _position, message, context in sorted(problems, key=lambda p: p[:2]):
        log.error(path, message, row=int(row), **context)
    blank_rows = int(blank.sum())
    _check_duplicates(wide, path, column_of["case_id"], log)
    log.raise_if_errors()
    ledger.read(SOURCE, path, "", UNIT, len(frame), step=READ_STEP)
    ledger.excluded(SOURCE, path, "", UNIT, BLANK_ROW, blank_rows, step=READ_STEP)
    ledger.used(SOURCE, path, "", UNIT, len(wide), step=READ_STEP)
    return WaveRead(answers=_to_long(wide, wave, str(path), items), findings=log, ledger=ledger)


def _completion_date(value, low, high) -> tuple[dt.date | None, tuple[str, dict] | None]:
    """(date, None), or (None, (message, finding context)) for a blank, bad or out-of-range date."""
    date, problem = parse_date(value)
    if problem or date is None:
        message = "completion_date is " + (
            "blank" if date is None and not problem else "not a date"
        )
        context = {
            "value": None if is_blank(value) else str(value),
            "expected": "a date such as 03/11/2021 (day first) or 2021-11-03",
        }
        return None, (message, context)
    if not low <= date <= high:
        context = {"value": date.isoformat(), "expected": f"a date from {low} to {high}"}
        return None, ("completion_date is outside the valid date range", context)
    return date, None


def per_distinct(values: pd.Series, func) -> np.ndarray:
    """``func`` of every value, computed once per distinct value (blanks as None); object array."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    results = np.empty(len(uniques) + 1, dtype=object)
    for index, value in enumerate([*uniques, None]):
        results[index] = func(value)
    return results[codes]  # code -1 (a missing value) takes the last entry, func(None)


def _check_duplicates(wide: pd.DataFrame, path: Path, column: str, log: FindingLog) -> None:
    keys = wide["case_id"].dropna().astype(str).str.casefold()
    keys = keys.loc[keys.duplicated(keep=False)]  # only mothers with more than one row
    for _key, rows in wide.loc[keys.index].groupby(keys)["source_row"]:
        if len(rows) > 1:
            listed = ", ".join(str(r) for r in sorted(rows))
            log.error(
                path,
                f"the same mother appears in rows {listed} of one wave",
                row=int(min(rows)),
                column=column,
                value=str(wide.loc[rows.index[0], "case_id"]),
                expected="one questionnaire per mother per wave",
                check="duplicate",
            )


def _to_long(wide: pd.DataFrame, wave: str, source_file: str, items: list[str]) -> pd.DataFrame:
    present = [i for i in items if i in wide.columns]
    long = wide.melt(
        id_vars=["source_row", "case_id", "completion_date"],
        value_vars=present,
        var_name="item",
        value_name="code",
    )
    long["wave"] = wave
    long["source_file"] = source_file
    long["completion_date"] = pd.to_datetime(long["completion_date"])
    long["code"] = pd.array(long["code"], dtype="Int64")
    # melt stacks item after item; questionnaire by questionnaire (rows in source_row order)
    # then item by item is the transpose of that block layout
    row_major = np.arange(len(long)).reshape(len(present), len(wide)).T.ravel()
    return long[ANSWER_COLUMNS].take(row_major).reset_index(drop=True)


# --------------------------------------------------------------------------- at the cut-off


@dataclass
class MothersAtCut:
    """Responses and answers in the run, with findings and the cut-off ledger."""

    responses: pd.DataFrame
    answers: pd.DataFrame
    findings: FindingLog
    ledger: Ledger


def _classify_code(item: str, code) -> tuple[str, str | None, str | None]:
    """(status, label, collapsed) of one item's code: 'valid' or the missing reason."""
    scale = spec.item_scale(item)
    if pd.isna(code):
        return spec.blank_reason(), None, None
    if int(code) in scale.missing:
        return scale.missing[int(code)], None, None
    return VALID, scale.label(int(code)), scale.collapse_map.get(int(code))


def classify_answers(answers: pd.DataFrame) -> pd.DataFrame:
    """Add ``status`` ('valid' or the missing reason), ``label`` and ``collapsed`` per answer."""
    out = answers.copy(deep=False)  # copy-on-write: the input frame is never changed
    pairs, pair_of_answer = _distinct_pairs(out["item"], out["code"])
    classes = [_classify_code(item, code) for item, code in pairs]
    for position, name in enumerate(["status", "label", "collapsed"]):
        per_pair = np.array([c[position] for c in classes] or [None], dtype=object)
        out[name] = pd.array(per_pair[pair_of_answer], dtype="string")
    return out


def _distinct_pairs(items: pd.Series, codes: pd.Series) -> tuple[list[tuple], np.ndarray]:
    """The distinct (item, code) pairs (a missing code included), and each row's pair number."""
    grouped = pd.DataFrame({"item": items, "code": codes}).groupby(
        ["item", "code"], dropna=False, sort=False
    )
    return list(grouped.size().index), grouped.ngroup().to_numpy()


def _folded_ids(ids: pd.Series) -> pd.Series:
    """Case ids as compared: text, stripped, case-folded."""
    return ids.astype(object).map(str, na_action=None).str.strip().str.casefold()


def match_case_ids(
    responses: pd.DataFrame, known: pd.DataFrame | None, log: FindingLog
) -> pd.DataFrame:
    """Canonical case id and prison of each response; an unknown id is a warning (still analysed)."""
    out = responses.copy()
    if known is not None and len(known):
        # the last tracker row of an id wins, as in a dict built row by row
        lookup = pd.DataFrame(
            {
                "canonical": known["case_id"].astype(object).map(str),
                "prison": known["prison"].astype(object).map(str),
            }
        ).set_index(_folded_ids(known["case_id"]).to_numpy())
        lookup = lookup.loc[~lookup.index.duplicated(keep="last")]
    else:
        lookup = pd.DataFrame(columns=["canonical", "prison"], dtype=object)
    hits = lookup.reindex(_folded_ids(out["case_id"]).to_numpy())
    unknown = hits["canonical"].isna().to_numpy()
    for file, row, case_id in zip(
        out["source_file"].to_numpy()[unknown],
        out["source_row"].to_numpy()[unknown],
        out["case_id"].to_numpy()[unknown],
        strict=True,
    ):
        log.warning(
            file,
            "case_id not found in any case tracker; the response is still analysed",
            row=int(row),
            column="case_id",
            value=str(case_id),
            expected="a case id of a configured case tracker",
            check="case id",
        )
    ids = np.where(unknown, out["case_id"].to_numpy(dtype=object), hits["canonical"].to_numpy())
    out["case_id"] = pd.Series(ids, index=out.index, dtype="string")
    out["prison"] = pd.Series(hits["prison"].to_numpy(), index=out.index, dtype="string")
    return out


def check_wave_order(responses: pd.DataFrame, waves: list[str], log: FindingLog) -> None:
    """Warn when a mother's later-wave questionnaire is dated before an earlier wave's."""
    position = {w: i for i, w in enumerate(waves)}
    frame = responses.assign(
        _key=responses["case_id"].str.casefold(), _pos=responses["wave"].map(position)
    )
    # each questionnaire against the one before it of the same mother (in wave order)
    frame = frame.loc[frame["_key"].notna()].sort_values(["_key", "_pos"], kind="stable")
    by_mother = frame.groupby("_key", sort=False)
    frame = frame.assign(
        _earlier_wave=by_mother["wave"].shift(), _earlier_date=by_mother["completion_date"].shift()
    )
    for _, row in frame.loc[frame["completion_date"] < frame["_earlier_date"]].iterrows():
        log.warning(
            row["source_file"],
            f"wave {row['wave']} questionnaire is dated before the same mother's wave "
            f"{row['_earlier_wave']} questionnaire ({row['_earlier_date']:%Y-%m-%d})",
            row=int(row["source_row"]),
            column="completion_date",
            value=f"{row['completion_date']:%Y-%m-%d}",
            expected="a date after the earlier wave's",
            check="wave order",
        )


def mothers_at_cut(
    waves: dict[str, pd.DataFrame],
    cutoff: dt.date,
    known_case_ids: pd.DataFrame | None,
    *,
    wai_rule: str = "complete",
    wai_max_missing: int = 1,
) -> MothersAtCut:
    """Apply the cut-off to every wave (in config order), check ids and order, score the WAI-SR."""
    log = FindingLog(SOURCE)
    ledger = Ledger()
    cut = pd.Timestamp(cutoff)
    kept, kept_responses, response_of_answer, offset = [], [], [], 0
    for wave, answers in waves.items():
        # one wave: its source rows identify the questionnaires
        responses = answers.loc[~answers["source_row"].duplicated(), RESPONSE_COLUMNS]
        after = responses["completion_date"] > cut
        source = str(responses["source_file"].iloc[0]) if len(responses) else wave
        ledger.read(SOURCE, source, "", UNIT, len(responses), step=CUT_STEP)
        ledger.excluded(SOURCE, source, "", UNIT, AFTER_CUTOFF, int(after.sum()), step=CUT_STEP)
        ledger.used(SOURCE, source, "", UNIT, int((~after).sum()), step=CUT_STEP)
        in_time = answers["completion_date"] <= cut
        answers = answers if in_time.all() else answers.loc[in_time]  # no copy when all kept
        responses = responses.loc[responses["completion_date"] <= cut]
        rows = pd.Index(responses["source_row"]).get_indexer(answers["source_row"])
        kept.append(answers)
        kept_responses.append(responses)
        response_of_answer.append(rows + offset)
        offset += len(responses)
    if kept:
        answers = pd.concat(kept, ignore_index=True)
        responses = pd.concat(kept_responses, ignore_index=True)
    else:
        answers = pd.DataFrame(columns=ANSWER_COLUMNS)
        responses = pd.DataFrame(columns=RESPONSE_COLUMNS)
    responses = match_case_ids(responses, known_case_ids, log)
    check_wave_order(responses, list(waves), log)
    positions = np.concatenate(response_of_answer) if kept else np.array([], dtype=int)
    canonical = responses["case_id"].to_numpy()[positions]  # each answer's questionnaire's id
    answers["case_id"] = pd.Series(canonical, index=answers.index, dtype="string")
    wave_position = {w: i + 1 for i, w in enumerate(waves)}
    responses.insert(1, "wave_position", responses["wave"].map(wave_position).astype("int64"))

    wai_items = spec.wai_spec()["items"]
    wide = (
        answers.loc[answers["item"].isin(wai_items), ["wave", "source_row", "item", "code"]]
        .pivot(index=["wave", "source_row"], columns="item", values="code")
        .reindex(columns=wai_items)
    )
    wide = wide.reindex(pd.MultiIndex.from_frame(responses[["wave", "source_row"]]))
    scores = score_wai(wide, wai_rule, wai_max_missing).reset_index(drop=True)
    responses = pd.concat([responses.reset_index(drop=True), scores], axis=1)
    answers = classify_answers(answers)
    order = (
        responses.assign(_p=responses["wave_position"])
        .sort_values(["_p", "source_row"])
        .drop(columns="_p")
    )
    return MothersAtCut(
        responses=order.reset_index(drop=True), answers=answers, findings=log, ledger=ledger
    )
