"""The model parity suite's case table: every network and option that test_models compares in
every framework, and the problems they are compared on.

A case is a spec, the seeded problem it starts from (conftest.seeded_problem: He parameters
with biases, gammas and betas moved off 0 and 1, random data, the course's dropout masks,
running statistics moved off their start), an optional edit of that problem (exact ties,
saturation), and the checks it gets beyond the ones every case gets (layer-by-layer training
forward, training forward and its running statistics, inference forward and predict, cost and
every gradient). Tolerances come from the spec's dtype (conftest.TOLERANCES).

The other parity files take their problems from here too: problem("batchnorm", m=13).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass
from typing import NamedTuple

import numpy as np

from dlparity.core.layers import ConvBlock, IdentityBlock
from dlparity.core.spec import ModelSpec
from parity_tests.conftest import seeded_problem

M = 9  # examples in the small random data sets

# the extra checks a case may ask for (test_models runs each on the cases that name it)
DEFAULT_MASKS = "default-masks"  # masks=None in training draws the course's seed-1 masks
RUNNING_STATISTICS = "running-statistics"  # three batches' statistics, then inference with them
FINITE = "finite"  # the course's formula is infinite here: cost and gradients must stay finite


class Problem(NamedTuple):
    """What a comparison starts from, all NumPy in spec.dtype; masks and bn_state may be None."""

    spec: ModelSpec
    params: dict
    X: np.ndarray
    Y: np.ndarray
    masks: dict | None
    bn_state: dict | None


@dataclass(frozen=True)
class Case:
    name: str
    spec: ModelSpec
    edit: Callable[[Problem], Problem] | None = None
    _: KW_ONLY
    perturb: float = 0.3  # how far biases, gammas and betas move off 0 and 1
    checks: tuple[str, ...] = ()  # extra checks, beyond the ones every case gets


def _relu_ties(p: Problem) -> Problem:
    """Zero columns of X with zero b1 give Z1 = 0 exactly: the reference's relu derivative there
    is 0 (Z > 0), where an autodiff of a maximum may give 1/2."""
    X = p.X.copy()
    X[:, ::3] = 0.0
    return p._replace(X=X)


def _scaled_W1(p: Problem) -> Problem:
    """|z| in the hundreds: a rounds to exactly 0 or 1 and the logits form takes over."""
    return p._replace(params={**p.params, "W1": p.params["W1"] * 3000})


def _output_bias_shifted(shift: float) -> Callable[[Problem], Problem]:
    def edit(p: Problem) -> Problem:
        """Every example's a rounds to 1 or 0 (or nearly): the output bias moved by shift."""
        key = f"b{p.spec.num_layers}"
        return p._replace(params={**p.params, key: p.params[key] + shift})

    return edit


def _saturated_logistic(p: Problem) -> Problem:
    """z = 40 on two examples (a rounds to 1), -40 on two (a is tiny), two ordinary ones."""
    dtype = p.spec.dtype
    params = {"W1": np.array([[20.0, 20.0]], dtype), "b1": np.array([[0.0]], dtype)}
    X = np.array([[1.0, 1.0, -1.0, -1.0, 0.01, 0.3], [1.0, 1.0, -1.0, -1.0, 0.02, -0.1]], dtype)
    Y = np.array([[0.0, 1.0, 1.0, 0.0, 1.0, 0.0]], dtype)
    return Problem(p.spec, params, X, Y, None, None)


def _flat_images(p: Problem) -> Problem:
    """A 4 x 4 corner of zeros: the first convolution gives exactly b1 inside it, so its max
    pools tie; the reference's ties="first" must send each window's gradient where the
    frameworks do."""
    X = p.X.copy()
    X[:, :4, :4, :] = 0.0
    return p._replace(X=X)


