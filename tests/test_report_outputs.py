"""The rendered report: every table number agrees with the CSV files, Word and HTML are usable.

Runs on the session's full workflow run (``final_run`` in conftest). Rendering
checks that need Chromium or LibreOffice skip, with the reason, where those
programs are absent; CI installs both.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import docx
import pytest
from workflow import libreoffice_convert

from evaluation.core import codebook
from evaluation.core import formatting as fmt
from evaluation.core.tidy import read_csv
from evaluation.report.inert import unescape

#: Chromium without a screen, a sandbox, updates or background traffic.
HEADLESS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
CAPTION = re.compile(r"^Table: Table (\d+): (.*?) \{#tbl-(\w+)\}$")


def markdown_tables(markdown: str) -> dict[str, list[list[str]]]:
    """table id -> rows of cells, for every numbered table in the report's Markdown."""
    tables, block = {}, []
    for line in markdown.splitlines():
        if line.startswith("|"):
            block.append(
                # cells as a reader sees them: the escapes of data text taken out
                [unescape(c.strip()) for c in line.strip().strip("|").split(" | ")]
            )
            continue
        match = CAPTION.match(line.strip())
        if match:
            tables[match.group(3)] = block
            block = []
        elif line.strip():
            block = []
    return tables


@pytest.fixture(scope="module")
def report_md(final_run):
    return (final_run / "report/build/report.md").read_text(encoding="utf-8")


def reader_labels(run) -> dict[str, set[str]]:
    """Item id -> the texts the report may show for it (statement, short label, export question)."""
    labels: dict[str, set[str]] = {}
    statements = read_csv(run / "report/tables/practitioner_statements.csv")
    for source in (
        codebook.item_labels(),
        codebook.item_labels("short"),
        dict(zip(statements["item"], statements["statement"], strict=True)),
    ):
        for item, text in source.items():
            labels.setdefault(item, set()).add(plain(text))
    return labels


def test_every_count_in_the_report_agrees_with_its_csv(final_run, report_md):
    tables = markdown_tables(report_md)
    shown_as = reader_labels(final_run)
    checked = 0
    for table_id, rows in tables.items():
        csv = read_csv(final_run / "report/tables" / f"{table_id}.csv")
        if "n" not in csv.columns or "denominator" not in csv.columns:
            continue
        header = rows[0]
        stacked = header[0] == "Item"
        columns = [re.sub(r" \(n=[\d,]+\)$", "", h) for h in header[(2 if stacked else 1) :]]
        item = None
        for cells in rows[2:]:
            key = cells[: 2 if stacked else 1]
            if stacked:  # an item's label heads its rows once
                item = plain(key[0]) or item
            for column, text in zip(columns, cells[len(key) :], strict=True):
                shown = csv["row"].map(
                    lambda row, key=key: (
                        key[-1] in (row, f"{row} (") or key[-1].startswith(f"{row} (")
                    )
                )
                match = csv[shown & (csv["column"] == column)]
                if stacked:
                    match = match[[item in shown_as.get(i, ()) for i in match["item"]]]
                assert len(match) == 1, (table_id, key, column)
                n, base = match["n"].iloc[0], match["denominator"].iloc[0]
                expected = (
                    fmt.count(n) if base != base else fmt.count_pct(n, base)
                )  # NaN base: count only
                assert text == expected, (table_id, key, column, text, expected)
                checked += 1
    assert len(tables) >= 20 and checked > 500


def test_key_facts_in_the_prose_come_from_key_facts_csv(final_run, report_md):
    facts = read_csv(final_run / "report/tables/key_facts.csv").set_index(["fact", "column"])
    two_plus = facts.loc[("two_plus_children", "Total")]
    assert f"{fmt.count_pct(two_plus['n'], two_plus['denominator'])} had two or more" in report_md
    authorities = fmt.count(facts.loc[("local_authorities", "Total"), "n"])
    assert f"from {authorities} local authorities" in report_md


