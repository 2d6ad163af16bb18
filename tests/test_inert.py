"""Text from the data is shown as text: escaped values survive pandoc character for character."""

from __future__ import annotations

from html.parser import HTMLParser

import pypandoc
import pytest

from evaluation.report import inert
from evaluation.report.render import make_environment

HOSTILE = [
    '<img src="https://example.invalid/x.png">',
    "<script>alert(1)</script>",
    "&amp; &lt;b&gt; &#x41;",
    "*then*",
    "_under_ and __double__",
    "**bold**",
    "[link](https://example.invalid)",
    "![img](https://example.invalid/i.png)",
    "I was <laughs> fine",
    "`code` and ``more``",
    "$x^2$ and ~sub~ and ^sup^",
    "\\textbf{x} \\\\ back\\slash",
    "`<b>`{=html}",
    "::: {.warning}",
    "{#id .class}",
    "# heading",
    "> quote",
    "1. list",
    "2) list",
    "- item",
    "+ item",
    ": definition",
    "| pipe | cell |",
    "[^note] and [@cite] and @cite",
    "'single' and \"double\" -- and --- and ... dots",
    "= = =",
    "<!-- comment -->",
    "https://example.invalid/bare",
    "a\u202eb right-to-left override",
    "x" * 3000,
]


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.parts.append(data)


def _html(markdown: str) -> _Text:
    page = pypandoc.convert_text(markdown, "html", format="markdown", extra_args=["--wrap=none"])
    parser = _Text()
    parser.feed(page)
    return parser


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize(
    "context",
    ["Said: {} here.", "{}", "- {}", "> {}", "| a | b |\n|---|---|\n| {} | x |"],
)
def test_an_escaped_value_is_its_own_text_in_html(value, context):
    parsed = _html(context.format(inert.escape(value)))
    text = "".join(parsed.parts)  # the parser decodes entities itself
    assert value in " ".join(text.split()) or value in text
    # nothing in the value made an element of its own
    made = set(parsed.tags) - {"p", "ul", "li", "blockquote", "table", "thead", "tbody", "tr"}
    assert made <= {"th", "td", "colgroup", "col"}, made


def test_line_breaks_and_control_characters_stay_on_the_line_and_visible():
    escaped = inert.escape("one\ntwo\r\nthree\x07\x1b")
    assert "\n" not in escaped and "\r" not in escaped
    assert escaped.endswith("three\u2407\u241b")
    assert inert.escape("\x7f") == "\u2421"


def test_code_spans_hold_any_text_exactly():
    for value in ["css_01", "a`b", "``x``", "`start", "<b>*x*</b>"]:
        parsed = _html(f"x {inert.code(value)} y")
        assert value in "".join(parsed.parts), value
        assert "code" in parsed.tags


def test_templates_escape_data_and_keep_their_own_markup(tmp_path):
    (tmp_path / "t.md.j2").write_text(
        "# {{ title }}\n\n**Bold label:** {{ value }} ({{ n }})\n{{ made | markdown }}\n"
    )
    env = make_environment(tmp_path)
    text = env.get_template("t.md.j2").render(
        title="*Themes*", value="<laughs> *then*", n=12, made="*kept*"
    )
    assert text.startswith("# \\*Themes\\*\n")
    assert "**Bold label:** \\<laughs\\> \\*then\\* (12)" in text
    assert "\n*kept*\n" in text


def test_an_undeclared_number_still_stops_the_rendering(tmp_path):
    from evaluation.report.render import ReportError, Withheld

    (tmp_path / "t.md.j2").write_text("{{ value }}\n")
    with pytest.raises(ReportError, match="not a published cell"):
        make_environment(tmp_path).get_template("t.md.j2").render(value=Withheld("x.n"))


@pytest.mark.parametrize(
    ("value", "found"),
    [("write to jo.bloggs@example.org", "jo.bloggs@example.org"), ("O'Brien said", "O'Brien")],
)
def test_the_identifier_guard_sees_through_the_escapes(value, found, tmp_path):
    from evaluation.core.output_guard import guard_text

    escaped = inert.escape(value)
    assert found not in escaped  # the escapes alone would hide it from a pattern
    assert inert.unescape(escaped) == value
    with pytest.raises(Exception, match="report.md"):
        guard_text("report.md", inert.unescape(f"Said: {escaped}"), ["O'Brien"])
