"""`dlparity show`: every lesson resolves in every package, and shows the code inspect reads."""

import inspect
import io
import re

import pytest
from rich.console import Console

from dlparity.cli import main
from dlparity.course import lessons
from dlparity.course.migration import TABLE
from dlparity.runtime import frameworks
from dlparity.tools.show import columns_per_row, for_stream, print_rich, row_lines

TOPICS = ["forward", "backward", "cost", "l2", "dropout", "batchnorm", "softmax", "init",
          "momentum", "rmsprop", "adam", "decay", "minibatches", "gradcheck", "loop",
          "rnn-cell", "lstm-cell", "gru-cell", "bptt", "clip", "sample"]  # fmt: skip
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def refs_of(lesson):
    return [ref for refs in lesson.code.values() for ref in refs] + list(lesson.shared)


def test_the_course_topics_are_lessons():
    assert set(TOPICS) <= set(lessons.LESSONS)


@pytest.mark.parametrize("topic", list(lessons.LESSONS))
def test_every_entry_resolves_in_every_package(topic):
    lesson = lessons.LESSONS[topic]
    assert list(lesson.code) == list(lessons.columns()), "every package has a column"
    assert refs_of(lesson), "a lesson shows some code"
    for name, refs in lesson.code.items():
        assert refs or lesson.note, f"{name}: an empty column says why"
        package = frameworks.get(name).package
        for ref in refs:
            owner = ref.partition(":")[0].split(".")[0]
            assert owner in (package, "dlparity"), f"{name}: {ref}"
    for ref in refs_of(lesson):
        obj = lessons.resolve(ref)
        assert inspect.isfunction(obj) or inspect.isclass(obj), ref
        src = lessons.source(ref)
        assert src.code == inspect.getsource(obj)
        assert inspect.getsourcefile(obj).replace("\\", "/").endswith(src.path)
        assert inspect.getsourcelines(obj)[1] == src.line
    assert all(key in TABLE for key in lesson.rows)


def test_a_renamed_function_does_not_resolve():
    with pytest.raises(AttributeError):
        lessons.resolve("pure_numpy.optimizers:adam_update_renamed")


@pytest.mark.parametrize("topic", TOPICS)
def test_piped_show_prints_the_code_as_inspect_reads_it(capsys, topic):
    assert main(["show", topic]) == 0
    out = capsys.readouterr().out
    assert not ANSI.search(out), "no escape codes when not a terminal"
    assert out.startswith(f"{topic}: {lessons.LESSONS[topic].summary}\n")
    for ref in refs_of(lessons.LESSONS[topic]):
        src = lessons.source(ref)
        assert f"# {src.path}:{src.line}  {ref.partition(':')[2]}\n{src.code}" in out
    for key in lessons.LESSONS[topic].rows:
        assert "\n".join(row_lines(key, 100)) in out


def test_show_adam_has_the_stock_keras_deviation(capsys):
    main(["show", "adam"])
    out = capsys.readouterr().out
    assert "stock deviation 4.5e-05" in out and "CourseAdam.update_step" in out


@pytest.mark.parametrize("topic, call", [("adam", "optax.adam(learning_rate, b1=beta1"),
                                         ("momentum", "optax.sgd(learning_rate, momentum=beta)"),
                                         ("rmsprop", "optax.rmsprop(learning_rate, decay=beta2")])  # fmt: skip
def test_show_jax_is_the_optax_call_a_user_writes(capsys, topic, call):
    main(["show", topic])
    jax = capsys.readouterr().out.partition("=== jax")[2].partition("=== tf")[0]
    assert call in jax and "inject_hyperparams" not in jax and "optax_kwargs" not in jax


def test_show_without_topic_lists_topics_one_line_each(capsys):
    assert main(["show"]) == 0
    lines = capsys.readouterr().out.splitlines()
    listed = [line.split()[0] for line in lines[1:]]
    assert listed == list(lessons.LESSONS) and len(lines) == len(lessons.LESSONS) + 1


def test_unknown_topic_is_one_line_naming_the_topics(capsys):
    assert main(["show", "attention"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown topic 'attention'" in err and "adam" in err


def _rich(topic, width):
    console = Console(file=io.StringIO(), force_terminal=True, width=width, color_system="256")
    print_rich(topic, console)
    return console.file.getvalue()


def test_wide_terminal_shows_highlighted_columns_side_by_side():
    out = _rich("momentum", 320)
    assert ANSI.search(out)
    plain = ANSI.sub("", out)
    header = next(line for line in plain.splitlines() if "numpy:" in line)
    assert "jax:" in header and "tf:" in header and "keras:" in header
    assert "def momentum_update(grads, state, params, lr, *, beta):" in plain


def test_narrow_terminal_stacks_the_packages():
    plain = ANSI.sub("", _rich("momentum", 80))
    headers = [line for line in plain.splitlines() if re.match(r"─* ?(numpy|jax|tf|keras):", line)]
    assert len(headers) == 4
    assert max(len(line) for line in plain.splitlines()) <= 80


@pytest.mark.parametrize("n, width, expected", [(4, 80, 1), (4, 160, 2), (4, 230, 2), (4, 320, 4),
                                                (3, 160, 2), (1, 400, 1)])  # fmt: skip
def test_columns_per_row_balances_rows(n, width, expected):
    assert columns_per_row(n, width) == expected


def test_greek_letters_fall_back_to_names_where_the_encoding_has_none():
    ascii_out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    assert for_stream("W -= α v, β, ε, λ", ascii_out) == "W -= alpha v, beta, eps, lambda"
    utf8_out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    assert for_stream("α", utf8_out) == "α"
