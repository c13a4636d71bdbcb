"""`dlparity show TOPIC`: one idea's code from every package, side by side, with its migration row.

On a terminal wide enough the packages are highlighted columns (rich); narrower, highlighted
sections one under the other; piped or redirected, plain sections with the code exactly as
inspect.getsource reads it and no escape codes.
"""

from __future__ import annotations

import math
import shutil
import sys
import textwrap

from dlparity.course import lessons
from dlparity.course.migration import TABLE
from dlparity.runtime import frameworks

PIPED_WIDTH = 100  # columns when the output is not a terminal
MIN_COLUMN = 72  # narrowest code column; longer lines wrap inside it
GREEK_ASCII = {"α": "alpha", "β": "beta", "ε": "eps", "λ": "lambda", "θ": "theta"}


def is_terminal(stream) -> bool:
    return bool(getattr(stream, "isatty", None) and stream.isatty())


def for_stream(text: str, stream) -> str:
    """text as stream's encoding can write it: Greek letters spelled out where it has none."""
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        text.encode(encoding)
        return text
    except LookupError:
        encoding = "ascii"
    except UnicodeEncodeError:
        pass
    for letter, name in GREEK_ASCII.items():
        text = text.replace(letter, name)
    return text.encode(encoding, errors="replace").decode(encoding)


def output_width(stream) -> int:
    """The terminal's width, or PIPED_WIDTH when stream is not a terminal."""
    if not is_terminal(stream):
        return PIPED_WIDTH
    return shutil.get_terminal_size((PIPED_WIDTH, 24)).columns


def row_lines(key: str, width: int, stream=None) -> list[str]:
    """One migration row, wrapped to width: course, JAX (optax, lax), Keras 3 and the measured deviation.

    stream: written as its encoding can write it (for_stream), before wrapping.
    """
    row = TABLE[key]
    fields = [("course:", row.course), ("JAX:", row.jax), ("Keras 3:", row.keras)]
    if row.stock_deviation is not None:
        what = "without the mapping" if row.stock_keras_exact else "stock deviation"
        fields.append(("", f"{what} {row.stock_deviation:.2g}, measured as {row.measure}"))
    lines = [f"{row.knob} [{key}]"]
    for label, text in fields:
        first = f"  {label:<10}" if label else "  "
        text = text if stream is None else for_stream(text, stream)
        lines += textwrap.wrap(text, max(width, 40), initial_indent=first,
                               subsequent_indent=" " * 12, break_on_hyphens=False)  # fmt: skip
    return lines


def topic_lines() -> list[str]:
    width = max(map(len, lessons.LESSONS))
    return [f"  {topic:<{width}}  {lesson.summary}" for topic, lesson in lessons.LESSONS.items()]


def empty_column(package: str, refs, lesson) -> str | None:
    """Why a column shows no code (framework missing, or the package runs shared code), or None."""
    missing = frameworks.missing_packages(package)
    if missing:
        return f"not installed here (needs {', '.join(missing)})"
    if not refs:
        return lesson.note or "no code of its own for this idea"
    return None


def source_header(src: lessons.Source) -> str:
    return f"# {src.path}:{src.line}  {src.ref.partition(':')[2]}"


def plain_text(topic: str, width: int = PIPED_WIDTH, stream=None) -> str:
    """The lesson as plain sections: each package's code as inspect reads it, then the rows."""
    lesson = lessons.get(topic)
    out = [f"{topic}: {lesson.summary}"]
    headings = lessons.columns()
    sections = [(f"{p} ({headings[p]})", p, refs) for p, refs in lesson.code.items()]
    if lesson.shared:
        title = "shared: every package runs this spine code"
        sections.append((title, lessons.shared_column(), lesson.shared))
    for title, package, refs in sections:
        out += ["", f"=== {title}"]
        empty = empty_column(package, refs, lesson)
        if empty:
            out.append(empty)
        for ref in refs if not empty else ():
            src = lessons.source(ref)
            out += [source_header(src), src.code.rstrip("\n"), ""]
    if lesson.rows:
        out += ["", "=== migration (dlparity migration)"]
    for key in lesson.rows:
        out += [*row_lines(key, width, stream), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def columns_per_row(n: int, width: int) -> int:
    """How many code columns fit side by side (balanced rows: 4 -> 2 + 2, not 3 + 1)."""
    most = max(1, width // (MIN_COLUMN + 3))
    if most < 2 or n < 2:
        return 1
    return math.ceil(n / math.ceil(n / most))


def _rich_cell(package: str, refs, lesson):
    from rich.console import Group
    from rich.syntax import Syntax
    from rich.text import Text

    empty = empty_column(package, refs, lesson)
    if empty:
        return Text(empty, style="italic")
    parts = []
    for ref in refs:
        src = lessons.source(ref)
        parts.append(Text(source_header(src), style="bold cyan"))
        parts.append(Syntax(src.code.rstrip("\n"), "python", dedent=True, word_wrap=True,
                            background_color="default"))  # fmt: skip
        parts.append(Text(""))
    return Group(*parts)


def _print_columns(console, cells) -> None:
    from rich import box
    from rich.rule import Rule
    from rich.table import Table

    per_row = columns_per_row(len(cells), console.width)
    if per_row == 1:
        for title, cell in cells:
            console.print(Rule(title, align="left", style="cyan"))
            console.print(cell)
        return
    for start in range(0, len(cells), per_row):
        table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, header_style="bold")
        chunk = cells[start : start + per_row]
        for title, _ in chunk:
            table.add_column(title, ratio=1, vertical="top")
        table.add_row(*(cell for _, cell in chunk))
        console.print(table)


def print_rich(topic: str, console) -> None:
    """The lesson with highlighted code, in columns where the console is wide enough."""
    from rich.rule import Rule
    from rich.text import Text

    lesson = lessons.get(topic)
    console.print(Text(f"{topic}: ", style="bold") + Text(for_stream(lesson.summary, console.file)))
    headings = lessons.columns()
    cells = [(f"{p}: {headings[p]}", _rich_cell(p, refs, lesson))
             for p, refs in lesson.code.items()]  # fmt: skip
    _print_columns(console, cells)
    if lesson.shared:
        console.print(Rule("shared: every package runs this spine code", align="left"))
        console.print(_rich_cell(lessons.shared_column(), lesson.shared, lesson))
    if lesson.rows:
        console.print(Rule("migration (dlparity migration)", align="left"))
        rows = ("\n".join(row_lines(key, console.width, console.file)) for key in lesson.rows)
        console.print(Text("\n\n".join(rows)))


def show(topic: str | None, stream=None) -> int:
    """Print the topic's lesson (None: the list of topics) to stream (default stdout)."""
    stream = stream if stream is not None else sys.stdout
    if topic is None:
        print("Topics (dlparity show TOPIC):", file=stream)
        print(for_stream("\n".join(topic_lines()), stream), file=stream)
        return 0
    lessons.get(topic)  # an unknown topic is an error before any framework is imported
    if not is_terminal(stream):
        stream.write(for_stream(plain_text(topic, stream=stream), stream))
        return 0
    from rich.console import Console

    print_rich(topic, Console(file=stream, highlight=False))
    return 0
