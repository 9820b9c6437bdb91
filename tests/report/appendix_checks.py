"""Checks of a compute appendix's forms, shared by the appendix tests (no TeX install needed).

``latex_problems`` is a small pure-Python check of a LaTeX fragment: braces balanced,
environments opened and closed in order, every command one the fragment may use (the
kernel's), no special character left unescaped outside the math carbonest writes.
"""

from __future__ import annotations

import re

ALLOWED_COMMANDS = {
    "paragraph", "cite", "textsubscript", "textbf", "begin", "end", "item", "times",
    "textbackslash", "textbraceleft", "textbraceright", "textasciitilde", "textasciicircum",
    "textless", "textgreater", "textbar",
}
ESCAPABLE = set("&%$#_{}")
MATH = re.compile(r"\$(\\times|-?[0-9.]+\\times 10\^\{-?[0-9]+\})\$")


def latex_problems(fragment: str) -> list[str]:
    """What would stop ``fragment`` from compiling as a LaTeX fragment (empty: nothing)."""
    problems: list[str] = []
    text = MATH.sub("M", fragment)  # the only math carbonest writes: x and a x 10^{n}
    depth, envs, i = 0, [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            m = re.match(r"\\([A-Za-z]+)", text[i:])
            if m:
                name = m.group(1)
                if name not in ALLOWED_COMMANDS:
                    problems.append(f"unknown command \\{name}")
                if name in ("begin", "end"):
                    env = re.match(r"\\(?:begin|end)\{([a-z]+)\}", text[i:])
                    if env is None:
                        problems.append(f"\\{name} without an environment")
                    elif name == "begin":
                        envs.append(env.group(1))
                    elif not envs or envs.pop() != env.group(1):
                        problems.append(f"\\end{{{env.group(1)}}} does not close the open environment")
                i += len(m.group(0))
                continue
            if i + 1 < len(text) and text[i + 1] in ESCAPABLE:
                i += 2
                continue
            problems.append(f"stray backslash at {i}: {text[i:i + 12]!r}")
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                problems.append(f"unbalanced }} at {i}")
                depth = 0
        elif ch in "&%$#_^":
            problems.append(f"unescaped {ch!r} at {i}: {text[max(i - 20, 0):i + 20]!r}")
        elif ch == "~" and not text.startswith("~\\cite{", i):
            problems.append(f"unescaped ~ at {i}")
        i += 1
    if depth:
        problems.append(f"{depth} brace(s) left open")
    if envs:
        problems.append(f"environments left open: {envs}")
    return problems


def numbers_in(text: str) -> list[float]:
    """Every number written in an appendix (1,234; 0.0123; 1.23e-04; $1.23\\times 10^{-4}$; 1{,}234)."""
    text = text.replace("{,}", ",")
    text = re.sub(r"\$(-?[0-9.]+)\\times 10\^\{(-?[0-9]+)\}\$", r"\1e\2", text)
    return [float(m.replace(",", "")) for m in re.findall(r"-?\d[\d,]*\.?\d*(?:e[-+]?\d+)?", text)]


def has_figure(text: str, value: float, rel: float = 0.006) -> bool:
    """Whether ``value`` is written in ``text`` to three significant figures (or better)."""
    return any(abs(n - value) <= rel * abs(value) for n in numbers_in(text))


def split_latex(output: str) -> tuple[str, str]:
    """The LaTeX fragment and the BibTeX part of a latex appendix."""
    from carbonest.report.formats import BIBTEX_MARKER

    assert output.count(BIBTEX_MARKER) == 1
    tex, bib = output.split(BIBTEX_MARKER)
    return tex, bib


def cited_keys(tex: str) -> set[str]:
    return {k for group in re.findall(r"\\cite\{([^}]*)\}", tex) for k in group.split(",")}
