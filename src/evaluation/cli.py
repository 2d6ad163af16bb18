"""The ``evaluation`` command: tools for the people who fill, add and check the data.

Subcommands: ``validate`` (check raw files, write nothing), ``proforma`` (a
blank case-tracker workbook with dropdowns), ``add-wave`` (check a survey
file and add it to config.yaml) and ``dictionary`` (the data dictionary).
Modules that need pandas or openpyxl are imported only inside the command
that uses them, so ``evaluation --help`` answers at once.

Exit codes: 0 done, 1 the data have errors, 2 a problem with the command or
config.yaml, 3 an unexpected problem in the program.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

OK, DATA_ERRORS, USAGE_ERROR, INTERNAL_ERROR = 0, 1, 2, 3

EXIT_CODES = """exit codes:
  0  done (warnings do not change this)
  1  the data have errors: the message names file, sheet, row and column
  2  a problem with the command or with config.yaml
  3  an unexpected problem in the program (run again with --debug for details)"""


#: Kinds of raw file `validate --kind` accepts (evaluation.validate.KINDS, kept light here).
FILE_KINDS = [
    "case_tracker",
    "mothers",
    "practitioners",
    "themes",
    "participants",
    "coded_segments",
    "participant_map",
    "integration",
    "activity",
]


class UsageProblem(Exception):
    """A problem with how the command was called (exit code 2)."""


def _wrap(*paragraphs: str) -> str:
    """Paragraphs wrapped for a terminal (the help formatter keeps them as given)."""
    import textwrap

    return "\n\n".join(textwrap.fill(" ".join(p.split()), width=78) for p in paragraphs)


def _print(text: str = "", *, err: bool = False) -> None:
    print(text, file=sys.stderr if err else sys.stdout)


# --------------------------------------------------------------------------- commands


def cmd_validate(args: argparse.Namespace) -> int:
    from evaluation.validate import validate_all

    summary = validate_all(
        args.config,
        args.files or None,
        kind=args.kind,
        prison=args.prison,
        wave_position=args.wave_position,
    )
    if args.findings_csv:
        from evaluation.core.tidy import write_csv

        write_csv(summary.to_frame(), args.findings_csv)
    _print(summary.render(max_warnings=None if args.all_warnings else args.max_warnings))
    if args.findings_csv:
        _print(f"Every finding was written to {args.findings_csv}.")
    return OK if summary.ok else DATA_ERRORS


def _config_yaml(config: str) -> dict | None:
    """The config file's keys as written (None when there is no such file)."""
    from evaluation.core.config import load_config_file

    path = Path(config)
    if not path.is_file():
        return None
    return load_config_file(path)


def _date_range(config: str) -> tuple[str, str]:
    """valid_date_range of the config when it exists, else the default."""
    from evaluation.core.config import ConfigError, parse_iso_date

    raw = _config_yaml(config) or {}
    value = raw.get("valid_date_range", ["2015-01-01", "2030-12-31"])
    if not isinstance(value, list) or len(value) != 2:
        raise ConfigError("config key 'valid_date_range' must be two dates: [first, last]")
    low, high = (parse_iso_date(v, "valid_date_range") for v in value)
    if low >= high:
        raise ConfigError("config key 'valid_date_range': the first date must be before the second")
    return (low.isoformat(), high.isoformat())


def cmd_proforma(args: argparse.Namespace) -> int:
    from evaluation.proforma import write_proforma

    out = Path(args.output)
    if out.suffix.lower() != ".xlsx":
        raise UsageProblem(f"the output file '{out}' must end in .xlsx")
    if out.exists() and not args.force:
        raise UsageProblem(
            f"'{out}' already exists; it may be a filled-in tracker, so it was not replaced. "
            "Choose another name, or add --force to overwrite it"
        )
    if args.rows < 1:
        raise UsageProblem("--rows must be at least 1")
    write_proforma(out, args.prison, rows=args.rows, valid_date_range=_date_range(args.config))
    _print(f"Wrote a blank case tracker for {args.prison} to {out}.")
    _print(
        "Each column has a dropdown or a check and a note explaining it (select a cell to see it)."
    )
    _print("To include it in the pipeline, add this line under 'case_trackers:' in config.yaml:")
    _print(f"  {args.prison}: {out.as_posix()}")
    _print("Check it any time with: evaluation validate " + out.as_posix())
    return OK


