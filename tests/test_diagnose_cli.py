"""dlparity diagnose optimizer / model: the user's code, written into a folder, named MODULE:NAME."""

import re
import shlex
import sys
import textwrap
from pathlib import Path

import pytest

from dlparity.cli import main

COURSE_ADAM = """
import numpy as np


def make_adam(beta1=0.9, beta2=0.999, epsilon=1e-8):
    def init(params):
        zeros = {k: np.zeros_like(W) for k, W in params.items()}
        return {"t": 0, "v": zeros, "s": dict(zeros)}

    def update(grads, state, params, lr):
        t, v, s, new = state["t"] + 1, {}, {}, {}
        for k, W in params.items():
            v[k] = beta1 * state["v"][k] + (1 - beta1) * grads[k]
            s[k] = beta2 * state["s"][k] + (1 - beta2) * grads[k] ** 2
            v_hat, s_hat = v[k] / (1 - beta1**t), s[k] / (1 - beta2**t)
            new[k] = W - lr * v_hat / (np.sqrt(s_hat) + epsilon)
        return new, {"t": t, "v": v, "s": s}

    return init, update
"""

# an object with .init and .update, as optax's GradientTransformation; eps inside the root
RMSPROP_EPS_IN_ROOT = """
from typing import Callable, NamedTuple

import numpy as np


class Pair(NamedTuple):
    init: Callable
    update: Callable


def make(beta2=0.999, epsilon=1e-8):
    def init(params):
        return {k: np.zeros_like(W) for k, W in params.items()}

    def update(grads, state, params, lr):
        s = {k: beta2 * state[k] + (1 - beta2) * grads[k] ** 2 for k in params}
        new = {k: W - lr * grads[k] / np.sqrt(s[k] + epsilon) for k, W in params.items()}
        return new, s

    return Pair(init, update)
"""

JAX_PORT = """
import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)


def hidden(params, X):
    A = X
    for l in (1, 2):
        A = jax.nn.relu(params[f"W{l}"] @ A + params[f"b{l}"])
    return params["W3"] @ A + params["b3"]


def wrong_axis(params, X):
    return jax.nn.softmax(hidden(params, X), axis=-1)  # axis -1 is the examples in (C, m)


def forward(params, X):
    return jax.nn.softmax(hidden(params, X), axis=0)


def gradients(params, X, Y):
    def cost(params):
        return -jnp.sum(Y * jnp.log(forward(params, X))) / X.shape[1]

    return jax.value_and_grad(cost)(params)
"""


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    """write(name, source): a module in the current folder (tmp_path), forgotten after the test."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the command puts the cwd first
    written = []

    def write(name: str, source: str) -> str:
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
        written.append(name)
        return name

    yield write
    for name in written:
        sys.modules.pop(name, None)


def run(capsys, *argv):
    code = main(["diagnose", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_course_exact_adam_matches(user_module, capsys):
    user_module("course_adam", COURSE_ADAM)
    code, out, err = run(capsys, "optimizer", "course_adam:make_adam", "--kind", "adam",
                         "--lr", "0.001")  # fmt: skip
    assert (code, err) == (0, "")
    assert (
        "adam(beta1=0.9, beta2=0.999, epsilon=1e-08, learning_rate=0.001): matches the course"
        in out
    )


def test_eps_inside_the_root_is_named_with_status_1(user_module, capsys):
    user_module("root_rmsprop", RMSPROP_EPS_IN_ROOT)
    code, out, err = run(capsys, "optimizer", "root_rmsprop:make", "--kind", "rmsprop")
    assert (code, err) == (1, "")
    assert ": a known variant" in out and "epsilon inside the root" in out


def test_an_unknown_difference_is_status_1(user_module, capsys):
    user_module("course_adam", COURSE_ADAM)
    code, out, _ = run(capsys, "optimizer", "course_adam:make_adam", "--kind", "rmsprop")
    assert code == 1 and "differs in an unknown way" in out and "first differs at step 1" in out


def test_hyperparameters_reach_the_diagnosis(user_module, capsys):
    user_module("course_adam", COURSE_ADAM)
    # the factory's beta1 is 0.9: told 0.8, the course's formula differs from it
    code, out, _ = run(capsys, "optimizer", "course_adam:make_adam", "--kind", "adam",
                       "--beta1", "0.8")  # fmt: skip
    assert code == 1 and "beta1=0.8" in out


# numpy-ml's style: a class whose instance has .init and .update, epsilon 1e-7 by default
CLASS_ADAM = """
import numpy as np


