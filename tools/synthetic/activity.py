"""Synthetic activity diary of the two prison social workers (invented).

SW1 works at Eastwood Park and SW2 at Send from April 2021 to January 2024
(the January 2024 entries fall after the default cut-off). Case ids come from
the example trackers (EP-001..EP-048, SE-001..SE-046, numbered in order of
first contact); a case appears in the diary only while it is plausibly open.
The file looks like a real export: label variants, stray spaces, some dates
typed as text or left as serial numbers.

At ``--scale N`` each copy of the caseload has its own two workers (SW3 and
SW4 for the second copy, and so on), so no worker logs more than a working
day. The diary is one sheet (the data contract), and a sheet holds at most
1,048,576 rows: copies are added while they fit, so above about x450 the diary
covers the workers of the first copies only (the generator prints how many).

Run: ``python -m tools.synthetic.activity --out data/raw/activity [--scale N]``
from the repository root.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import numpy as np
from openpyxl import Workbook

from evaluation.core.xlsx import workbook_bytes
from tools.synthetic import targets

SEED = 4242
CREATOR = "evaluation synthetic generator"
FIXED_TIME = dt.datetime(2024, 1, 1, 0, 0, 0)
START, END = dt.date(2021, 4, 1), dt.date(2024, 1, 31)
INTERIM_CUT, FINAL_CUT = targets.cut("interim"), targets.cut("final")
#: rows an Excel sheet can hold below its header row
EXCEL_DATA_ROWS = 1_048_576 - 1

_INTERIM, _FINAL = targets.mothers("interim"), targets.mothers("final")
# prison, worker, case prefix, cases in total, cases by the interim cut, typed prison variants
WORKERS = [
    (
        "Eastwood Park",
        "SW1",
        "EP",
        _FINAL["Eastwood Park"],
        _INTERIM["Eastwood Park"],
        ["Eastwood Park", "Eastwood Park", "eastwood park", "Eastwood Park "],
    ),
    ("Send", "SW2", "SE", _FINAL["Send"], _INTERIM["Send"], ["Send", "Send", "SEND", " Send"]),
]
# activity as typed (variants the codebook accepts), weight, minutes range, linked to a case?
ACTIVITIES = [
    (["Meeting attended", "Meetings", "meeting attended"], 14, (30, 150), 0.9),
    (["Family court hearing", "Family court"], 3, (60, 420), 1.0),
    (["Contact facilitated", "contact facilitated"], 9, (20, 120), 1.0),
    (["Letter or photo exchange", "Letters/photos"], 8, (10, 45), 1.0),
    (["Parenting or risk assessment", "Parenting assessment"], 3, (60, 240), 1.0),
    (["Liaison with children's social worker", "Liaison with CSW"], 16, (10, 60), 1.0),
    (["Liaison with carer or family", "Carer liaison"], 9, (10, 60), 1.0),
    (["Training delivered", "Training"], 1, (60, 180), 0.0),
    (["Direct work with mother", "direct work", "Direct work with mother "], 18, (20, 120), 1.0),
    (["Release planning"], 5, (30, 120), 1.0),
    (["Other", "admin"], 4, (15, 90), 0.2),
]


def _case_starts(total: int, interim: int) -> list[dt.date]:
    """Approximate first-contact day of each case (cases are numbered in order of first contact)."""
    starts = []
    for i in range(total):
        if i < interim:
            span, base, k, n = (INTERIM_CUT - START).days, START, i, interim
        else:
            span, base, k, n = (
                (FINAL_CUT - INTERIM_CUT).days - 30,
                INTERIM_CUT + dt.timedelta(1),
                i - interim,
                total - interim,
            )
        starts.append(base + dt.timedelta(days=int(span * k / max(1, n))))
    return starts


def _weekdays(start: dt.date, end: dt.date) -> list[dt.date]:
    days = (end - start).days + 1
    return [d for d in (start + dt.timedelta(i) for i in range(days)) if d.weekday() < 5]


def build_rows(scale: int = 1) -> list[list]:
    """Diary rows [worker, prison, date, case_id, activity, minutes] in a realistic, messy form."""
    rng = np.random.default_rng(SEED)
    weights = np.array([a[1] for a in ACTIVITIES], dtype=float)
    rows: list[list] = []
    for copy in range(1, scale + 1):
        suffix = "" if copy == 1 else f"-{copy:04d}"
        copy_rows = _copy_rows(rng, weights, copy, suffix)
        if len(rows) + len(copy_rows) > EXCEL_DATA_ROWS:
            break
        rows.extend(copy_rows)
    return rows


def _copy_rows(rng, weights, copy: int, suffix: str) -> list[list]:
    """One copy of both workers' diaries; copy 1 is the example data's SW1 and SW2."""
    rows: list[list] = []
    for number, (_prison, worker, prefix, total, interim, prison_forms) in enumerate(WORKERS):
        if copy > 1:
            worker = f"SW{(copy - 1) * len(WORKERS) + number + 1}"
        starts = _case_starts(total, interim)
        lengths = [int(rng.integers(150, 540)) for _ in starts]
        for day in _weekdays(START, END):
            if rng.random() > 0.62:
                continue
            open_cases = [
                i for i, s in enumerate(starts) if s <= day <= s + dt.timedelta(lengths[i])
            ]
            for _ in range(int(rng.integers(1, 5))):
                forms, _, (low, high), linked = ACTIVITIES[
                    int(rng.choice(len(ACTIVITIES), p=weights / weights.sum()))
                ]
                case_id = None
                if open_cases and rng.random() < linked:
                    case_id = (
                        f"{prefix}-{open_cases[int(rng.integers(len(open_cases)))] + 1:03d}{suffix}"
                    )
                minutes = int(rng.integers(low // 5, high // 5 + 1)) * 5
                rows.append(
                    [
                        worker if rng.random() > 0.03 else worker.lower(),
                        prison_forms[int(rng.integers(len(prison_forms)))],
                        _typed_date(day, rng),
                        case_id if case_id is None or rng.random() > 0.05 else f" {case_id} ",
                        forms[int(rng.integers(len(forms)))],
                        minutes if rng.random() > 0.02 else str(minutes),
                    ]
                )
    return rows


def _typed_date(day: dt.date, rng) -> object:
    roll = rng.random()
    if roll < 0.9:
        return dt.datetime(day.year, day.month, day.day)
    if roll < 0.95:
        return day.strftime("%d/%m/%Y")
    if roll < 0.98:
        return f"{day.day}.{day.month}.{day.strftime('%y')}"
    return (day - dt.date(1899, 12, 30)).days  # a serial number left unformatted


def write_log(rows: list[list], path: str | Path) -> Path:
    """Write the Log sheet to .xlsx with fixed document properties and zip timestamps."""
    path = Path(path)
    workbook = Workbook(write_only=True)
    workbook.properties.creator = CREATOR
    workbook.properties.lastModifiedBy = CREATOR
    workbook.properties.created = FIXED_TIME
    sheet = workbook.create_sheet(title="Log")
    sheet.append(["worker", "prison", "date", "case_id", "activity", "minutes"])
    for row in rows:
        sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(workbook_bytes(workbook, FIXED_TIME))
    return path


def generate(out: str | Path, scale: int = 1) -> Path:
    """Write ``<out>/activity_log.xlsx`` (deterministic for a given scale)."""
    rows = build_rows(scale)
    workers = len({str(row[0]).upper() for row in rows})
    if workers < scale * len(WORKERS):
        print(
            f"activity diary: {len(rows):,} rows, the diaries of {workers} of "
            f"{scale * len(WORKERS)} workers (one sheet holds {EXCEL_DATA_ROWS:,} rows)"
        )
    return write_log(rows, Path(out) / "activity_log.xlsx")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="data/raw/activity")
    parser.add_argument("--scale", type=int, default=1, help="copies of the caseload (benchmarks)")
    args = parser.parse_args(argv)
    generate(args.out, args.scale)


if __name__ == "__main__":
    main()