def cmd_add_wave(args: argparse.Namespace) -> int:
    from evaluation.add_wave import add_wave
    from evaluation.core.findings import DataValidationError

    try:
        result = add_wave(args.instrument, args.label, args.path, args.config, dry_run=args.dry_run)
    except DataValidationError as exc:
        _print(str(exc))
        _print(f"\n{args.config} was not changed. Fix the file and run the command again.")
        return DATA_ERRORS
    _print(f"Checked {args.path}: {result.rows_read} rows read, no errors.")
    for finding in result.warnings:
        _print("  " + finding.render())
    where = f"'surveys: {result.instrument}: waves' in {result.config_file}"
    if result.written:
        _print(f"Added '{result.line}' at the end of {where}.")
        _print("Run the pipeline (snakemake --cores 2) to include the new wave.")
    else:
        _print(f"Dry run: would add '{result.line}' at the end of {where}.")
    return OK


def cmd_dictionary(args: argparse.Namespace) -> int:
    from evaluation.core.config import ConfigError
    from evaluation.dictionary import write_dictionary

    overrides = (_config_yaml(args.config) or {}).get("bands") or None
    out = Path(args.out_dir)
    try:
        md, html = write_dictionary(
            out / f"{args.name}.md", out / f"{args.name}.html", band_overrides=overrides
        )
    except (ValueError, KeyError) as exc:
        if overrides is None:
            raise
        raise ConfigError(f"config key 'bands' cannot be used: {exc}") from None
    _print(f"Wrote the data dictionary to {md.as_posix()} and {html.as_posix()}.")
    return OK


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one subparser per command."""
    from evaluation import __version__

    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="evaluation",
        description=_wrap(
            "Tools for the evaluation pipeline: check raw files, make blank case-tracker "
            "workbooks, add survey waves and write the data dictionary.",
            "Run the pipeline itself with: snakemake --cores 2",
        ),
        epilog=EXIT_CODES + "\n\nHelp on one command: evaluation COMMAND --help",
        formatter_class=formatter,
    )
    parser.add_argument("--version", action="version", version=f"evaluation {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the full technical details of a crash"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    validate = commands.add_parser(
        "validate",
        help="check raw files against the data contract (writes nothing)",
        description=_wrap(
            "Run every check the pipeline runs on the raw files listed in config.yaml, or on "
            "the files given, without building anything. Prints rows read, errors and warnings "
            "per file; errors name the file, sheet, row and column. Run it on a new export "
            "before running the pipeline."
        ),
        epilog=(
            "examples:\n"
            "  evaluation validate\n"
            "  evaluation validate data/raw/case_tracker/send.xlsx\n"
            "  evaluation validate new_export.csv --kind practitioners\n\n" + EXIT_CODES
        ),
        formatter_class=formatter,
    )
    validate.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="files to check instead of every configured file (a file listed in config.yaml "
        "keeps its role there; another file's kind is recognised from its sheets or columns)",
    )
    validate.add_argument(
        "--config", default="config.yaml", help="config file (default: %(default)s)"
    )
    validate.add_argument(
        "--kind",
        choices=FILE_KINDS,
        metavar="KIND",
        help="what the given files are, when it cannot be recognised: " + ", ".join(FILE_KINDS),
    )
    validate.add_argument("--prison", help="prison name for a case tracker not in config.yaml")
    validate.add_argument(
        "--wave-position",
        type=int,
        metavar="N",
        help="for a mothers' questionnaire not in config.yaml: which wave it is (1 = first; "
        "default: the wave after the configured ones)",
    )
    validate.add_argument(
        "--max-warnings",
        type=int,
        default=10,
        metavar="N",
        help="warnings listed in full (default: %(default)s)",
    )
    validate.add_argument("--all-warnings", action="store_true", help="list every warning")
    validate.add_argument(
        "--findings-csv",
        metavar="PATH",
        help="also write every finding to this CSV (the data-quality log's columns)",
    )
    validate.set_defaults(handler=cmd_validate)

    proforma = commands.add_parser(
        "proforma",
        help="write a blank case-tracker workbook with dropdowns",
        description=_wrap(
            "Write a blank case-tracker workbook for one prison: the data contract's sheets "
            "with the codebook's column names as headers, a dropdown "
            "for every category column, date and whole-number checks, and a note on each "
            "column explaining what to enter. A filled-in workbook passes `evaluation "
            "validate`."
        ),
        epilog="example:\n  evaluation proforma --prison 'Prison C' prison_c.xlsx\n\n" + EXIT_CODES,
        formatter_class=formatter,
    )
    proforma.add_argument("output", metavar="OUT.xlsx", help="the workbook to write")
    proforma.add_argument("--prison", required=True, help="the prison's display name")
    proforma.add_argument(
        "--rows", type=int, default=500, help="data rows with checks (default: %(default)s)"
    )
    proforma.add_argument(
        "--config",
        default="config.yaml",
        help="config whose valid_date_range the date checks use (default: %(default)s)",
    )
    proforma.add_argument("--force", action="store_true", help="overwrite an existing file")
    proforma.set_defaults(handler=cmd_proforma)

    add_wave = commands.add_parser(
        "add-wave",
        help="check a survey file and add it as a new wave in config.yaml",
        description=_wrap(
            "Check a new wave's file with the survey reader and, when it has no errors, add "
            "'LABEL: PATH' at the end of 'surveys: INSTRUMENT: waves' in config.yaml. "
            "Comments and the order of config.yaml are kept. A label already in use is refused."
        ),
        epilog=(
            "example:\n  evaluation add-wave mothers T3 data/raw/surveys/mothers_T3.sav\n\n"
            + EXIT_CODES
        ),
        formatter_class=formatter,
    )
    add_wave.add_argument(
        "instrument", choices=["mothers", "practitioners"], help="which survey the wave belongs to"
    )
    add_wave.add_argument("label", help="the wave's label, e.g. T3 or Y2")
    add_wave.add_argument("path", help="the wave's .sav or .csv file")
    add_wave.add_argument(
        "--config", default="config.yaml", help="config file (default: %(default)s)"
    )
    add_wave.add_argument(
        "--dry-run", action="store_true", help="check the file and show the line, change nothing"
    )
    add_wave.set_defaults(handler=cmd_add_wave)

    dictionary = commands.add_parser(
        "dictionary",
        help="write the data dictionary (Markdown and HTML) from the codebook",
        description=_wrap(
            "Write the data dictionary of every codebook file: case-tracker sheets and columns, "
            "value sets with accepted variants, bands and derivations, survey variables and "
            "scales, qualitative files, tables and figures."
        ),
        epilog="example:\n  evaluation dictionary --out-dir docs\n\n" + EXIT_CODES,
        formatter_class=formatter,
    )
    dictionary.add_argument(
        "--out-dir", default="report/build", help="folder to write to (default: %(default)s)"
    )
    dictionary.add_argument(
        "--name",
        default="data_dictionary",
        help="file name without extension (default: %(default)s)",
    )
    dictionary.add_argument(
        "--config",
        default="config.yaml",
        help="config whose band overrides are shown, when it exists (default: %(default)s)",
    )
    dictionary.set_defaults(handler=cmd_dictionary)

    explain = commands.add_parser(
        "explain",
        help="list the records behind one published cell or key fact (restricted output)",
        description=_wrap(
            "For one cell of a published table (TABLE ROW COLUMN) or one key fact (--fact "
            "NAME [COLUMN]) of the current run: the records it counts, each with its id and "
            "where it came from (file, sheet, row), the derivation applied, and the numerator "
            "and denominator. It reads data/processed/ and publishes nothing: its output names "
            "cases and is for people with access to the raw data."
        ),
        epilog=(
            "examples:\n  evaluation explain known_to_social_services Yes Send\n"
            "  evaluation explain mothers_views_css 'Strongly agree or agree' T1 "
            "--item willing_engage_css\n  evaluation explain mothers_ratings involvement_rating T1"
            "   (ROW = the item)\n  evaluation explain --fact two_plus_children Send\n\n"
            + EXIT_CODES
        ),
        formatter_class=formatter,
    )
    explain.add_argument("cell", nargs="*", help="TABLE ROW COLUMN (or, with --fact, [COLUMN])")
    explain.add_argument("--fact", help="a key fact's name instead of a table cell")
    explain.add_argument("--item", default="", help="the item of a stacked (survey) table")
    explain.add_argument("--study", default=".", help="the study folder (default: %(default)s)")
    explain.add_argument("--csv", help="also write the records to this CSV (not under report/)")
    explain.set_defaults(handler=cmd_explain)

    new_study = commands.add_parser(
        "new-study",
        help="write a starting folder for a study of your own",
        description=_wrap(
            "Write a study folder that runs as it is, on six invented records: config.yaml, "
            "codebook/ (one register file, one table, one fact), data/raw/ and a one-page "
            "report template. Replace them with your own, following the README's "
            "'Your own study'."
        ),
        epilog=(
            "example:\n  evaluation new-study ../my-study\n"
            "  snakemake --cores 2 --directory ../my-study\n\n" + EXIT_CODES
        ),
        formatter_class=formatter,
    )
    new_study.add_argument("folder", help="a new or empty folder")
    new_study.set_defaults(handler=cmd_new_study)
    _add_compare_commands(commands, formatter)
    return parser


def cmd_explain(args) -> int:
    """evaluation explain: the records behind a cell or a key fact."""
    from evaluation.core import codebook
    from evaluation.core.config import validate_config
    from evaluation.explain import TOTAL, CannotExplain, explain_cell, explain_fact, write_csv

    study = Path(args.study)
    config = study / "config.yaml"
    if config.exists():  # the study's codebook, as its run read it
        import yaml

        settings = validate_config(yaml.safe_load(config.read_text(encoding="utf-8")) or {})
        codebook.use_codebook(study / settings.get("codebook", "codebook"))
    try:
        if args.fact:
            if len(args.cell) > 1:
                raise UsageProblem("with --fact give at most a COLUMN")
            explanation = explain_fact(study, args.fact, args.cell[0] if args.cell else TOTAL)
        else:
            if len(args.cell) != 3:
                raise UsageProblem("give TABLE ROW COLUMN (quote labels with spaces)")
            explanation = explain_cell(study, *args.cell, item=args.item)
        if args.csv:
            write_csv(explanation, args.csv)
    except CannotExplain as exc:
        raise UsageProblem(str(exc)) from None
    _print(explanation.text())
    return 0


def cmd_new_study(args) -> int:
    """evaluation new-study: copy the starter study into a new folder."""
    from evaluation.new_study import FolderNotEmpty, write_new_study

    try:
        written = write_new_study(args.folder)
    except FolderNotEmpty as exc:
        raise UsageProblem(str(exc)) from None
    _print(f"Wrote a starting study to {args.folder} ({len(written)} files). Run it with:")
    _print(f"  snakemake --cores 2 --directory {args.folder}   (from the engine's folder)")
    _print("then replace its data, codebook and report template (README: 'Your own study').")
    return 0


# --------------------------------------------------------------------------- diff and baseline

DIFF_EXIT_CODES = """exit codes:
  0  no differences
  1  the runs differ (tables, key facts, cut-off, data version or records)
  2  a problem with the command: a folder that is not a run, an output path refused
  3  an unexpected problem in the program (run again with --debug for details)"""


def cmd_diff(args: argparse.Namespace) -> int:
    """evaluation diff A B: compare two runs cell by cell; 0 when equal, 1 when they differ."""
    from evaluation.compare import RunError, check_output_path, compare_runs, open_run

    if args.tolerance < 0:
        raise UsageProblem("--tolerance must be 0 or more")
    try:
        run_a, run_b = open_run(args.a, "A"), open_run(args.b, "B")
        target = check_output_path(args.html, run_a, run_b) if args.html else None
    except RunError as exc:
        raise UsageProblem(str(exc)) from None
    comparison = compare_runs(run_a, run_b, args.tolerance, records=not args.no_records)
    from evaluation.compare import render_html, render_text

    sys.stdout.write(render_text(comparison))
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_html(comparison), encoding="utf-8")
        _print(f"Wrote the comparison to {args.html}.", err=True)
    return DATA_ERRORS if comparison.differs else OK


def cmd_baseline(args: argparse.Namespace) -> int:
    """evaluation baseline NAME: keep the study's published tables and manifest for later."""
    from evaluation.compare import RunError, save_baseline

    try:
        saved = save_baseline(args.study, args.name, force=args.force)
    except RunError as exc:
        raise UsageProblem(str(exc)) from None
    for note in saved.notes:
        _print(f"Note: {note}", err=True)
    _print(
        f"Saved baseline '{args.name}' to {saved.folder.as_posix()}: {len(saved.tables)} "
        f"published tables and the manifest (cut-off {saved.cutoff or 'unknown'}, data version "
        f"{saved.data_version or 'unknown'})."
    )
    _print(f"Compare a later run with it: evaluation diff {saved.folder.as_posix()} {args.study}")
    return OK