class Adam:
    def __init__(self, decay1=0.9, decay2=0.999, eps=1e-7):
        self.decay1, self.decay2, self.eps = decay1, decay2, eps

    def init(self, params):
        return {"t": 0, "mean": {k: np.zeros_like(W) for k, W in params.items()},
                "var": {k: np.zeros_like(W) for k, W in params.items()}}

    def update(self, grads, state, params, lr):
        d1, d2, t = self.decay1, self.decay2, state["t"] + 1
        mean = {k: d1 * state["mean"][k] + (1 - d1) * g for k, g in grads.items()}
        var = {k: d2 * state["var"][k] + (1 - d2) * g**2 for k, g in grads.items()}
        new = {}
        for k, W in params.items():
            m_hat, v_hat = mean[k] / (1 - d1**t), var[k] / (1 - d2**t)
            new[k] = W - lr * m_hat / (np.sqrt(v_hat) + self.eps)
        return new, {"t": t, "mean": mean, "var": var}
"""

# d2l's rmsprop: states beside the parameters, updated in place, gamma 0.9, eps 1e-6 in the root
D2L_RMSPROP = """
import numpy as np


def init_rmsprop_states(params):
    return {k: np.zeros_like(p) for k, p in params.items()}


def rmsprop(params, grads, states, hyperparams):
    gamma, eps = hyperparams["gamma"], 1e-6
    new = {}
    for k, p in params.items():
        s = states[k]
        s[:] = gamma * s + (1 - gamma) * np.square(grads[k])
        new[k] = p - hyperparams["lr"] * grads[k] / np.sqrt(s + eps)
    return new


def make():
    def update(grads, states, params, lr):
        return rmsprop(params, grads, states, {"lr": lr, "gamma": 0.9}), states

    return init_rmsprop_states, update
"""

# an Adam with no epsilon at all: 0/0 where a gradient is exactly zero
ADAM_NO_EPSILON = """
import numpy as np


def make():
    def init(params):
        return {"t": 0, "v": {k: 0 * W for k, W in params.items()},
                "s": {k: 0 * W for k, W in params.items()}}

    def update(grads, state, params, lr):
        t = state["t"] + 1
        v = {k: 0.9 * state["v"][k] + 0.1 * g for k, g in grads.items()}
        s = {k: 0.999 * state["s"][k] + 0.001 * g * g for k, g in grads.items()}
        with np.errstate(invalid="ignore"):
            new = {k: W - lr * (v[k] / (1 - 0.9**t)) / np.sqrt(s[k] / (1 - 0.999**t))
                   for k, W in params.items()}
        return new, {"t": t, "v": v, "s": s}

    return init, update
"""

# a class that counts from 0 and increments after the update: 1 - beta^0 = 0 at the first one
ADAM_T_FROM_0 = """
import numpy as np


class Adam:
    def __init__(self, beta1=0.9, beta2=0.999, epsilon=1e-8):
        self.beta1, self.beta2, self.epsilon, self.t = beta1, beta2, epsilon, 0

    def init(self, params):
        return {"m": {k: np.zeros_like(W) for k, W in params.items()},
                "v": {k: np.zeros_like(W) for k, W in params.items()}}

    def update(self, grads, state, params, lr):
        b1, b2, new, m, v = self.beta1, self.beta2, {}, {}, {}
        for k, W in params.items():
            m[k] = b1 * state["m"][k] + (1 - b1) * grads[k]
            v[k] = b2 * state["v"][k] + (1 - b2) * grads[k] ** 2
            with np.errstate(divide="ignore", invalid="ignore"):
                m_hat, v_hat = m[k] / (1 - b1**self.t), v[k] / (1 - b2**self.t)
                new[k] = W - lr * m_hat / (np.sqrt(v_hat) + self.epsilon)
        self.t += 1
        return new, {"m": m, "v": v}
"""

# Keras' epsilon-hat Adam that also clips every gradient to [-1, 1]
EPSILON_HAT_CLIPPED = """
import math

