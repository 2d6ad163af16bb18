"""The example practitioner wave as other survey platforms export it (SYNTHETIC EXAMPLE DATA).

Reads the example's Qualtrics export (``data/raw/surveys/practitioners_Y1.csv``,
three header rows, choice labels) and writes the same answers as:

- ``practitioners_Y1_forms.xlsx``: a Microsoft Forms workbook (Id, Start time,
  Completion time, Email, Name, then one column per question; only submitted
  responses: no preview, no unfinished response);
- ``practitioners_Y1_jisc.csv``: a JISC Online Surveys CSV (numbered questions,
  the agreement grid as an empty parent column and ``4.i.a.`` columns, day-first
  dates; the unfinished response without a completion date, no preview);
- ``practitioners_Y1_redcap.csv`` and ``practitioners_Y1_redcap_dictionary.csv``:
  a REDCap raw export (codes; the unfinished response as an incomplete record,
  no preview) and its data dictionary;
- ``practitioners_Y1_legacy.csv``: the legacy Qualtrics exporter's two header rows;
- ``practitioners_Y1_numeric.csv``: a Qualtrics export with numeric values;
- ``practitioners_Y1.sav``: a Qualtrics SPSS export.

Headers and codes come from ``codebook/survey_platforms.yaml``, so each file
reads back to the original's tables. Run from the repository root:
``python -m tools.synthetic.survey_platforms --out <dir>`` (deterministic).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import re
from pathlib import Path

import yaml

from evaluation.core.codebook import normalise_text
from evaluation.core.xlsx import workbook_bytes
from tools.synthetic.surveys import _fix_sav_timestamp

SOURCE = Path("data/raw/surveys/practitioners_Y1.csv")
CODEBOOK = Path("codebook")
WORKBOOK_TIME = dt.datetime(2022, 4, 1, 9, 0, 0)
CATEGORY_SETS = {
    "role": "practitioner_role",
    "heard_via": "practitioner_heard_via",
    "contact_frequency": "practitioner_contact_frequency",
}
AGREEMENT_SET = "practitioner_agreement"
REDCAP_FORM = "practitioner_survey"
QUALTRICS_STATUS = {"IP Address": 0, "Survey Preview": 1}
QUALTRICS_FINISHED = {"True": 1, "False": 0}
LEGACY_METADATA = [
    "ResponseID",
    "ResponseSet",
    "Name",
    "ExternalDataReference",
    "EmailAddress",
    "IPAddress",
    "Status",
    "StartDate",
    "EndDate",
    "Finished",
]


def _platforms(codebook_dir: Path) -> dict:
    return yaml.safe_load((codebook_dir / "survey_platforms.yaml").read_text(encoding="utf-8"))


def read_source(path: Path) -> tuple[list[str], list[str], list[str], list[dict]]:
    """(names, questions, import ids, responses as name -> cell) of the Qualtrics export."""
    records = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    names, questions, import_ids = records[:3]
    return names, questions, import_ids, [dict(zip(names, r, strict=True)) for r in records[3:]]


def _agreement(names: list[str]) -> list[str]:
    return [n for n in names if re.fullmatch(r"agree_\d+", n)]


def _code_of(codes: dict, value: str) -> str:
    """The numeric code of an answer label ('' when blank), matched as the reader matches."""
    if not value.strip():
        return ""
    for code, label in codes.items():
        if normalise_text(label) == normalise_text(value):
            return str(code)
    raise ValueError(f"no code for {value!r}")


def _stamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _submitted(responses: list[dict]) -> list[dict]:
    """Responses a platform without previews and unfinished exports would hold."""
    return [r for r in responses if r["Status"] != "Survey Preview" and r["Finished"] == "True"]


def _csv_bytes(rows: list[list]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def write_forms(source, platforms: dict, path: Path) -> Path:
    """A Microsoft Forms workbook: submitted responses, question text as headers."""
    from openpyxl import Workbook

    names, _questions, _ids, responses = source
    forms = platforms["platforms"]["forms"]
    questions = platforms["questions"]
    statements = platforms["agreement_statements"]
    agreement = _agreement(names)
    header = ["Id", "Start time", forms["end_date"], *forms["identifiers"]]
    header += [questions[item] for item in CATEGORY_SETS]
    header += [statements[item] for item in agreement] + [questions["comments"]]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    sheet.append(header)
    for number, response in enumerate(_submitted(responses), start=1):
        sheet.append(
            [
                number,
                _stamp(response["StartDate"]),
                _stamp(response["EndDate"]),
                f"practitioner{number:02d}@example.org",  # synthetic: never read
                f"Example Practitioner {number:02d}",
                *[response[item] for item in CATEGORY_SETS],
                *[response[item] for item in agreement],
                response["comments"],
            ]
        )
    path.write_bytes(
        workbook_bytes(workbook, WORKBOOK_TIME, document_dates=("created", "modified"))
    )
    return path


def write_jisc(source, platforms: dict, path: Path) -> Path:
    """A JISC Online Surveys CSV: numbered questions, the grid's statements as 4.i.a. columns."""
    names, _questions, _ids, responses = source
    questions = platforms["questions"]
    statements = platforms["agreement_statements"]
    agreement = _agreement(names)
    header = [
        "Response ID",
        "Started",
        "Completed",
        f"1. {questions['role']}",
        "1.a. If you selected Other, please specify:",
        f"2. {questions['heard_via']}",
        f"3. {questions['contact_frequency']}",
        f"4. {platforms['agreement_stem']}",
        *[f"4.{i}.a. {statements[item]}" for i, item in enumerate(agreement, start=1)],
        f"5. {questions['comments']}",
    ]
    rows = [header]
    kept = [r for r in responses if r["Status"] != "Survey Preview"]
    for number, response in enumerate(kept, start=1):
        finished = response["Finished"] == "True"
        rows.append(
            [
                f"{number:06d}",
                f"{_stamp(response['StartDate']):%d/%m/%Y %H:%M}",
                f"{_stamp(response['EndDate']):%d/%m/%Y %H:%M}" if finished else "",
                response["role"],
                response["role_5_TEXT"],
                response["heard_via"],
                response["contact_frequency"],
                "",
                *[response[item] for item in agreement],
                response["comments"],
            ]
        )
    path.write_bytes(_csv_bytes(rows))
    return path