def _add_compare_commands(commands, formatter) -> None:
    """The diff and baseline subcommands (evaluation.compare)."""
    diff = commands.add_parser(
        "diff",
        help="compare two runs cell by cell (exit 0 when equal, 1 when they differ)",
        description=_wrap(
            "Compare run A (the earlier) with run B: every published table and key fact, cell "
            "by cell (added and removed tables, rows and cells; changed cells with the old "
            "and new value and the difference; suppressed cells shown as suppressed), and the "
            "two manifests' cut-off dates and data versions. A run is a study folder after "
            "snakemake, a saved baseline folder (report/baselines/NAME) or, from a study's "
            "folder, a baseline's name.",
            "When both are study folders with processed data, it also lists the case ids "
            "that moved into or out of the run and the ledger's changes: that part is for "
            "people with access to the raw data only (leave it out with --no-records).",
            "It writes nothing into either run; --html writes a small self-contained page, "
            "refused inside the runs' report/ and figures/ folders.",
        ),
        epilog=(
            "examples:\n"
            "  evaluation diff report/baselines/interim .\n"
            "  evaluation diff interim . --html /tmp/diff.html\n"
            "  evaluation diff ../run-2022 ../run-2023 --tolerance 0.05\n\n" + DIFF_EXIT_CODES
        ),
        formatter_class=formatter,
    )
    diff.add_argument("a", metavar="A", help="the earlier run: study folder or saved baseline")
    diff.add_argument("b", metavar="B", help="the later run: study folder or saved baseline")
    diff.add_argument(
        "--html", metavar="OUT.html", help="also write the comparison as a self-contained page"
    )
    diff.add_argument(
        "--tolerance",
        type=float,
        default=0.0,
        metavar="X",
        help="ignore numeric differences of at most X (default: %(default)s)",
    )
    diff.add_argument(
        "--no-records",
        action="store_true",
        help="leave out the record-level part (case ids), e.g. to share the comparison",
    )
    diff.set_defaults(handler=cmd_diff)

    baseline = commands.add_parser(
        "baseline",
        help="keep the study's published tables and manifest for later comparison",
        description=_wrap(
            "Copy the study's current published tables (report/tables/*.csv, key facts "
            "included) and its manifest (report/build/manifest.json) into "
            "report/baselines/NAME/, to compare later runs with (evaluation diff). An "
            "existing baseline is not replaced unless --force is given."
        ),
        epilog=(
            "examples:\n"
            "  snakemake --cores 2 --config cutoff_date=2022-05-31 && "
            "evaluation baseline interim\n"
            "  evaluation baseline final-2023 --study ../my-study\n\n" + EXIT_CODES
        ),
        formatter_class=formatter,
    )
    baseline.add_argument("name", metavar="NAME", help="the baseline's name, e.g. interim")
    baseline.add_argument(
        "--study", default=".", help="the study folder after a run (default: the current folder)"
    )
    baseline.add_argument(
        "--force", action="store_true", help="replace an existing baseline of that name"
    )
    baseline.set_defaults(handler=cmd_baseline)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``evaluation`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return USAGE_ERROR
    from evaluation.core.config import ConfigError

    try:
        return args.handler(args)
    except (UsageProblem, ConfigError) as exc:
        _print(f"evaluation {args.command}: {exc}", err=True)
        return USAGE_ERROR
    except KeyboardInterrupt:
        _print("Stopped.", err=True)
        return INTERNAL_ERROR
    except Exception as exc:
        if args.debug:
            raise
        _print(
            f"evaluation {args.command}: unexpected problem ({type(exc).__name__}: {exc}). "
            "This is a fault in the program, not necessarily in your data; run the command "
            "again with 'evaluation --debug ...' and report what it shows.",
            err=True,
        )
        return INTERNAL_ERROR


if __name__ == "__main__":
    sys.exit(main())
