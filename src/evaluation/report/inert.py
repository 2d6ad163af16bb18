"""Text from the data is inert in the report: shown as text, never read as markup.

Every value a template prints passes through :func:`finalize` (the Jinja
environment's ``finalize``): a string is escaped with :func:`escape`, so that
Markdown, HTML, raw-format and pandoc syntax in a survey question, a theme
label or an interview excerpt is shown character for character and changes
nothing else. Markdown the engine writes itself (tables, captions, figures,
a macro's output) is marked :class:`Markdown` and printed as it is; inside
it, every data cell has been escaped too.

Escaping uses pandoc's rule that a backslash makes any ASCII punctuation
character literal. Characters that can open markup are always escaped;
quotes are, so that pandoc's smart typography leaves data's straight quotes
alone; dots and dashes are escaped where they would turn into an ellipsis or
a dash, and where they could start a list at the start of a value. A line
break inside a value becomes a space (a value stays on its line: a table row,
a list item, a block quote), and C0 control characters, which HTML and Word
cannot hold, are shown as their visible control pictures (U+2400 to U+241F).
"""

from __future__ import annotations

import re

import markupsafe

#: ASCII punctuation that can start or close markup anywhere in a line (and quotes,
#: which pandoc's smart typography would curl).
ALWAYS = frozenset("\\`*_{}[]<>#|~^$@&'\"")
#: Runs of these become typography (``--``, ``...``): each after the first is escaped.
TYPOGRAPHY = frozenset("-.")
_LIST_START = re.compile(r"^(\s*)(\d+)([.)])")
_LEADING = re.compile(r"^(\s*)([-:+=])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class Markdown(str):
    """Markdown the engine wrote (helpers, macros): printed as it is, never escaped again."""


def _picture(match: re.Match) -> str:
    code = ord(match.group(0))
    return "\u2421" if code == 0x7F else chr(0x2400 + code)


def escape(value: object) -> str:
    """``value`` as Markdown text that pandoc shows exactly as it is."""
    text = str(value).replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    text = _CONTROL.sub(_picture, text)
    out = []
    previous = ""
    for char in text:
        if char in ALWAYS or (char in TYPOGRAPHY and previous == char):
            out.append("\\" + char)
        else:
            out.append(char)
        previous = char
    escaped = "".join(out)
    escaped = _LIST_START.sub(r"\1\2\\\3", escaped, count=1)
    return _LEADING.sub(r"\1\\\2", escaped, count=1)


def finalize(value: object) -> object:
    """The Jinja environment's ``finalize``: data escaped, the engine's Markdown as it is."""
    if isinstance(value, (Markdown, markupsafe.Markup)):  # helpers, macros; tojson's output
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return escape(value)


def code(value: object) -> Markdown:
    """``value`` as an inline code span, shown exactly (a code span takes no escapes)."""
    text = _CONTROL.sub(_picture, str(value).replace("\n", " "))
    runs = [len(run) for run in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return Markdown(f"{fence}{padding}{text}{padding}{fence}")


def markdown(value: object) -> Markdown:
    """A template's own Markdown (a macro's output) marked as such: its data was escaped inside."""
    return Markdown(str(value))


_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def unescape(markdown: str) -> str:
    """``markdown`` with the backslash escapes taken out: the text a reader sees.

    The identifier guard reads the report through this, so an escaped e-mail
    address (``name\\@example.org``) or name (``O\\'Brien``) is still found.
    """
    return _ESCAPED.sub(r"\1", markdown)
