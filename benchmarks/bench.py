"""Time NumPy, JAX, TF and Keras on course experiments in one run; print times and ratios.

    python benchmarks/bench.py                       # planar, opt-adam, dnn-cats-deep
    python benchmarks/bench.py planar --dtype float32 --frameworks numpy,jax

dnn-cats-deep needs the course's cat files (--data-dir or DLPARITY_DATA); it is skipped without.
Not a test: machines are shared and noisy, so speed is reported, never asserted.
"""

import argparse
import sys

from dlparity import DlparityError
from dlparity.bench import DEFAULT_EXPERIMENTS, run_bench, runnable


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiments", nargs="*", default=DEFAULT_EXPERIMENTS)
    parser.add_argument("--frameworks", default="numpy,jax,tf,keras")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--dtype", default="float64", choices=("float64", "float32"))
    args = parser.parse_args()
    try:
        names = runnable(args.experiments, args.data_dir)
        run_bench(names, args.frameworks.split(","), args.data_dir, args.dtype)
    except DlparityError as error:
        print(f"bench: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
