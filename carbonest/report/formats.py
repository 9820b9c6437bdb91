"""The three forms of a compute appendix: Markdown, LaTeX (with BibTeX) and plain text.

An appendix is assembled once (:mod:`carbonest.report.appendix`) as sentences of fixed
words, figures and escaped strings, and each :class:`Form` renders the pieces:

* every string that comes from the user or a table (run name, host, region name, provenance
  labels, citations) goes through :meth:`Form.esc`: LaTeX specials become commands
  (``\\&``, ``\\textbackslash{}``; braces as ``\\textbraceleft{}`` so that a BibTeX field
  stays brace-balanced), Markdown punctuation is backslash-escaped (so ``<script>`` or ``*``
  in a run name is text, not markup), and control characters are written as escapes;
* the LaTeX form is a fragment (no preamble) that needs only the kernel (``\\cite``,
  ``\\textsubscript``, ``itemize``), followed by a comment line and the BibTeX entries to
  save in a ``.bib`` file (:data:`BIBTEX_MARKER`).
"""

from __future__ import annotations

import textwrap
from typing import Any

from carbonest.report.citations import Reference

BIBTEX_MARKER = "% ---- BibTeX: save the entries below in your .bib file ----"
"""The line between the LaTeX fragment and its BibTeX entries."""

_LATEX = {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}", "$": r"\$",
          "&": r"\&", "#": r"\#", "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}",
          "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}"}
_MARKDOWN = set("\\`*_{}[]<>|~&")  # user strings never start a line: no # + - at issue


def printable(text: Any) -> str:
    """``text`` on one line with control characters written as escapes (``\\n``, ``\\x1b``)."""
    s = str(text)
    if s.isprintable():
        return s
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in s)