import numpy as np


def make(b1=0.9, b2=0.999, eps=1e-8):
    def init(params):
        return {"t": 0, "m": {k: np.zeros_like(W) for k, W in params.items()},
                "v": {k: np.zeros_like(W) for k, W in params.items()}}

    def update(grads, state, params, lr):
        t, m, v, new = state["t"] + 1, {}, {}, {}
        alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        for k, W in params.items():
            g = np.clip(grads[k], -1.0, 1.0)
            m[k] = b1 * state["m"][k] + (1 - b1) * g
            v[k] = b2 * state["v"][k] + (1 - b2) * g * g
            new[k] = W - alpha * m[k] / (np.sqrt(v[k]) + eps)
        return new, {"t": t, "m": m, "v": v}

    return init, update
"""


@pytest.mark.parametrize(
    "source, factory, kind, lines",
    [
        (CLASS_ADAM, "Adam", "adam",
         ["adam(beta1=0.9, beta2=0.999, epsilon=1e-08): the course's formula with epsilon = "
          "1e-07 (the course uses 1e-08)",
          "  epsilon = 1e-07: a hyperparameter differs, not the formula: epsilon = 1e-07 "
          "(Keras' and numpy-ml's default) where the course uses 1e-08 [migration row 'adam']"]),
        (D2L_RMSPROP, "make", "rmsprop",
         ["rmsprop(beta2=0.999, epsilon=1e-08): a known variant",
          "  epsilon inside the root: dW / sqrt(s + eps) instead of dW / (sqrt(s) + eps), as "
          "Keras' RMSprop and optax.rmsprop's default eps_in_sqrt=True [migration row 'rmsprop']",
          "  beta2 = 0.9: a hyperparameter differs, not the formula: beta2 = 0.9 (the default "
          "decay of Keras, optax, numpy-ml and d2l) where the course uses 0.999 [migration row "
          "'rmsprop']",
          "  epsilon = 1e-06: a hyperparameter differs, not the formula: epsilon = 1e-06 where "
          "the course uses 1e-08 [migration row 'rmsprop']"]),
        (ADAM_NO_EPSILON, "make", "adam",
         ["adam(beta1=0.9, beta2=0.999, epsilon=1e-08): the course's formula with epsilon = 0.0 "
          "(the course uses 1e-08)",
          "  not finite: NaN first at step 1, b2[0, 0] (the course -0.3224172040135075): "
          "epsilon = 0: 0/0 where the gradient is exactly zero (b2's gradient is 0 up to step "
          "1, so are its moments)"]),
        (ADAM_T_FROM_0, "Adam", "adam",
         ["adam(beta1=0.9, beta2=0.999, epsilon=1e-08): a known variant",
          "  not finite: NaN first at step 1, W1[0, 0] (the course 1.5243453656632417): t "
          "starting at 0 divides the moments by 1 - beta^0 = 0 at the first update"]),
        (EPSILON_HAT_CLIPPED, "make", "adam",
         ["adam(beta1=0.9, beta2=0.999, epsilon=1e-08): partly a known variant: something "
          "else differs too",
          "  closest: epsilon-hat: eps added to sqrt(s) before the bias correction, eps / "
          "sqrt(1 - beta2^t) in the course's terms, as Keras 3's Adam [migration row 'adam']"]),
    ],
    ids=["numpy-ml-adam", "d2l-rmsprop", "adam-no-epsilon", "adam-t-from-0", "epsilon-hat-clip"],
)  # fmt: skip
def test_code_written_as_people_write_it(user_module, capsys, source, factory, kind, lines):
    user_module("their_optimizer", source)
    code, out, err = run(capsys, "optimizer", f"their_optimizer:{factory}", "--kind", kind)
    assert (code, err) == (1, "")
    shown = out.splitlines()
    assert all(line in shown for line in lines), out


# gradient descent with its own inverse-time decay, epoch e at the rate of epoch e (no lag)
OWN_SCHEDULE_GD = """
def make():
    def init(params):
        return {"t": 0}

    def update(grads, state, params, lr):
        epoch = state["t"] // 2  # two updates per epoch
        rate = 0.05 / (1 + 0.5 * epoch)
        return {k: W - rate * grads[k] for k, W in params.items()}, {"t": state["t"] + 1}

    return init, update