def headings_glued_to_text(markdown: str) -> list[str]:
    """Heading lines with text right above them: pandoc reads those as part of the paragraph."""
    lines = markdown.splitlines()
    return [
        line
        for above, line in zip(lines, lines[1:], strict=False)
        if re.match(r"^#{1,6} ", line) and above.strip()
    ]


def test_every_heading_of_both_reports_stands_on_its_own(report_md, second_study_run):
    """A section that ends without a blank line swallowed the next heading into its paragraph."""
    assert headings_glued_to_text("Text.\n# Heading\n") == ["# Heading"]
    second = (second_study_run / "report/build/report.md").read_text(encoding="utf-8")
    for markdown in (report_md, second):
        assert not headings_glued_to_text(markdown)


def test_no_unresolved_references_or_missing_images(final_run, report_md):
    html = (final_run / "report/build/report.html").read_text(encoding="utf-8")
    for text in (report_md, html):
        assert "{{" not in text and "{%" not in text and "Table ?" not in text
    images = re.findall(r'<img[^>]+src="([^"]+)"', html)
    assert images and all(src.startswith("data:image/png;base64,") for src in images)
    figures_in_md = re.findall(r"!\[Figure \d+: [^\]]+\]\(([^)]+)\)", report_md)
    assert len(images) == len(figures_in_md) >= 13
    assert all((final_run / path).exists() for path in figures_in_md)
    assert html.count("SYNTHETIC EXAMPLE DATA") >= 1 and 'class="synthetic-banner"' in html


def test_word_document_has_real_tables_captions_and_the_marking(final_run, report_md):
    document = docx.Document(str(final_run / "report/build/report.docx"))
    md_tables = markdown_tables(report_md)
    # numbered tables plus the title-page table and the appendix tables
    assert len(document.tables) >= len(md_tables) + 1
    captions = [p.text for p in document.paragraphs if p.style.name == "Table Caption"]
    assert "Table 1: Age of mothers at referral" in captions
    header_text = " ".join(p.text for p in document.sections[0].header.paragraphs)
    assert "SYNTHETIC EXAMPLE DATA" in header_text
    # a known cell: the age table's Total column, first row, is the same as in the Markdown
    age = next(
        t
        for t in document.tables
        if t.rows[0].cells[0].text == "Category" and t.rows[1].cells[0].text == "18-24"
    )
    assert age.rows[1].cells[-1].text == md_tables["age_group"][2][-1]
    import zipfile

    xml = zipfile.ZipFile(final_run / "report/build/report.docx").read("word/document.xml").decode()
    alt_texts = re.findall(r'<wp:docPr descr="([^"]*)"', xml)
    expected = codebook.all_figure_specs()["fig_age_group"]["alt"].split(".")[0]
    assert alt_texts and any(alt.startswith(expected) for alt in alt_texts)  # alt text, not caption


