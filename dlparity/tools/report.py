"""`dlparity report`: one experiment in every framework as a self-contained HTML page.

Everything is inline (the figure as a base64 PNG, the CSS in a style element, no script, no
link): the page reads the same offline, mailed, or archived by CI. It holds the run summary,
the published-number check, the recorded costs side by side, the figure of `compare --plot`,
each framework's first step beyond 1e-10, the migration rows that apply to the experiment with
their measured deviations, and the code of the ideas the experiment uses, as `dlparity show`
prints it.
"""

from __future__ import annotations

import base64
import html

from dlparity.core import registry
from dlparity.course import lessons, migration
from dlparity.course.experiments import Experiment
from dlparity.runtime import frameworks
from dlparity.tools.runs import AGREEMENT, published_check

LINE_LENGTH = 100  # the longest line of code shown (ruff's line length)
CODE_EM = 0.85  # the code's font size
GLYPH_EM = 0.6  # a monospace glyph's width (DejaVu Sans Mono, Menlo, Consolas)
# a code column holds LINE_LENGTH glyphs and the block's padding; two fit side by side in the
# page's widest body, one per row below that
COLUMN_EM = round(LINE_LENGTH * GLYPH_EM * CODE_EM + 3)

CSS = f"""
body {{ font-family: sans-serif; margin: 2em auto; padding: 0 1em; max-width: {2 * COLUMN_EM + 2}em;
       color: #222; }}
p {{ max-width: 75em; }}
h1 {{ font-size: 1.6em; }} h2 {{ font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; }}
table {{ border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }}
th, td {{ border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
td.ok {{ color: #176317; }} td.differs {{ color: #b00020; font-weight: bold; }}
td.note {{ color: #7a5a00; }}
pre {{ background: #f6f6f6; padding: 0.6em; font-size: {CODE_EM}em; line-height: 1.35;
      font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace;
      white-space: pre-wrap; overflow-wrap: anywhere; }}
.columns {{ display: grid; gap: 0 1.5em;
           grid-template-columns: repeat(auto-fit, minmax(min(100%, {COLUMN_EM}em), 1fr)); }}
.columns > div {{ min-width: 0; }}
img {{ max-width: 100%; }}
"""


def topics(experiment: Experiment) -> list[str]:
    """The `dlparity show` topics of the ideas this experiment uses, in the course's order."""
    spec, config = experiment.spec, experiment.config
    chosen = ["forward", "backward", "cost", "init"]
    if spec.architecture == "convnet":
        chosen[1:1] = ["conv", "pool", "flatten", "conv-backward", "pool-backward"]
        if spec.running_statistics:
            chosen.insert(6, "residual")
    chosen += [t for t, used in (("l2", spec.lambd > 0), ("dropout", spec.keep_prob < 1),
                                 ("batchnorm", spec.batchnorm),
                                 ("softmax", spec.output == "softmax")) if used]  # fmt: skip
    if config.optimizer in lessons.LESSONS:
        chosen.append(config.optimizer)
    if config.decay != "none":
        chosen.append("decay")
    if config.mini_batch_size is not None:
        chosen.append("minibatches")
    return [*chosen, "loop"]


def rows(experiment: Experiment) -> list[str]:
    """The migration rows that apply to this experiment."""
    spec, config = experiment.spec, experiment.config
    keys = [key for key in (config.optimizer, f"{config.optimizer}-decay")
            if key in migration.TABLE and (key != "momentum-decay" or config.decay != "none")]  # fmt: skip
    keys += [key for key, used in (("decay", config.decay != "none"), ("l2", spec.lambd > 0),
                                   ("dropout", spec.keep_prob < 1),
                                   ("batchnorm", spec.batchnorm)) if used]  # fmt: skip
    keys.append("binary-loss" if spec.output == "sigmoid" else "softmax-loss")
    if spec.architecture == "convnet":
        keys += ["conv-layout", "cross-correlation", "same-padding", "flatten-order",
                 "maxpool-ties"]  # fmt: skip
        if spec.running_statistics:
            keys += ["batchnorm", "bias-before-batchnorm"]
    return [*keys, "init", "layout", "hyperparameters"]


def _table(header: list[str], body: list[list[str]], classes=None) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    lines = []
    for i, cells in enumerate(body):
        css = classes[i] if classes else [""] * len(cells)
        tds = "".join(
            f'<td class="{c}">{html.escape(str(v))}</td>'
            if c
            else f"<td>{html.escape(str(v))}</td>"
            for v, c in zip(cells, css, strict=True)
        )
        lines.append(f"<tr>{tds}</tr>")
    return f"<table><tr>{head}</tr>{''.join(lines)}</table>"