"""


def test_the_schedule_options_reach_the_diagnosis(user_module, capsys):
    user_module("own_schedule", OWN_SCHEDULE_GD)
    options = ["--lr", "0.05", "--decay", "inverse-time", "--decay-rate", "0.5"]
    code, out, _ = run(capsys, "optimizer", "own_schedule:make", "--kind", "gd", *options,
                       "--batches-per-epoch", "2")  # fmt: skip
    assert code == 1 and "decay without the one-epoch lag" in out
    code, out, _ = run(capsys, "optimizer", "own_schedule:make", "--kind", "gd", *options)
    assert code == 1 and "decay without the one-epoch lag" not in out  # one update per epoch


def test_a_softmax_over_the_wrong_axis_is_named(user_module, capsys):
    user_module("jax_port", JAX_PORT)
    code, out, err = run(capsys, "model", "jax_port:wrong_axis", "--like", "signs-softmax")
    assert (code, err) == (1, "")
    assert "first differs at AL" in out and "cause: softmax over the wrong axis" in out


def test_a_right_forward_and_gradients_match(user_module, capsys):
    user_module("jax_port", JAX_PORT)
    code, out, _ = run(capsys, "model", "jax_port:forward", "--like", "signs-softmax",
                       "--gradients", "jax_port:gradients")  # fmt: skip
    assert code == 0
    assert "model: matches the course (compared AL, cost, dW1, db1, dW2, db2, dW3, db3)" in out


BAD_MODULES = {
    "broken_syntax": "def make(:\n",
    "raises_on_import": "raise RuntimeError('no GPU here')\n",
    "with_values": "import numpy as np\nVALUE = 3\n\n\ndef boom(*args):\n    raise KeyError('beta')\n\n\n"
    "def three():\n    return (np.zeros, np.ones, np.empty)\n\n\ndef half():\n    return (len, 3)\n",
}


@pytest.mark.parametrize(
    "argv, message",
    [
        (["optimizer", "missing_module:make", "--kind", "adam"],
         "module 'missing_module' does not import: ModuleNotFoundError: No module named "
         "'missing_module'"),
        (["optimizer", "broken_syntax:make", "--kind", "adam"],
         "module 'broken_syntax' does not import: SyntaxError: "),
        (["optimizer", "raises_on_import:make", "--kind", "adam"],
         "module 'raises_on_import' does not import: RuntimeError: no GPU here"),
        (["optimizer", "with_values:make", "--kind", "adam"],
         "with_values:make: module 'with_values' has no attribute 'make'"),
        (["optimizer", "with_values:VALUE", "--kind", "adam"], "with_values:VALUE: not callable (int)"),
        (["optimizer", "with_values:boom", "--kind", "adam"],
         "with_values:boom() raised KeyError: 'beta'"),
        (["optimizer", "with_values:three", "--kind", "adam"],
         "with_values:three() returned a tuple of 3 (builtin_function_or_method, "),
        (["optimizer", "with_values:half", "--kind", "adam"],
         "with_values:half() returned a tuple of 2 (builtin_function_or_method, int)"),
        (["optimizer", "with_values", "--kind", "adam"],
         "FACTORY: expected MODULE:FACTORY, got 'with_values'"),
        (["model", "with_values:VALUE", "--like", "signs-softmax"],
         "with_values:VALUE: not callable (int)"),
        (["model", "with_values:boom", "--like", "signs-softmax", "--gradients", "with_values:x"],
         "with_values:x: module 'with_values' has no attribute 'x'"),
        (["model", "with_values:boom", "--like", "signs-softmax"],
         "forward raised KeyError: 'beta'"),
    ],
)  # fmt: skip
def test_bad_user_code_is_one_line(user_module, capsys, argv, message):
    for name, source in BAD_MODULES.items():
        user_module(name, source)
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err.startswith(f"dlparity: error: {message}") and err.count("\n") == 1


@pytest.mark.parametrize(
    "argv, message",
    [
        (["optimizer", "on_import:make", "--kind", "adamx"],
         "--kind: unknown optimizer 'adamx'; choose one of gd, momentum, rmsprop, adam, adamw"),
        (["optimizer", "on_import:make", "--kind", "adam", "--beta", "0.9"],
         "--beta: adam takes --beta1, --beta2, --epsilon, --lr, --decay,"),
        (["optimizer", "on_import:make", "--kind", "adamw"], "--weight-decay: adamw needs it"),
        (["optimizer", "on_import:make", "--kind", "adam", "--beta1", "1.5"],
         "--beta1: must be < 1, got 1.5"),
        (["optimizer", "on_import:make", "--kind", "gd", "--lr", "x"],
         "argument --lr: invalid float value: 'x'"),
        (["optimizer", "on_import:make", "--kind", "gd", "--decay", "cosine"],
         "argument --decay: invalid choice: 'cosine'"),
        (["model", "on_import:forward", "--like", "no-such-experiment"],
         "unknown experiment 'no-such-experiment'"),
        (["model", "on_import:forward"], "the following arguments are required: --like"),
    ],
)  # fmt: skip
def test_bad_options_are_refused_before_the_module_is_imported(user_module, capsys, tmp_path,
                                                                argv, message):  # fmt: skip
    user_module("on_import", "open('imported', 'w').close()\n")
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err.startswith(f"dlparity: error: {message}") and err.count("\n") == 1
    assert not (tmp_path / "imported").exists()


# the README's my_port.py: the forward of its Python example, float64 on
README_PORT = """
import jax