def _choices(codes: dict) -> str:
    return " | ".join(f"{code}, {label}" for code, label in codes.items())


def write_redcap(source, platforms: dict, path: Path, dictionary: Path) -> tuple[Path, Path]:
    """A REDCap raw export (codes; the unfinished response an incomplete record) and its dictionary."""
    names, questions_row, _ids, responses = source
    codes = platforms["platforms"]["qualtrics"]["codes"]
    questions = platforms["questions"]
    statements = platforms["agreement_statements"]
    agreement = _agreement(names)
    columns = platforms["platforms"]["redcap"]["dictionary_columns"]
    dictionary_header = [
        columns["field"],
        columns["form"],
        "Section Header",
        columns["type"],
        columns["label"],
        columns["choices"],
        "Field Note",
        "Text Validation Type OR Show Slider Number",
        "Text Validation Min",
        "Text Validation Max",
        "Identifier?",
        "Branching Logic (Show field only if...)",
        "Required Field?",
        "Custom Alignment",
        "Question Number (surveys only)",
        "Matrix Group Name",
        "Matrix Ranking?",
        "Field Annotation",
    ]

    def field(name, kind, label, choices="", section="", matrix="", branching=""):
        row = [name, REDCAP_FORM, section, kind, label, choices, "", "", "", "", "", branching]
        return row + ["", "", "", matrix, "", ""]

    fields = [
        field("record_id", "text", "Record ID"),
        field("role", "radio", questions["role"], _choices(codes["practitioner_role"])),
        field("role_other", "text", "Please specify", branching="[role] = '5'"),
        field(
            "heard_via", "radio", questions["heard_via"], _choices(codes["practitioner_heard_via"])
        ),
        field(
            "contact_frequency",
            "radio",
            questions["contact_frequency"],
            _choices(codes["practitioner_contact_frequency"]),
        ),
        *[
            field(
                item,
                "radio",
                statements[item],
                _choices(codes[AGREEMENT_SET]),
                section=platforms["agreement_stem"] if item == agreement[0] else "",
                matrix="agreement",
            )
            for item in agreement
        ],
        field("comments", "notes", questions["comments"]),
    ]
    dictionary.write_bytes(_csv_bytes([dictionary_header, *fields]))

    header = [
        "record_id",
        "redcap_survey_identifier",
        f"{REDCAP_FORM}_timestamp",
        "role",
        "role_other",
        "heard_via",
        "contact_frequency",
        *agreement,
        "comments",
        f"{REDCAP_FORM}_complete",
    ]
    rows = [header]
    kept = [r for r in responses if r["Status"] != "Survey Preview"]
    for number, response in enumerate(kept, start=1):
        finished = response["Finished"] == "True"
        rows.append(
            [
                number,
                "",
                response["EndDate"] if finished else "[not completed]",
                *[_code_of(codes[CATEGORY_SETS["role"]], response["role"])],
                response["role_5_TEXT"],
                _code_of(codes[CATEGORY_SETS["heard_via"]], response["heard_via"]),
                _code_of(codes[CATEGORY_SETS["contact_frequency"]], response["contact_frequency"]),
                *[_code_of(codes[AGREEMENT_SET], response[item]) for item in agreement],
                response["comments"],
                2 if finished else 0,
            ]
        )
    path.write_bytes(_csv_bytes(rows))
    return path, dictionary


