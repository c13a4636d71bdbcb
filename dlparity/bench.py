"""Speed: train experiments on each installed framework in one run and print times and ratios.

Ratios are NumPy's training time over each framework's (higher is faster). The compiled
frameworks' first-call tracing and compilation is shown apart, and added in the end-to-end ratio.
A row "keras/tf" gives what model.fit costs over the low-level TensorFlow loop (higher is
slower): the training time's ratio and the end-to-end one.
"""

from __future__ import annotations

from dlparity import DlparityError, data, experiments, frameworks
from dlparity.runs import run_experiment, split_framework

DEFAULT_FRAMEWORKS = ["numpy", "jax", "tf", "keras"]
DEFAULT_EXPERIMENTS = ["planar", "opt-adam", "dnn-cats-deep"]


def runnable(names, data_dir=None, out=print) -> list[str]:
    """The experiments whose data is here, checked before any runs. Named experiments must
    have it (a DlparityError names what is missing); the default set skips those that do not."""
    names = names or DEFAULT_EXPERIMENTS
    folder, keep = data.resolve_data_dir(data_dir), []
    for name in names:
        info = data.DATASETS[experiments.get(name).dataset]
        missing = [f for f in info.files if not (folder / f).is_file()]
        if not missing:
            keep.append(name)
        elif names is DEFAULT_EXPERIMENTS:
            out(f"{name}: skipped, needs {', '.join(missing)} (--data-dir or {data.ENV_VAR})")
        else:
            raise DlparityError(
                f"{name} needs {', '.join(missing)}, not found in {folder} "
                f"(--data-dir or {data.ENV_VAR})"
            )
    return keep


PAIRS = [("keras", "tf")]  # (framework, the one it is measured against)


def run_bench(names, framework_names=None, data_dir=None, dtype="float64", out=print) -> list[dict]:
    rows = []
    names_fw = framework_names or DEFAULT_FRAMEWORKS
    usable = [n for n in names_fw if frameworks.available(split_framework(n)[0])]
    if "numpy" not in usable:
        usable.insert(0, "numpy")
    out(f"{'experiment':<16}{'framework':<13}{'run s':>10}{'compile s':>11}"
        f"{'x numpy':>9}{'x numpy e2e':>13}")  # fmt: skip
    for name in names:
        experiment = experiments.get(name).with_dtype(dtype)
        arrays = data.load(experiment.dataset, data_dir)
        base = None
        for fw in usable:
            run = run_experiment(experiment, fw, arrays=arrays)
            seconds, compile_s = run.result.seconds, run.result.compile_seconds
            base = seconds if fw == "numpy" else base
            row = {"experiment": name, "framework": fw, "seconds": seconds,
                   "compile_seconds": compile_s, "speedup": base / seconds,
                   "speedup_end_to_end": base / (seconds + compile_s)}  # fmt: skip
            rows.append(row)
            out(f"{name:<16}{fw:<13}{seconds:>10.3f}{compile_s:>11.3f}"
                f"{row['speedup']:>9.1f}{row['speedup_end_to_end']:>13.1f}")  # fmt: skip
        rows.extend(_pair_rows(name, rows, out))
    missing = [n for n in names_fw if n not in usable]
    if missing:
        out(f"not installed here: {', '.join(missing)}")
    return rows


def _pair_rows(name: str, rows: list[dict], out) -> list[dict]:
    """A row per PAIRS entry run on experiment name: time over the other's, run and end to end."""
    runs = {r["framework"]: r for r in rows if r["experiment"] == name}
    pairs = []
    for fw, other in PAIRS:
        if fw in runs and other in runs:
            a, b = runs[fw], runs[other]
            end_to_end = (a["seconds"] + a["compile_seconds"]) / (
                b["seconds"] + b["compile_seconds"]
            )
            pair = {"experiment": name, "framework": f"{fw}/{other}",
                    "ratio": a["seconds"] / b["seconds"], "ratio_end_to_end": end_to_end}  # fmt: skip
            pairs.append(pair)
            out(f"{name:<16}{pair['framework']:<13}{'':>21}"
                f"{pair['ratio']:>9.1f}{end_to_end:>13.1f}  (time over {other}'s)")  # fmt: skip
    return pairs