def number(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant figures, thousands separated; tiny values as ``1.23e-06``."""
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude < 1e-3:
        return f"{value:.{digits - 1}e}"
    if magnitude >= 10 ** (digits - 1):
        return f"{value:,.0f}"
    decimals = digits - 1 - int(f"{magnitude:e}".split("e")[1])
    return f"{value:,.{max(decimals, 0)}f}"


class Form:
    """How one format writes the pieces of an appendix. Subclasses: markdown, latex, text."""

    name = ""
    times = " x "
    dash = "-"
    co2 = "CO2e"
    percent = "%"

    def esc(self, text: Any) -> str:
        """A string from the user or a table, safe in this format."""
        return printable(text)

    def num(self, value: float, digits: int = 3) -> str:
        """A figure."""
        return number(value, digits)

    def cite(self, refs: list[Reference], numbers: dict[str, int]) -> str:
        """An in-text citation of ``refs`` (numbered by first use)."""
        if not refs:
            return ""
        return " [" + ", ".join(str(numbers[r.key]) for r in refs) + "]"

    def title(self, text: str) -> str:
        """The paragraph's run-in heading."""
        return text + " "

    def paragraph(self, heading: str, sentences: list[str]) -> str:
        """The appendix paragraph."""
        return self.title(heading) + " ".join(sentences)

    def items(self, heading: str, rows: list[tuple[str, str, str]]) -> str:
        """The list of ``(figure, value, provenance)``; provenance is escaped already."""
        raise NotImplementedError

    def references(self, refs: list[Reference]) -> str:
        """The references, in citation order."""
        raise NotImplementedError


class Markdown(Form):
    """Markdown (CommonMark): bold run-in heading, bullet list, numbered references."""

    name = "md"
    times = " × "
    dash = "–"

    def esc(self, text: Any) -> str:
        return "".join("\\" + ch if ch in _MARKDOWN else ch for ch in printable(text))

    def title(self, text: str) -> str:
        return f"**{text}** "

    def items(self, heading: str, rows: list[tuple[str, str, str]]) -> str:
        return f"{heading}\n\n" + "\n".join(f"- **{name}**: {value} ({prov})" for name, value, prov in rows)

    def references(self, refs: list[Reference]) -> str:
        return "References\n\n" + "\n".join(f"{i}. {self.esc(r.text)}" for i, r in enumerate(refs, 1))


class Text(Form):
    """Plain text wrapped at 78 columns, ASCII operators."""

    name = "text"

    def paragraph(self, heading: str, sentences: list[str]) -> str:
        return textwrap.fill(heading + " " + " ".join(sentences), 78, break_on_hyphens=False, break_long_words=False)

    def items(self, heading: str, rows: list[tuple[str, str, str]]) -> str:
        lines = [heading]
        for name, value, prov in rows:
            lines.append(textwrap.fill(f"{name}: {value}; from {prov}", 78, initial_indent="  - ",
                                       subsequent_indent="    ", break_on_hyphens=False, break_long_words=False))
        return "\n".join(lines)

    def references(self, refs: list[Reference]) -> str:
        return "References\n" + "\n".join(
            textwrap.fill(printable(r.text), 78, initial_indent=f"[{i}] ", subsequent_indent="    ",
                          break_on_hyphens=False, break_long_words=False) for i, r in enumerate(refs, 1))


class Latex(Form):
    """A LaTeX fragment for the kernel alone, then the BibTeX entries after :data:`BIBTEX_MARKER`."""

    name = "latex"
    times = r" $\times$ "
    dash = "--"
    co2 = r"CO\textsubscript{2}e"
    percent = r"\%"

    def esc(self, text: Any) -> str:
        return "".join(_LATEX.get(ch, ch) for ch in printable(text))

    def num(self, value: float, digits: int = 3) -> str:
        text = number(value, digits)
        if "e" in text:
            mantissa, exponent = text.split("e")
            return f"${mantissa}\\times 10^{{{int(exponent)}}}$"
        return text.replace(",", "{,}")  # no space after a thousands separator in math or text

    def cite(self, refs: list[Reference], numbers: dict[str, int]) -> str:
        return "~\\cite{" + ",".join(r.key for r in refs) + "}" if refs else ""

    def title(self, text: str) -> str:
        return f"\\paragraph{{{text}}}\n"

    def paragraph(self, heading: str, sentences: list[str]) -> str:
        return self.title(heading) + "\n".join(sentences)

    def items(self, heading: str, rows: list[tuple[str, str, str]]) -> str:
        body = "\n".join(f"  \\item \\textbf{{{name}}}: {value} ({prov})" for name, value, prov in rows)
        return f"{heading}\n\\begin{{itemize}}\n{body}\n\\end{{itemize}}"

    def references(self, refs: list[Reference]) -> str:
        return BIBTEX_MARKER + "\n\n" + "\n\n".join(bibtex(r) for r in refs)


def bibtex(ref: Reference) -> str:
    """One BibTeX entry; field values escaped for LaTeX except URLs and identifiers."""
    latex = Latex()
    lines = []
    for name, value in ref.fields:
        if name in ref.raw:  # written by carbonest itself, braces and all ({NLP} keeps its case)
            text = value
        elif value.startswith("{") and value.endswith("}"):  # a corporate author, kept as one name
            text = "{" + latex.esc(value[1:-1]) + "}"
        else:
            text = latex.esc(value)
        lines.append(f"  {name} = {{{text}}}")
    return f"@{ref.kind}{{{ref.key},\n" + ",\n".join(lines) + "\n}"


FORMS: dict[str, type[Form]] = {"md": Markdown, "latex": Latex, "text": Text}


def form(fmt: str) -> Form:
    """The form for ``fmt`` (``md``, ``latex`` or ``text``); InvalidInputError naming ``fmt`` otherwise."""
    from carbonest.errors import InvalidInputError

    key = str(fmt).strip().lower() if isinstance(fmt, str) else fmt
    if key == "markdown":
        key = "md"
    if key not in FORMS:
        raise InvalidInputError(f"fmt: must be one of md, latex, text, got {fmt!r}", field="fmt")
    return FORMS[key]()