def _numeric(response: dict, codes: dict, names: list[str]) -> dict:
    """A response with its answers as Qualtrics numeric values."""
    out = dict(response)
    for item, value_set in CATEGORY_SETS.items():
        out[item] = _code_of(codes[value_set], response[item])
    for item in _agreement(names):
        out[item] = _code_of(codes[AGREEMENT_SET], response[item])
    out["Status"] = str(QUALTRICS_STATUS[response["Status"]])
    out["Finished"] = str(QUALTRICS_FINISHED[response["Finished"]])
    return out


def write_numeric(source, platforms: dict, path: Path) -> Path:
    """The Qualtrics export with numeric values (three header rows)."""
    names, questions, import_ids, responses = source
    codes = platforms["platforms"]["qualtrics"]["codes"]
    rows = [names, questions, import_ids]
    rows += [[_numeric(r, codes, names)[n] for n in names] for r in responses]
    path.write_bytes(b"\xef\xbb\xbf" + _csv_bytes(rows))
    return path


def write_legacy(source, platforms: dict, path: Path) -> Path:
    """The legacy exporter's two header rows: V1..V10 metadata, then the questions."""
    names, questions, _ids, responses = source
    answers = [n for n in names if n in CATEGORY_SETS or n in _agreement(names)]
    answers = [*answers[:1], "role_5_TEXT", *answers[1:], "comments"]
    row1 = [f"V{i}" for i in range(1, len(LEGACY_METADATA) + 1)] + answers
    row2 = LEGACY_METADATA + [questions[names.index(n)] for n in answers]
    rows = [row1, row2]
    for number, response in enumerate(responses, start=1):
        metadata = {
            "ResponseID": response["ResponseId"],
            "ResponseSet": "Default Response Set",
            "Name": "Anonymous",
            "ExternalDataReference": "",
            "EmailAddress": "",
            "IPAddress": f"192.0.2.{number}",  # documentation range: synthetic
            "Status": str(QUALTRICS_STATUS[response["Status"]]),
            "StartDate": response["StartDate"],
            "EndDate": response["EndDate"],
            "Finished": str(QUALTRICS_FINISHED[response["Finished"]]),
        }
        rows.append([metadata[n] for n in LEGACY_METADATA] + [response[n] for n in answers])
    path.write_bytes(_csv_bytes(rows))
    return path


def write_sav(source, platforms: dict, path: Path) -> Path:
    """A Qualtrics SPSS export: numeric codes with value labels, question text as labels."""
    import pandas as pd
    import pyreadstat

    names, questions, _ids, responses = source
    codes = platforms["platforms"]["qualtrics"]["codes"]
    keep = ["StartDate", "EndDate", "Status", "Progress", "Finished", "ResponseId"]
    keep += [*CATEGORY_SETS, *_agreement(names), "comments"]
    numeric = [_numeric(r, codes, names) for r in responses]
    frame = pd.DataFrame({name: [r[name] for r in numeric] for name in keep})
    for name in ("StartDate", "EndDate"):
        frame[name] = pd.to_datetime(frame[name])
    coded = ["Status", "Progress", "Finished", *CATEGORY_SETS, *_agreement(names)]
    for name in coded:
        frame[name] = pd.to_numeric(frame[name].replace("", None), errors="coerce")
    labels = {
        "Status": {float(code): label for label, code in QUALTRICS_STATUS.items()},
        "Finished": {float(code): label for label, code in QUALTRICS_FINISHED.items()},
        **{
            item: {float(c): label for c, label in codes[value_set].items()}
            for item, value_set in CATEGORY_SETS.items()
        },
        **{
            item: {float(c): label for c, label in codes[AGREEMENT_SET].items()}
            for item in _agreement(names)
        },
    }
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels=[questions[names.index(n)] for n in keep],
        variable_value_labels=labels,
        file_label="Practitioner survey (SYNTHETIC EXAMPLE DATA)",
    )
    _fix_sav_timestamp(path)
    return path


def generate(
    out_dir: str | Path, source: str | Path = SOURCE, codebook_dir: str | Path = CODEBOOK
) -> dict[str, Path]:
    """Write the wave in every platform's format into ``out_dir``; returns format -> path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    platforms = _platforms(Path(codebook_dir))
    read = read_source(Path(source))
    stem = Path(source).stem
    export, dictionary = write_redcap(
        read, platforms, out / f"{stem}_redcap.csv", out / f"{stem}_redcap_dictionary.csv"
    )
    return {
        "forms": write_forms(read, platforms, out / f"{stem}_forms.xlsx"),
        "jisc": write_jisc(read, platforms, out / f"{stem}_jisc.csv"),
        "redcap": export,
        "redcap_dictionary": dictionary,
        "legacy": write_legacy(read, platforms, out / f"{stem}_legacy.csv"),
        "numeric": write_numeric(read, platforms, out / f"{stem}_numeric.csv"),
        "spss": write_sav(read, platforms, out / f"{stem}.sav"),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--source", default=str(SOURCE), help="the Qualtrics export to convert")
    args = parser.parse_args(argv)
    for path in generate(args.out, args.source).values():
        print(path)


if __name__ == "__main__":
    main()