DEEP = ModelSpec("deep", (4, 5, 3, 1))
LOGISTIC = ModelSpec("logistic", (4, 1))
BATCHNORM = ModelSpec("softmax_bn", (4, 6, 5, 3), output="softmax", batchnorm=True)
# 6x6x2 -> conv 3x3 pad 1: 6x6x4 -> max 2/2: 3x3x4 -> conv 2x2: 2x2x2 -> average 2/1: 1x1x2
CONVNET = ModelSpec("convnet", (2, 4, 3), output="softmax", input_shape=(6, 6, 2),
                    conv_blocks=(ConvBlock(3, 4, pad=1),
                                 ConvBlock(2, 2, pool_stride=1, pool="average")))  # fmt: skip
# 5x5x2 -> conv 3x3 pad 1: 5x5x3 -> max 2/1: 4x4x3 -> identity block (1x1: 2, 3x3: 2, 1x1: 3)
RESNET = ModelSpec("convnet", (48, 3), output="softmax", input_shape=(5, 5, 2),
                   conv_blocks=(ConvBlock(3, 3, pad=1, pool_stride=1),
                                IdentityBlock(3, (2, 2, 3))))  # fmt: skip
# 5x5x1 -> conv 2x2 stride 2 pad 1: 3x3x3 -> max 2/1: 2x2x3
CONVNET_L2 = ModelSpec("convnet", (12, 1), lambd=0.5, input_shape=(5, 5, 1),
                       conv_blocks=(ConvBlock(2, 3, stride=2, pad=1, pool_stride=1),))  # fmt: skip

CASES = [
    Case("logistic", LOGISTIC),
    Case("plain", DEEP),
    Case("l2", ModelSpec("deep", (4, 5, 3, 1), lambd=0.7)),
    Case("dropout", ModelSpec("deep", (4, 5, 3, 1), keep_prob=0.7), checks=(DEFAULT_MASKS,)),
    Case(
        "l2-dropout",
        ModelSpec("deep", (4, 5, 3, 1), lambd=0.3, keep_prob=0.8),
        checks=(DEFAULT_MASKS,),
    ),
    Case("batchnorm", BATCHNORM, checks=(RUNNING_STATISTICS,)),
    Case("batchnorm-float32", BATCHNORM.with_dtype("float32"), checks=(RUNNING_STATISTICS,)),
    Case("tanh-two-layer", ModelSpec("two_layer", (4, 3, 1), hidden_activation="tanh")),
    Case("relu-two-layer", ModelSpec("two_layer", (4, 3, 1))),
    Case("softmax-deep", ModelSpec("deep", (4, 5, 4, 3), output="softmax")),
    Case("relu-at-zero", DEEP, _relu_ties, perturb=0.0),
    Case("saturated-sigmoid", LOGISTIC, _scaled_W1, checks=(FINITE,)),
    *(
        Case(f"saturated-output{shift:+g}", DEEP, _output_bias_shifted(shift), checks=(FINITE,))
        for shift in (40.0, -40.0, 800.0, -800.0)
    ),
    Case(
        "saturated-logistic", ModelSpec("logistic", (2, 1)), _saturated_logistic, checks=(FINITE,)
    ),
    Case("convnet", CONVNET),
    Case("convnet-l2-sigmoid", CONVNET_L2),
    Case("convnet-ties", CONVNET, _flat_images),
    Case("identity-block", RESNET, checks=(RUNNING_STATISTICS,)),
]
BY_NAME = {case.name: case for case in CASES}
assert len(BY_NAME) == len(CASES), "case names must be unique"


def problem(case: Case | str, *, m: int = M, seed: int = 0, dtype: str | None = None) -> Problem:
    """The case's problem, reproducible: m examples drawn from seed, in dtype (default: the
    case's)."""
    case = BY_NAME[case] if isinstance(case, str) else case
    spec = case.spec if dtype is None else case.spec.with_dtype(dtype)
    p = seeded_problem(spec, m=m, seed=seed, perturb=case.perturb)
    p = Problem(p.spec, p.params, p.X, p.Y, p.masks, p.bn_state)
    return case.edit(p) if case.edit else p


def with_check(check: str) -> list[Case]:
    return [case for case in CASES if check in case.checks]