jax.config.update("jax_enable_x64", True)


def forward(params, X):
    A = X
    for l in (1, 2):
        A = jax.nn.relu(params[f"W{l}"] @ A + params[f"b{l}"])
    return jax.nn.softmax(params["W3"] @ A + params["b3"], axis=-1)  # axis -1 is m here
"""


def transcript_steps(transcript: str):
    """(command, what it prints) for each `$ ` line of a README transcript."""
    steps = []
    for line in transcript.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    return [(command, "".join(f"{line}\n" for line in shown)) for command, shown in steps]


def test_the_readme_transcripts_are_what_the_commands_print(user_module, capsys):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("**From the command line.**")[1].split("\n## ")[0]
    user_module("my_rmsprop", re.search(r"```python\n(.*?)```", section, re.S).group(1))
    user_module("my_port", README_PORT)
    transcripts = re.findall(r"```\n(\$ .*?)```", section, re.S)
    assert len(transcripts) == 2
    status = None
    for command, shown in (step for t in transcripts for step in transcript_steps(t)):
        if command == "echo $?":
            assert f"{status}\n" == shown
            continue
        argv = shlex.split(command)
        assert argv[0] == "dlparity"
        status = main(argv[1:])
        assert capsys.readouterr().out == shown


def optimizer_help(capsys, monkeypatch) -> str:
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit):
        main(["diagnose", "optimizer", "--help"])
    return " ".join(capsys.readouterr().out.split())


def test_the_hyperparameter_options_are_the_registrys(capsys, monkeypatch):
    text = optimizer_help(capsys, monkeypatch)
    assert "--kind KIND gd | momentum | rmsprop | adam | adamw" in text
    assert "--beta X momentum's beta (default 0.9)" in text
    assert "--beta1 X adam's and adamw's beta1 (default 0.9)" in text
    assert "--beta2 X rmsprop's, adam's and adamw's beta2 (default 0.999)" in text
    assert "--epsilon X rmsprop's, adam's and adamw's epsilon (default 1e-8)" in text
    assert "--weight-decay X adamw's weight_decay (adamw needs it)" in text
    options = re.findall(r"\[(--[a-z0-9-]+) ", text)
    assert options == ["--lr", "--beta", "--beta1", "--beta2", "--epsilon", "--weight-decay",
                       "--decay", "--decay-rate", "--time-interval", "--batches-per-epoch"]  # fmt: skip


def test_a_hyperparameter_new_to_an_optimizer_needs_no_edit_in_the_command(capsys, monkeypatch):
    from dlparity.core import registry

    momentum = registry.OPTIMIZERS["momentum"]
    monkeypatch.setitem(registry.OPTIMIZERS, "momentum",
                        momentum._replace(hyperparameters=("beta", "epsilon")))  # fmt: skip
    text = optimizer_help(capsys, monkeypatch)
    assert "--epsilon X momentum's, rmsprop's, adam's and adamw's epsilon (default 1e-8)" in text
