"""Time NumPy, JAX, TF and Keras on course experiments in one run; print times and ratios.

    python benchmarks/bench.py                       # planar, opt-adam, dnn-cats-deep
    python benchmarks/bench.py planar --dtype float32 --frameworks numpy,jax --json bench.json
    python benchmarks/bench.py planar --repeat 5     # the fastest of 5 rounds

Each experiment's bare GEMMs (the NumPy matmuls of its forward and backward pass) are timed in
the same run; limit x is a framework's time over theirs.
dnn-cats-deep needs the course's cat files (--data-dir or DLPARITY_DATA); it is skipped without.
Not a test: machines are shared and noisy, so speed is reported, never asserted.
"""

import argparse
import json
import sys

from dlparity.core.errors import DlparityError
from dlparity.tools.bench import DEFAULT_EXPERIMENTS, check_repeat, run_bench, runnable
from dlparity.tools.outputs import atomic, check_output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiments", nargs="*", default=DEFAULT_EXPERIMENTS)
    parser.add_argument("--frameworks", default="numpy,jax,tf,keras")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--dtype", default="float64", choices=("float64", "float32"))
    parser.add_argument("--json", metavar="PATH", default=None)
    parser.add_argument("--repeat", type=int, default=1, metavar="N")
    args = parser.parse_args()
    try:
        path = None if args.json is None else check_output("--json", args.json, "json")
        check_repeat(args.repeat)
        names = runnable(args.experiments, args.data_dir)
        frameworks = args.frameworks.split(",")
        out = lambda line: print(line, flush=True)  # noqa: E731
        result = run_bench(names, frameworks, args.data_dir, args.dtype, out, args.repeat)
        if path is not None:
            with atomic(path) as temporary:
                temporary.write_text(json.dumps(result, indent=2))
            print(f"wrote {path}")
    except DlparityError as error:
        print(f"bench: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
