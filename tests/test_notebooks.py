"""The course-week notebooks (notebooks/): committed without outputs, each .ipynb the same cells as
its .py twin, and each executed top to bottom in a fresh kernel with DLPARITY_QUICK=1, with an
image from every plot cell and every published number reproduced by every framework."""

import re
from pathlib import Path

import pytest

from dlparity.core.errors import DlparityError
from dlparity.course import data
from dlparity.tools.notebook import SKIPPED

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
jupytext = pytest.importorskip("jupytext")
pytest.importorskip("ipykernel")

FOLDER = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
WEEKS = ("c1w2", "c1w3", "c1w4", "c2w1", "c2w2", "c2w3", "c4w1", "c4w2", "c5w1")
PLOT_TAG = "plot"  # cells that must show a figure
CELL_TIMEOUT = 600  # seconds per cell: a bound for a stuck kernel, far above a quick cell's few


def ids(paths):
    return [p.stem for p in paths]


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def test_one_notebook_per_week_each_with_its_py_twin():
    assert [p.name[:4] for p in NOTEBOOKS] == list(WEEKS)
    assert sorted(p.stem for p in FOLDER.glob("c*.py")) == [p.stem for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(code_cells(nb)):
        clear = f"jupyter nbconvert --clear-output --inplace notebooks/{path.name}"
        assert cell.outputs == [], f"code cell {i} carries outputs: run `{clear}`"
        assert cell.execution_count is None, f"code cell {i} carries an execution count: `{clear}`"


def cells_of(nb):
    return [(c.cell_type, c.source.strip(), c.metadata.get("tags", [])) for c in nb.cells]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_ipynb_holds_the_cells_of_its_py(path):
    """The .py is what review reads: the .ipynb must say the same (jupytext --sync)."""
    twin = jupytext.read(path.with_suffix(".py"))
    assert cells_of(nbformat.read(path, as_version=4)) == cells_of(twin), (
        f"{path.name} and its .py differ: run `jupytext --sync notebooks/{path.stem}.py`"
    )


def missing_here(dataset: str) -> bool:
    try:
        data.load(dataset)
    except DlparityError:
        return True
    return False


SKIP_LINE = re.compile(rf"^{SKIPPED} .*it needs the course's (\w+) files$", re.M)


def text_of(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def plot_problems(nb) -> list[str]:
    """Plot cells without an image, unless they say they skipped for course files missing here."""
    problems = []
    for i, cell in enumerate(code_cells(nb)):
        if PLOT_TAG not in cell.metadata.get("tags", []):
            continue
        if any("image/png" in o.get("data", {}) for o in cell.outputs):
            continue
        skipped = SKIP_LINE.findall(text_of(cell))
        if not skipped:
            problems.append(f"plot cell {i} shows no image")
        elif not all(missing_here(d) for d in skipped):
            problems.append(f"plot cell {i} skipped, but its data ({', '.join(skipped)}) is here")
    return problems


def output_texts(nb):
    for cell in code_cells(nb):
        for out in cell.outputs:
            yield out.get("text", "") + "".join(
                value for value in out.get("data", {}).values() if isinstance(value, str)
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_runs_top_to_bottom_in_a_fresh_kernel(path, monkeypatch):
    monkeypatch.setenv("DLPARITY_QUICK", "1")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=CELL_TIMEOUT, kernel_name="python3",
        resources={"metadata": {"path": str(FOLDER)}},
    )  # fmt: skip
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on any error
    assert plot_problems(nb) == []
    differs = [text for text in output_texts(nb) if "DIFFERS" in text]
    assert not differs, f"a framework differs from the course's published numbers:\n{differs[0]}"


def fake_notebook(outputs, tags=(PLOT_TAG,)):
    cell = nbformat.v4.new_code_cell("nb.figure(...)", metadata={"tags": list(tags)})
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    return nbformat.v4.new_notebook(cells=[cell])


def stream(text):
    return {"output_type": "stream", "name": "stdout", "text": text}


def test_plot_check_wants_an_image_or_a_skip_for_data_missing_here(tmp_path, monkeypatch):
    image = {"output_type": "display_data", "data": {"image/png": "iVBOR"}, "metadata": {}}
    assert plot_problems(fake_notebook([image])) == []
    assert plot_problems(fake_notebook([stream("<Figure size 640x480>\n")])) == [
        "plot cell 0 shows no image"
    ]
    assert plot_problems(fake_notebook([stream("nothing\n")], tags=())) == []
    skip = stream(f"{SKIPPED} the figure of logreg-cats: it needs the course's cats files\n")
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path))  # an empty folder: no cat files
    assert plot_problems(fake_notebook([skip])) == []
    generated = stream(f"{SKIPPED} the figure of planar: it needs the course's flower files\n")
    assert plot_problems(fake_notebook([generated])) == [
        "plot cell 0 skipped, but its data (flower) is here"
    ]