def test_html_renders_in_headless_chromium(final_run, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Chromium is not installed (CI installs Debian's chromium package)")
    shot = tmp_path / "report.png"
    result = subprocess.run(
        [
            browser,
            *HEADLESS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--window-size=1200,3000",
            f"--screenshot={shot}",
            (final_run / "report/build/report.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shot.exists() and shot.stat().st_size > 20_000, result.stderr[-2000:]
    console_errors = [
        line for line in result.stderr.splitlines() if "CONSOLE" in line and "ERROR" in line
    ]
    assert not console_errors, console_errors


#: A page of two frames, one per screen width, that reports each frame's widths.
WIDTH_PROBE = """<!doctype html><html><body style="margin:0">
{frames}
<script>
let loaded = 0;
const frames = document.querySelectorAll("iframe");
function measure() {{
  if (++loaded < frames.length) return;
  document.body.setAttribute("data-widths", Array.from(frames, (f) => {{
    const page = f.contentDocument.documentElement;
    return f.width + ":" + page.scrollWidth + ":" + page.clientWidth;
  }}).join(" "));
}}
frames.forEach((f) => f.addEventListener("load", measure));
</script></body></html>"""


def page_widths(browser: str, html_path, tmp_path, widths=(1280, 390)) -> dict[int, tuple]:
    """Screen width -> (the page's scroll width, its visible width), as Chromium lays it out.

    Each width is an iframe of that size (a headless window is never narrower
    than about 500 px). The copy drops the page's content-security policy,
    which forbids scripts, so that the probe may measure it.
    """
    page = re.sub(
        r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html_path.read_text("utf-8")
    )
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    frames = "\n".join(
        f'<iframe src="page.html" width="{w}" height="900" style="border:0"></iframe>'
        for w in widths
    )
    (tmp_path / "probe.html").write_text(WIDTH_PROBE.format(frames=frames), encoding="utf-8")
    result = subprocess.run(
        [
            browser,
            *HEADLESS,
            "--allow-file-access-from-files",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1800,900",
            "--virtual-time-budget=10000",
            "--dump-dom",
            (tmp_path / "probe.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = re.search(r'data-widths="([^"]*)"', result.stdout)
    assert found, result.stderr[-2000:]
    measured = [part.split(":") for part in found.group(1).split()]
    return {int(w): (int(scroll), int(visible)) for w, scroll, visible in measured}


def test_html_never_scrolls_sideways_at_desktop_or_phone_width(final_run, tmp_path):
    """At 1280 px and 390 px the page fits its width; wide tables scroll in their own box."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Chromium is not installed (CI installs Debian's chromium package)")
    html_path = final_run / "report/build/report.html"
    widths = page_widths(browser, html_path, tmp_path)
    for width, (scroll, visible) in widths.items():
        assert visible <= width and scroll <= visible, (
            f"at {width} px the page is {scroll} px wide and shows {visible} px"
        )
    html = html_path.read_text(encoding="utf-8")
    assert html.count('class="table-scroll"') == html.count("<table")  # every table boxed


def test_word_document_converts_to_pdf_in_libreoffice(final_run, tmp_path):
    done = libreoffice_convert(
        final_run / "report/build/report.docx", "pdf", tmp_path, tmp_path / "lo"
    )
    assert done.returncode == 0, done.stderr
    pdf = (tmp_path / "report.pdf").read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages >= 20, pages


def test_word_document_as_libreoffice_reads_it(final_run, report_md, tmp_path):
    """Page numbers in the footer, header rows that repeat, a filled contents, landscape pages."""
    import zipfile

    done = libreoffice_convert(
        final_run / "report/build/report.docx", "odt", tmp_path, tmp_path / "lo"
    )
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(tmp_path / "report.odt") as odt:
        content = odt.read("content.xml").decode("utf-8")
        styles = odt.read("styles.xml").decode("utf-8")
    footers = re.findall(r"<style:footer>(.*?)</style:footer>", styles, flags=re.S)
    assert footers and all("<text:page-number" in f for f in footers), "no page number"
    tables = content.count("<table:table ")
    assert tables >= len(markdown_tables(report_md))
    assert content.count("<table:table-header-rows>") == tables  # every header row repeats
    contents = re.search(r"<text:index-body>(.*?)</text:index-body>", content, flags=re.S)
    assert contents, "the document has no contents"
    entries = [
        plain(unescape(re.sub(r"<[^>]+>", "", entry)))
        for entry in re.findall(
            r'<text:p text:style-name="Contents_20_\d"[^>]*>(.*?)</text:p>', contents.group(1)
        )
    ]
    headings = [
        plain(unescape(line.lstrip("#").strip()))
        for line in report_md.splitlines()
        if re.match(r"^#{1,2} ", line)
    ]
    assert entries == headings  # filled, heading by heading, before anyone updates a field
    landscape = re.findall(r'style:print-orientation="landscape"', content + styles)
    assert landscape, "the wide tables have no landscape page"


def test_snakemake_provenance_report(final_run, tmp_path):
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--report", str(tmp_path / "snakemake_report.zip")],
        cwd=final_run,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "snakemake_report.zip").stat().st_size > 10_000


def plain(text: str) -> str:
    """Text without pandoc's typography: wrapped lines joined, curly quotes straight."""
    for curly, straight in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"')):
        text = text.replace(curly, straight)
    return " ".join(text.split())


def html_tables(html: str) -> dict[str, list[list[str]]]:
    """table id -> rows of cell texts, for the numbered tables of the HTML report."""
    import html as html_module

    tables = {}
    for table_id, body in re.findall(r'<table id="tbl-(\w+)"[^>]*>(.*?)</table>', html, flags=re.S):
        rows = []
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S):
            cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
            texts = [html_module.unescape(re.sub(r"<[^>]+>", "", c)) for c in cells]
            rows.append([plain(t) for t in texts])
        tables[table_id] = rows
    return tables


def test_html_and_word_tables_show_exactly_the_markdown_numbers(final_run, report_md):
    """The Markdown tables are checked against the CSV files above; HTML and Word must match them."""
    md_tables = {
        k: [[plain(c) for c in r] for i, r in enumerate(v) if i != 1]
        for k, v in markdown_tables(report_md).items()
    }
    html = (final_run / "report/build/report.html").read_text(encoding="utf-8")
    in_html = html_tables(html)
    assert set(in_html) == set(md_tables)
    for table_id, rows in md_tables.items():
        assert in_html[table_id] == rows, table_id
    document = docx.Document(str(final_run / "report/build/report.docx"))
    word_tables = [[[plain(c.text) for c in row.cells] for row in t.rows] for t in document.tables]
    for table_id, rows in md_tables.items():
        assert rows in word_tables, table_id


def variable_names(run) -> set[str]:
    """Every variable name a reader should never meet in a results table.

    The columns and variables of every codebook file, and the items the
    published tables stack (a survey export's own question ids).
    """
    names = set()
    for part in codebook.load_codebook().values():
        for section in ("columns", "variables"):
            names |= set((part or {}).get(section) or {}) if isinstance(part, dict) else set()
    for path in (run / "report/tables").glob("*.csv"):
        frame = read_csv(path)
        if "item" in frame.columns:
            names |= set(frame["item"].dropna().astype(str))
    return {name for name in names if "_" in name or any(ch.isdigit() for ch in name)}


def test_no_variable_name_in_a_results_table(final_run, report_md):
    """Readers see statements and labels; the tidy CSVs keep the ids (the must-show of issue 18)."""
    names = variable_names(final_run)
    assert {"willing_engage_css", "support_inside", "agree_01"} <= names
    html = (final_run / "report/build/report.html").read_text(encoding="utf-8")
    document = docx.Document(str(final_run / "report/build/report.docx"))
    md_tables = markdown_tables(report_md)
    in_html = html_tables(html)
    word_cells = [
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    ]
    dictionary = set()  # the appendix's data dictionary names variables on purpose
    for table in document.tables:
        if table.rows[0].cells[0].text.strip().lower() in {"variable", "column", "name"}:
            dictionary |= {cell.text for row in table.rows for cell in row.cells}
    shown = {
        "report.md": [plain(c) for rows in md_tables.values() for row in rows for c in row],
        "report.html": [c for rows in in_html.values() for row in rows for c in row],
        "report.docx": [plain(c) for c in word_cells if c not in dictionary],
    }
    for output, cells in shown.items():
        found = sorted({name for name in names for cell in cells if name in cell})
        assert not found, f"{output} shows variable names in its tables: {found}"
    stacked = read_csv(final_run / "report/tables/mothers_views_css.csv")
    assert "willing_engage_css" in set(stacked["item"])  # the tidy file keeps the id
