"""dlparity report: one self-contained page, checked in its structure and rendered in Chromium."""

import html.parser
import re
import shutil
import subprocess

import numpy as np
import pytest

from dlparity import cli
from dlparity.cli import runs
from dlparity.course.experiments import get
from dlparity.tools import report
from dlparity.tools.report import CODE_EM, COLUMN_EM, CSS, GLYPH_EM, LINE_LENGTH, rows, topics

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class _Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, name, value or "") for name, value in attrs]

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "init-zeros.html"
    assert cli.main(["report", "init-zeros", "--frameworks", "numpy,jax", "--out", str(path)]) == 0
    parsed = _Page()
    parsed.feed(path.read_text(encoding="utf-8"))
    return path, parsed


def test_the_page_holds_every_section_and_framework(page):
    _, parsed = page
    text = " ".join(parsed.text)
    for heading in ("Runs", "The course's published numbers", "Recorded costs, side by side",
                    "Curves and decision boundaries", "Where the frameworks differ from the course",
                    "The code, framework by framework"):  # fmt: skip
        assert heading in text
    assert "numpy" in text and "jax" in text and "0.693147 ok" in text
    assert "first beyond 1e-10" in text and "def _forward(" in text


def test_the_page_is_self_contained(page):
    _, parsed = page
    assert "script" not in parsed.tags and "link" not in parsed.tags
    sources = [value for tag, name, value in parsed.attrs if name in ("src", "href")]
    assert sources and all(value.startswith("data:image/png;base64,") for value in sources)


def test_topics_and_rows_follow_the_experiment():
    assert topics(get("reg-dropout"))[:5] == ["forward", "backward", "cost", "init", "dropout"]
    assert "adam" in topics(get("opt-adam")) and "minibatches" in topics(get("opt-adam"))
    assert {"l2", "binary-loss"} <= set(rows(get("reg-l2")))
    assert {"batchnorm", "softmax-loss", "adam"} <= set(rows(get("digits-bn")))
    assert "momentum-decay" in rows(get("opt-momentum-decay"))
    assert "momentum-decay" not in rows(get("opt-momentum"))
    assert topics(get("digits-convnet"))[:4] == ["forward", "conv", "pool", "flatten"]
    assert {"conv-layout", "flatten-order", "maxpool-ties"} <= set(rows(get("digits-convnet")))
    assert "conv" not in topics(get("digits-bn")) and "conv-layout" not in rows(get("digits-bn"))
    assert "residual" in topics(get("digits-resnet")) and "residual" not in topics(
        get("digits-convnet")
    )
    assert "bias-before-batchnorm" in rows(get("digits-resnet"))


def _chromium(tmp_path, page_path, *flags, width=1200):
    common = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={width},2000"]  # fmt: skip
    command = [CHROMIUM, *common, *flags, page_path.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium (Debian package chromium) absent")
def test_the_page_renders_in_chromium(page, tmp_path):
    from matplotlib.image import imread

    path, _ = page
    shot = tmp_path / "shot.png"
    _chromium(tmp_path, path, f"--screenshot={shot}")
    pixels = imread(shot)[..., :3]
    ink = np.mean(np.any(pixels < 0.9, axis=-1))  # share of pixels that are not near white
    colours = len(np.unique((pixels * 255).astype(np.uint8).reshape(-1, 3), axis=0))
    assert ink > 0.03 and colours > 50, (ink, colours)


def test_code_wraps_in_columns_that_fit_a_line():
    assert "white-space: pre-wrap" in CSS and "auto-fit" in CSS and "flex" not in CSS
    assert COLUMN_EM >= LINE_LENGTH * GLYPH_EM * CODE_EM


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium (Debian package chromium) absent")
@pytest.mark.parametrize("width, per_row", [(1200, 1), (1900, 2)])
def test_no_code_block_scrolls_sideways(page, tmp_path, width, per_row):
    path, _ = page
    probe = tmp_path / "probe.html"
    measure = (
        "<script>const pre = [...document.querySelectorAll('pre')];"
        "document.body.dataset.wide = pre.filter(p => p.scrollWidth > p.clientWidth).length;"
        "const grid = getComputedStyle(document.querySelector('.columns'));"
        "document.body.dataset.columns = grid.gridTemplateColumns.split(' ').length;</script>"
    )
    probe.write_text(path.read_text(encoding="utf-8").replace("</body>", measure + "</body>"))
    dom = _chromium(tmp_path, probe, "--dump-dom", width=width)
    body = re.search(r"<body[^>]*>", dom).group(0)
    assert body == f'<body data-wide="0" data-columns="{per_row}">'


def test_the_init_code_is_what_the_runs_call():
    shown = report._code("init")
    assert "glorot" not in shown and "(the spine's code, below)" in shown


@pytest.mark.parametrize(
    "out, message",
    [("r.txt", "--out: r.txt should end in .html or .htm"), ("no/r.html", "--out: folder")],
)
def test_bad_output_fails_before_any_run(capsys, tmp_path, monkeypatch, out, message):
    monkeypatch.setattr(runs, "_timed_run", lambda *a, **k: pytest.fail("trained"))
    code = cli.main(["report", "init-zeros", "--out", str(tmp_path / out)])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1