def _summary(experiment: Experiment, runs) -> str:
    spec, config = experiment.spec, experiment.config
    body = [[r.framework, f"{r.result.seconds:.3f}", f"{r.result.compile_seconds:.3f}",
             "n/a" if r.train_accuracy is None else f"{r.train_accuracy:.4f}",
             "n/a" if r.test_accuracy is None else f"{r.test_accuracy:.4f}"] for r in runs]  # fmt: skip
    network = f"layer_dims {list(spec.layer_dims)}"
    if spec.architecture == "convnet":
        network = f"images {spec.input_shape}, {len(spec.conv_blocks)} conv blocks, then {network}"
    what = (
        f"{experiment.course}: {experiment.summary}. {network}, "
        f"{config.optimizer} ({registry.OPTIMIZERS[config.optimizer].course}), learning rate "
        f"{config.learning_rate:g}, {config.steps} {config.step_name}s, {spec.dtype}."
    )
    header = ["framework", "training s", "compile s", "train accuracy", "test accuracy"]
    return f"<p>{html.escape(what)}</p>" + _table(header, body)


def _published(experiment: Experiment, runs) -> str:
    checks = [published_check(experiment, run) for run in runs]
    if not checks[0]:
        return "<p>The course publishes no numbers for this experiment.</p>"
    body, classes, notes = [], [], set()
    for i, (what, course, *_) in enumerate(checks[0]):
        cells, css = [what, f"{course:.6f}"], ["", ""]
        for rows_ in checks:
            _, _, mine, verdict = rows_[i]
            label = verdict if verdict in ("ok", "DIFFERS") else "note"
            if label == "note":
                notes.add(verdict)
            cells.append(f"{mine:.6f} {label}")
            css.append({"ok": "ok", "DIFFERS": "differs"}.get(label, "note"))
        body.append(cells)
        classes.append(css)
    table = _table(["", "course", *(r.framework for r in runs)], body, classes)
    return table + "".join(f"<p>note: {html.escape(n)}</p>" for n in sorted(notes))


def _costs(experiment: Experiment, runs, result: dict) -> str:
    steps = sorted(set().union(*(r.result.costs for r in runs)))
    shown = [s for s in steps if s in experiment.printed_steps() or s == steps[-1]]
    body = [[str(s), *(f"{r.result.costs[s]:.9f}" if s in r.result.costs else "" for r in runs)]
            for s in shown]  # fmt: skip
    table = _table([experiment.config.step_name, *(r.framework for r in runs)], body)
    parity = []
    for run in result["runs"][1:]:
        first = run["first_step_beyond_1e-10"]
        where = "never" if first is None else f"{experiment.config.step_name} {first}"
        parity.append([run["framework"], f"{run['max_abs_cost_diff_vs_reference']:.3e}", where])
    header = ["framework", f"max |cost - {result['reference']}|", f"first beyond {AGREEMENT:g}"]
    return table + (_table(header, parity) if parity else "")


def _migration(experiment: Experiment) -> str:
    body = []
    for key in rows(experiment):
        row = migration.TABLE[key]
        size = "" if row.stock_deviation is None else f"{row.stock_deviation:.2g}: {row.measure}"
        body.append([row.knob, row.course, row.jax, row.keras, size])
    header = ["knob", "course", "JAX (optax, lax)", "Keras 3", "measured size"]
    left = '<td style="text-align:left">'
    return (
        _table(header, body).replace("<td>", left).replace("<th>", '<th style="text-align:left">')
    )


def _pre(ref: str) -> str:
    src = lessons.source(ref)
    return f"<pre># {html.escape(src.path)}:{src.line}\n{html.escape(src.code)}</pre>"


def runs_call(ref: str) -> bool:
    """Whether the report's runs call ref: they start from the experiment's own draw, never from
    C2W3's GlorotNormal (train's initializer="glorot_normal")."""
    return not ref.startswith("dlparity.runtime.glorot:")


def _code(topic: str) -> str:
    lesson = lessons.get(topic)
    columns = []
    for package, refs in lesson.code.items():
        if frameworks.missing_packages(package):
            continue
        body = "".join(_pre(ref) for ref in refs if runs_call(ref))
        body = body or "<p>(the spine's code, below)</p>"
        columns.append(f"<div><h3>{html.escape(package)}</h3>{body}</div>")
    shared = "".join(_pre(ref) for ref in lesson.shared)
    title = f"<h3>{html.escape(topic)}: {html.escape(lesson.summary)}</h3>"
    return title + f'<div class="columns">{"".join(columns)}</div>' + shared


def _curves_title(experiment: Experiment) -> str:
    """Points in the plane get their decision boundaries drawn too (cli.runs' figure)."""
    boundaries = experiment.spec.example_shape == (2,)
    return "Curves and decision boundaries" if boundaries else "Curves"


def render(experiment: Experiment, runs, result: dict, png: bytes) -> str:
    """The page, as one string of HTML."""
    image = base64.b64encode(png).decode("ascii")
    sections = [
        ("Runs", _summary(experiment, runs)),
        ("The course's published numbers", _published(experiment, runs)),
        ("Recorded costs, side by side", _costs(experiment, runs, result)),
        (_curves_title(experiment), f'<img alt="cost curves" src="data:image/png;base64,{image}">'),
        ("Where the frameworks differ from the course", _migration(experiment)),
        ("The code, framework by framework", "".join(_code(t) for t in topics(experiment))),
    ]  # fmt: skip
    body = "".join(f"<h2>{html.escape(title)}</h2>{content}" for title, content in sections)
    title = f"dlparity report: {experiment.name}"
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{CSS}</style></head><body><h1>{title}</h1>{body}</body></html>\n"
    )
