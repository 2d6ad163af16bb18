"""The floor: import the pipeline's libraries and read every configured raw file once.

Run from a project folder: ``python benchmarks/floor.py [--config config.yaml]``. Prints
one JSON line with the number of files and rows read. The benchmark harness times it
as the least any run of the pipeline can cost (one interpreter, no Snakemake).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# The modules the pipeline's steps import (not only the packages): matplotlib's
# figure and Agg canvas, and scipy.special, cost more than `import matplotlib`
# or `import scipy`. Snakemake itself is left out: the floor is the work, not
# the workflow engine.
import jinja2  # noqa: F401  (imported to count its import time)
import matplotlib.backends.backend_agg  # noqa: F401
import matplotlib.figure  # noqa: F401
import pandas as pd
import pyarrow.parquet  # noqa: F401
import pypandoc  # noqa: F401
import pyreadstat
import python_calamine
import scipy.special  # noqa: F401
import yaml

LIBRARIES = [
    "pandas",
    "pyarrow.parquet",
    "python_calamine",
    "pyreadstat",
    "matplotlib.figure",
    "matplotlib.backends.backend_agg",
    "scipy.special",
    "jinja2",
    "pypandoc",
]


def configured_raw_files(config: dict) -> list[Path]:
    """Workbooks, survey waves and qualitative files named in the config (existing ones)."""
    paths = list(config.get("case_trackers", {}).values())
    for instrument in ("mothers", "practitioners"):
        paths += list(config.get("surveys", {}).get(instrument, {}).get("waves", {}).values())
    for key in ("themes", "participants", "coded_segments"):
        value = config.get("qualitative", {}).get(key)
        paths += list(value.values()) if isinstance(value, dict) else [value] if value else []
    if config.get("activity", {}).get("log"):
        paths.append(config["activity"]["log"])
    return sorted({Path(p) for p in paths if Path(p).exists()})


def read_rows(path: Path) -> int:
    """Read one raw file into pandas the cheapest sensible way; returns its data rows."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        rows = 0
        for name in workbook.sheet_names:
            values = workbook.get_sheet_by_name(name).to_python()
            rows += len(pd.DataFrame(values[1:], columns=None)) if values else 0
        return rows
    if suffix == ".sav":
        frame, _meta = pyreadstat.read_sav(str(path))
        return len(frame)
    if suffix == ".csv":
        return len(pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig"))
    raise ValueError(f"no reader for {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config.yaml")
    args = parser.parse_args(argv)
    config = yaml.safe_load(Path(args.config).read_text(encoding="utf-8"))
    files = configured_raw_files(config)
    rows = {str(path): read_rows(path) for path in files}
    json.dump({"libraries": LIBRARIES, "files": len(rows), "rows": sum(rows.values())}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
