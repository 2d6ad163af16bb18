"""Markdown to HTML: figures embedded by the package, so the page is one offline file."""

from __future__ import annotations

import base64

import pytest
from workflow import REPO

from evaluation.report.convert import embed_images, markdown_to_ast, to_docx, to_html

PNG_BYTES = base64.b64decode(  # a 1 x 1 PNG
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def test_local_images_become_data_uris_and_others_are_left_alone(tmp_path):
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "a&b.png").write_bytes(PNG_BYTES)
    page = (
        '<img src="figures/a&amp;b.png" alt="A" />'
        '<img src="https://example.org/x.png" />'
        '<img src="data:image/png;base64,AAAA" />'
    )
    embedded = embed_images(page, tmp_path)
    encoded = base64.b64encode(PNG_BYTES).decode()
    assert f'<img src="data:image/png;base64,{encoded}" alt="A" />' in embedded
    assert 'src="https://example.org/x.png"' in embedded
    assert 'src="data:image/png;base64,AAAA"' in embedded


def test_a_missing_image_stops_the_report(tmp_path):
    with pytest.raises(FileNotFoundError, match="figures/gone.png.*missing"):
        embed_images('<p><img src="figures/gone.png" /></p>', tmp_path)


@pytest.fixture
def with_figure(tmp_path, monkeypatch):
    """A working directory holding figures/fig.png."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "fig.png").write_bytes(PNG_BYTES)
    return tmp_path


def test_html_has_the_styles_the_figures_and_the_alt_text_inline(with_figure):
    tmp_path = with_figure
    markdown = (
        "# Results\n\n"
        '![Figure 1: Ages](figures/fig.png){#fig-ages fig-alt="Bars of ages." width=95%}\n'
    )
    to_html(markdown, "page.html", title="Report", cutoff="2024-03-31")
    page = (tmp_path / "page.html").read_text(encoding="utf-8")
    assert 'src="figures/' not in page and "data:image/png;base64," in page
    assert 'alt="Bars of ages."' in page  # fig-alt, not the caption
    assert ".synthetic-banner" in page  # the report's style sheet, inline
    assert "<link" not in page


def test_html_and_word_from_the_document_tree_equal_those_from_the_markdown(with_figure):
    tmp_path = with_figure
    markdown = (
        "# Results\n\nSome *text*.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n: A table {#tbl-x}\n\n"
        '![Figure 1: Ages](figures/fig.png){#fig-ages fig-alt="Bars of ages." width=95%}\n'
    )
    ast = markdown_to_ast(markdown, "2024-03-31")
    assert '"pandoc-api-version"' in ast
    html = {"title": "Report", "cutoff": "2024-03-31"}
    to_html(markdown, "from_markdown.html", **html)
    to_html(ast, "from_tree.html", **html, source_format="json")
    assert (tmp_path / "from_tree.html").read_bytes() == (
        tmp_path / "from_markdown.html"
    ).read_bytes()
    reference = str(REPO / "report" / "reference.docx")
    word = {"reference_doc": reference, "cutoff": "2024-03-31"}
    to_docx(markdown, "from_markdown.docx", **word)
    to_docx(ast, "from_tree.docx", **word, source_format="json")
    assert (tmp_path / "from_tree.docx").read_bytes() == (
        tmp_path / "from_markdown.docx"
    ).read_bytes()


def test_the_markdown_links_figures_the_workflow_draws_and_refuses_others(tmp_path):
    from evaluation.report.render import ReportError, load_inputs, render_markdown

    (tmp_path / "report.md.j2").write_text("{{ figure('fig_age_group') }}\n")
    key_facts = tmp_path / "key_facts.csv"
    key_facts.write_text("fact,column,n,denominator\n")
    drawn = load_inputs(tmp_path, ["figures/fig_age_group.png"], key_facts, [], {})
    markdown = render_markdown(tmp_path, drawn)  # the PNG need not exist yet
    assert "](figures/fig_age_group.png){#fig-fig_age_group" in markdown
    not_drawn = load_inputs(tmp_path, ["figures/fig_ethnicity.png"], key_facts, [], {})
    with pytest.raises(ReportError, match="fig_age_group.*no rule"):
        render_markdown(tmp_path, not_drawn)
