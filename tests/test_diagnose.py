"""dlparity.diagnose on users' code: hand-written variants, the project's own packages, stock
optax and Keras components, and user ports in JAX and TensorFlow with each known bug."""

import math
from functools import partial

import numpy as np
import pytest

import jax_impl  # noqa: F401  (jax_enable_x64 before any JAX array)
from dlparity import diagnose
from dlparity.core.errors import DlparityError
from dlparity.core.init import initialize_parameters
from dlparity.core.spec import ModelSpec, TrainConfig
from dlparity.course import migration
from dlparity.diagnose import formulas
from dlparity.diagnose import optimizers as diagnose_optimizers
from parity_tests.conftest import TOLERANCES

F32 = float(np.float32(0.9))  # 0.8999999761581421

# ---------------------------------------------------------------- hand-written optimizers


def per_key(step):
    """(init, update) applying step(W, dW, slots, lr, t) -> (W, slots) to every parameter."""

    def init(params):
        return {"t": 0, "slots": {k: {} for k in params}}

    def update(grads, state, params, lr):
        t, new, slots = state["t"] + 1, {}, {}
        for k in params:
            new[k], slots[k] = step(params[k], grads[k], state["slots"][k], lr, t)
        return new, {"t": t, "slots": slots}

    return init, update


def keras_rmsprop(W, g, slot, lr, t, rho=0.999, eps=1e-8):
    s = rho * slot.get("s", 0.0) + (1 - rho) * g * g
    return W - lr * g / np.sqrt(s + eps), {"s": s}


def adam_like(W, g, slot, lr, t, b1=0.9, b2=0.999, eps=1e-8, *, count=0, eps_root=False,
              keras_alpha=False, wd=0.0, coupled=False, wd_times_lr=True, stuck=False,
              first_power=True, clip=None):  # fmt: skip
    """One Adam step written out, with the slips and variants the diagnosis knows."""
    g = g + wd * W if coupled else g
    g = np.clip(g, -clip, clip) if clip is not None else g
    m = b1 * slot.get("m", 0.0) + (1 - b1) * g
    v = b2 * slot.get("v", 0.0) + (1 - b2) * g * g
    n = 1 if stuck else t + count  # stuck: a counter never incremented
    if (
        keras_alpha
    ):  # Keras 3: alpha = lr sqrt(1 - b2^t) / (1 - b1^t); W -= m alpha / (sqrt(v) + eps)
        new = W - m * (lr * math.sqrt(1 - b2**n) / (1 - b1**n)) / (np.sqrt(v) + eps)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):  # t from 0, eps 0: 0/0 is NaN
            m_hat = m / (1 - b1**n) if first_power else m / (1 - b1)
            v_hat = v / (1 - b2**n)
            new = W - lr * m_hat / (np.sqrt(v_hat + eps) if eps_root else np.sqrt(v_hat) + eps)
    if wd and not coupled:
        new = new - (lr * wd if wd_times_lr else wd) * W
    return new, {"m": m, "v": v}


def sgd_no_dampening(W, g, slot, lr, t, beta=0.9):
    v = beta * slot.get("v", 0.0) + g
    return W - lr * v, {"v": v}


def torch_sgd_dampening(W, g, slot, lr, t, beta=0.9):
    """PyTorch SGD(momentum=beta, dampening=beta): the first buffer is dW itself."""
    buf = g if t == 1 else beta * slot["buf"] + (1 - beta) * g
    return W - lr * buf, {"buf": buf}


def keras_sgd(W, g, slot, lr, t, beta=0.9):
    """Keras SGD given the course's mapping learning_rate = lr (1 - beta): v = beta v - rate dW."""
    velocity = beta * slot.get("velocity", 0.0) - lr * (1 - beta) * g
    return W + velocity, {"velocity": velocity}


def per_update_decay_gd(W, g, slot, lr, t):
    """lr0 / (1 + floor(updates / 2)): the schedule of DECAY called with the update count."""
    return W - 0.1 / (1 + (t - 1) // 2) * g, slot


def fixed_rate_gd(W, g, slot, lr, t):
    return W - 0.05 * g, slot


def unlagged_schedule_gd(W, g, slot, lr, t):
    """lr0 / (1 + floor(epoch / 2)) from its own count, 3 batches an epoch, with no lag."""
    epoch = (t - 1) // 3
    return W - 0.1 / (1 + epoch // 2) * g, slot


DECAY = {"learning_rate": 0.1, "decay": "scheduled", "decay_rate": 1.0, "time_interval": 2,
         "batches_per_epoch": 3}  # fmt: skip
VARIANTS = [  # (kind, step, hyperparameters, the names diagnosed)
    ("rmsprop", keras_rmsprop, {}, ["epsilon inside the root"]),
    ("adam", partial(adam_like, eps_root=True), {}, ["epsilon inside the root"]),
    ("adam", partial(adam_like, keras_alpha=True), {}, ["epsilon-hat"]),
    ("momentum", sgd_no_dampening, {}, ["momentum without (1 - beta)"]),
    ("momentum", torch_sgd_dampening, {}, ["momentum buffer starting at dW"]),
    ("momentum", keras_sgd, {}, ["learning rate folded into the velocity"]),
    ("adam", partial(adam_like, count=1), {}, ["bias correction one step ahead"]),
    ("adam", partial(adam_like, b1=F32), {}, ["hyperparameters rounded to float32"]),
    ("adamw", partial(adam_like, wd=0.1, coupled=True), {"weight_decay": 0.1},
     ["weight decay coupled to the gradient"]),
    ("adamw", partial(adam_like, wd=0.1, wd_times_lr=False), {"weight_decay": 0.1},
     ["weight decay not scaled by the rate"]),
    ("gd", fixed_rate_gd, {"learning_rate": 0.05}, ["learning-rate argument ignored"]),
    ("gd", unlagged_schedule_gd, DECAY, ["decay without the one-epoch lag"]),
    ("momentum", partial(keras_sgd, beta=F32), {},
     ["learning rate folded into the velocity", "hyperparameters rounded to float32"]),
    ("adam", partial(adam_like, stuck=True), {}, ["bias correction stuck at t = 1"]),
    ("adam", partial(adam_like, count=-1), {}, ["t starting at 0"]),
    ("adam", partial(adam_like, first_power=False), {}, ["first moment divided by (1 - beta1)"]),
    ("adamw", partial(adam_like, stuck=True, wd=0.1), {"weight_decay": 0.1},
     ["bias correction stuck at t = 1"]),
    ("gd", per_update_decay_gd, DECAY, ["decay at every update"]),
]  # fmt: skip


@pytest.mark.parametrize(
    "kind, step, hyper, names", VARIANTS, ids=lambda v: getattr(v, "__name__", None)
)
def test_each_hand_written_variant_is_named(kind, step, hyper, names):
    result = diagnose.optimizer(*per_key(step), kind, **hyper)
    assert not result.matches_course
    assert [f.name for f in result.findings] == names, str(result)
    assert all(f.migration_row in (None, *migration.TABLE) for f in result.findings)
    assert not result.size <= 0 and result.first_difference.startswith("step ")  # NaN: t from 0
    assert names[0] in str(result)


def test_the_course_formula_written_by_hand_matches():
    result = diagnose.optimizer(*per_key(adam_like), "adam")
    assert result.matches_course and result.findings == () and "matches the course" in str(result)


def test_a_float32_rounded_beta_is_named_with_the_beta():
    result = diagnose.optimizer(*per_key(partial(adam_like, b1=F32)), "adam")
    assert "beta1" in result.findings[0].description
    assert result.findings[0].migration_row == "hyperparameters"


def test_an_unknown_formula_is_reported_with_its_first_step_and_parameter():
    def no_sqrt(W, g, slot, lr, t):  # v_hat / (s_hat + eps): the square root forgotten
        m = 0.9 * slot.get("m", 0.0) + 0.1 * g
        v = 0.999 * slot.get("v", 0.0) + 0.001 * g * g
        return W - lr * (m / (1 - 0.9**t)) / (v / (1 - 0.999**t) + 1e-8), {"m": m, "v": v}

    result = diagnose.optimizer(*per_key(no_sqrt), "adam")
    assert result.verdict == "differs in an unknown way" and result.findings == ()
    assert result.first_difference.startswith("step 1, W1[")
    assert "differs in an unknown way" in str(result)


def course_loop_gd():
    """The course's update_parameters loop, L = len(parameters) // 2: with W3 and no b3 it
    stops at layer 2."""

    def update(grads, state, parameters, lr):
        new = dict(parameters)
        for l in range(1, len(parameters) // 2 + 1):
            new[f"W{l}"] = parameters[f"W{l}"] - lr * grads[f"W{l}"]
            new[f"b{l}"] = parameters[f"b{l}"] - lr * grads[f"b{l}"]
        return new, state

    return (lambda params: None), update


def test_a_parameter_the_update_never_reaches_is_named():
    result = diagnose.optimizer(*course_loop_gd(), "gd")
    assert result.verdict == "W3 never changes: your update does not reach it"
    assert result.unchanged == ("W3",) and result.first_difference is None
    assert "every other parameter matches the course" in str(result)


def test_an_unreached_parameter_and_another_bug_are_both_said():
    def skip_W3_no_sqrt(W, g, slot, lr, t):  # W3 left alone by the caller below
        m = 0.9 * slot.get("m", 0.0) + 0.1 * g
        v = 0.999 * slot.get("v", 0.0) + 0.001 * g * g
        return W - lr * (m / (1 - 0.9**t)) / (v / (1 - 0.999**t) + 1e-8), {"m": m, "v": v}

    init, update = per_key(skip_W3_no_sqrt)

    def partial_update(grads, state, params, lr):
        new, state = update(grads, state, params, lr)
        return {**new, "W3": params["W3"]}, state

    result = diagnose.optimizer(init, partial_update, "adam")
    assert result.unchanged == ("W3",) and result.first_difference.startswith("step 1, W1[")
    assert "the others differ too, first at step 1, W1[" in str(result)


def test_t_from_0_says_where_the_nan_appears_and_why():
    result = diagnose.optimizer(*per_key(partial(adam_like, count=-1)), "adam")
    assert result.not_finite.startswith("NaN first at step 1, W1[0, 0] (the course ")
    assert "1 - beta^0 = 0" in result.not_finite and "not finite: NaN first at" in str(result)


# ---------------------------------------------------------------- other hyperparameter values


def rmsprop_like(W, g, slot, lr, t, rho=0.999, eps=1e-8, *, eps_root=False, rate_scale=1.0):
    s = rho * slot.get("s", 0.0) + (1 - rho) * g * g
    with np.errstate(divide="ignore", invalid="ignore"):  # eps = 0 divides 0 by 0
        step = g / (np.sqrt(s + eps) if eps_root else np.sqrt(s) + eps)
    return W - rate_scale * lr * step, {"s": s}


HYPERPARAMETERS = [  # (kind, step, what the user passes, the verdict or the findings' names)
    ("adam", partial(adam_like, eps=1e-7), {},
     "the course's formula with epsilon = 1e-07 (the course uses 1e-08)"),
    ("rmsprop", partial(rmsprop_like, rho=0.9), {},
     "the course's formula with beta2 = 0.9 (the course uses 0.999)"),
    ("rmsprop", partial(rmsprop_like, rho=0.9, eps=1e-6), {},  # d2l's rmsprop
     "the course's formula with beta2 = 0.9, epsilon = 1e-06 (the course uses 0.999, 1e-08)"),
    ("momentum", partial(sgd_no_dampening, beta=0.99), {},
     ["momentum without (1 - beta)", "beta = 0.99"]),
    ("rmsprop", partial(rmsprop_like, rho=0.9, eps=1e-7, eps_root=True), {},  # stock Keras
     ["epsilon inside the root", "beta2 = 0.9", "epsilon = 1e-07"]),
    ("rmsprop", partial(rmsprop_like, rho=0.97), {},  # not a common value: fitted
     "the course's formula with beta2 = 0.97 (the course uses 0.999)"),
    ("adam", partial(adam_like, eps=3e-8), {"epsilon": 1e-8},
     "the course's formula with epsilon = 3e-08 (you gave 1e-08)"),
    ("adamw", partial(adam_like, wd=0.01), {"weight_decay": 0.1},
     "the course's formula with weight_decay = 0.01 (you gave 0.1)"),
]  # fmt: skip


@pytest.mark.parametrize("kind, step, given, expected", HYPERPARAMETERS, ids=str)
def test_the_course_formula_with_other_hyperparameters_is_named(kind, step, given, expected):
    result = diagnose.optimizer(*per_key(step), kind, **given)
    assert not result.matches_course and result.closest == ()
    if isinstance(expected, str):
        assert result.verdict == expected and f": {expected}\n" in str(result)
    else:
        assert result.verdict == "a known variant"
        assert [f.name for f in result.findings] == expected, str(result)
    assert all(f.migration_row in migration.TABLE for f in result.findings)


def test_a_common_default_is_said_to_be_whose():
    result = diagnose.optimizer(*per_key(partial(rmsprop_like, rho=0.9)), "rmsprop")
    assert "Keras, optax, numpy-ml and d2l" in result.findings[0].description
    result = diagnose.optimizer(*per_key(partial(adam_like, eps=1e-7)), "adam")
    assert "numpy-ml" in result.findings[0].description


def test_epsilon_0_is_named_with_the_nan_it_makes():
    """An Adam without epsilon (as d2l's TensorFlow Adam) divides 0/0 where a gradient is 0."""
    result = diagnose.optimizer(*per_key(partial(adam_like, eps=0.0)), "adam")
    assert result.verdict == "the course's formula with epsilon = 0.0 (the course uses 1e-08)"
    assert result.not_finite.startswith("NaN first at step 1, b2[0, 0] (the course ")
    assert "epsilon = 0: 0/0 where the gradient is exactly zero" in result.not_finite


def test_a_nan_nothing_explains_is_still_located():
    """No epsilon and a rate scaled by 1.5: unknown, but the NaN and its likely 0/0 are named."""
    result = diagnose.optimizer(*per_key(partial(rmsprop_like, eps=0.0, rate_scale=1.5)), "rmsprop")
    assert result.verdict == "differs in an unknown way", str(result)
    assert result.not_finite.startswith("NaN first at step 1, b2[0, 0]")
    assert "likely 0/0: b2's gradient is exactly zero up to step 1" in result.not_finite


def test_a_finite_run_has_no_nan_line():
    result = diagnose.optimizer(*per_key(partial(adam_like, eps=1e-7)), "adam")
    assert result.not_finite is None and "not finite" not in str(result)


# ---------------------------------------------------------------- a known part and something else


def test_a_known_variant_with_something_else_names_the_known_part():
    """Keras' epsilon-hat Adam that also clips every gradient to [-1, 1]."""
    result = diagnose.optimizer(*per_key(partial(adam_like, keras_alpha=True, clip=1.0)), "adam")
    assert result.findings == () and not result.matches_course
    assert result.verdict == "partly a known variant: something else differs too"
    assert [f.name for f in result.closest] == ["epsilon-hat"]
    assert "and something else differs: that formula reproduces " in str(result)
    assert "first leaves them at step 1, W1[" in result.remainder
    assert "||W - W_closest|| / ||W_closest - W_0|| = " in result.remainder


def test_an_unrelated_formula_has_no_closest_variant():
    """Adam diagnosed as RMSprop equals RMSprop with beta2 = 0 at step 1 only: no closest."""
    result = diagnose.optimizer(*per_key(adam_like), "rmsprop")
    assert result.verdict == "differs in an unknown way" and result.closest == ()


def test_every_named_variant_leaves_the_course_by_far_more_than_the_tolerance():
    """On the crafted run each single variant is >= 1e3 tolerances from the course and from every
    other variant, so the candidate that reproduces a trajectory is unique."""
    for kind, schedule in ((k, s) for k in diagnose.KINDS for s in ({}, DECAY)):
        hyper = {"weight_decay": 0.1} if kind == "adamw" else {}
        setup = diagnose_optimizers._setup(kind, {**hyper, **schedule})
        gradients = diagnose_optimizers._gradients(setup.steps)
        runs = [formulas.Formula()] + [f for f, found in diagnose_optimizers._candidates(setup)
                                       if len(found) == 1]  # fmt: skip
        finals = [diagnose_optimizers._trajectory(setup, f, gradients)[-1] for f in runs]
        for (i, a), (j, b) in ((x, y) for x in enumerate(finals) for y in enumerate(finals)):
            if i < j:
                gap = max(_gap(a[k], b[k]) for k in a)
                assert gap > 1e3, (kind, runs[i], runs[j], gap)


def _gap(a, b):
    """The largest |a - b| in tolerances; NaN against a number is infinitely far (t from 0 makes
    every parameter NaN), NaN against NaN is no gap."""
    both = np.isnan(a) & np.isnan(b)
    one = np.isnan(a) ^ np.isnan(b)
    gaps = np.abs(a - b) / (1e-14 + 1e-12 * np.abs(b))
    return float(np.max(np.where(one, np.inf, np.where(both, 0.0, gaps))))


# ---------------------------------------------------------------- the project's and stock optimizers


def config_for(kind):
    return TrainConfig(learning_rate=0.01, optimizer=kind, num_iterations=1)


@pytest.mark.parametrize("package", ["pure_numpy", "jax_impl", "tf_impl"])
@pytest.mark.parametrize("kind", ["gd", "momentum", "rmsprop", "adam"])
def test_the_projects_optimizers_match_the_course(package, kind):
    module = __import__(f"{package}.optimizers", fromlist=["make_optimizer"])
    config = config_for(kind)
    optimizer = module.make_optimizer(config)
    result = diagnose.optimizer(optimizer.init, optimizer.update, kind,
                                **config.optimizer_hyperparameters())  # fmt: skip
    assert result.matches_course, str(result)


def optax_pair(factory, **hyper):
    """An optax transformation as an (init, update) pair, its rate injected every call."""
    import jax.numpy as jnp
    import optax

    tx = optax.inject_hyperparams(factory)(learning_rate=0.01, **hyper)

    def update(grads, state, params, lr):
        state = state._replace(hyperparams={**state.hyperparams, "learning_rate": jnp.asarray(lr)})
        updates, state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    return tx.init, update


def test_optax_rmsprop_default_is_epsilon_inside_the_root():
    import optax

    result = diagnose.optimizer(*optax_pair(optax.rmsprop, decay=0.999, eps=1e-8), "rmsprop")
    assert [f.name for f in result.findings] == ["epsilon inside the root"]
    assert result.findings[0].migration_row == "rmsprop"


def test_optax_adamw_matches_the_course_adamw():
    import optax

    pair = optax_pair(optax.adamw, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.1)
    assert diagnose.optimizer(*pair, "adamw", weight_decay=0.1).matches_course


@pytest.fixture
def keras_float64():
    from keras_impl import backend

    backend.configure("float64")


def keras_pair(make):
    """A Keras optimizer on tf.Variables as an (init, update) pair, its rate set every call."""
    import tensorflow as tf

    def init(params):
        variables = {k: tf.Variable(v) for k, v in params.items()}
        optimizer = make()
        optimizer.build(list(variables.values()))
        return {"optimizer": optimizer, "variables": variables}

    def update(grads, state, params, lr):
        optimizer, variables = state["optimizer"], state["variables"]
        optimizer.learning_rate = np.float64(lr)
        optimizer.apply_gradients([(tf.constant(grads[k]), variables[k]) for k in variables])
        return dict(variables), state

    return init, update


def test_keras_adam_is_epsilon_hat(keras_float64):
    import keras

    f64 = np.float64
    pair = keras_pair(lambda: keras.optimizers.Adam(beta_1=f64(0.9), beta_2=f64(0.999),
                                                    epsilon=f64(1e-8)))  # fmt: skip
    result = diagnose.optimizer(*pair, "adam")
    assert [f.name for f in result.findings] == ["epsilon-hat"]
    assert result.findings[0].migration_row == "adam"


def test_keras_adam_with_python_floats_also_rounds_its_bias_correction(keras_float64):
    import keras

    result = diagnose.optimizer(*keras_pair(lambda: keras.optimizers.Adam(epsilon=1e-8)), "adam")
    assert [f.name for f in result.findings] == [
        "epsilon-hat",
        "hyperparameters rounded to float32",
    ]
    assert "beta1^t, beta2^t" in result.findings[1].description


# ---------------------------------------------------------------- bad input


def adam_pair():
    return per_key(adam_like)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: diagnose.optimizer(1, adam_pair()[1], "adam"), "init: expected a function"),
        (lambda: diagnose.optimizer(*adam_pair(), "nadam"), "kind: unknown optimizer 'nadam'"),
        (lambda: diagnose.optimizer(*adam_pair(), "adam", beta=0.9), "hyperparameter 'beta'"),
        (lambda: diagnose.optimizer(*adam_pair(), "adamw"), "weight_decay: adamw needs it"),
        (lambda: diagnose.optimizer(*adam_pair(), "adam", beta1=1.5), "beta1: must be < 1"),
        (lambda: diagnose.optimizer(adam_pair()[0], lambda g, s, p, lr: p, "adam"),
         "update: expected (params, state)"),
        (lambda: diagnose.optimizer(adam_pair()[0], lambda g, s, p, lr: ({"W1": 1}, s), "adam"),
         "update: params at step 1 should be a dict"),
        (lambda: diagnose.optimizer(adam_pair()[0], lambda g, s, p, lr: 1 / 0, "adam"),
         "update raised ZeroDivisionError: division by zero"),
        (lambda: diagnose.optimizer(
            adam_pair()[0], lambda g, s, p, lr: ({k: v.astype(np.float32) for k, v in p.items()}, s),
            "adam"), "update: W1 at step 1: dtype float32, diagnosis needs float64"),
    ],
)  # fmt: skip
def test_bad_optimizer_input_is_one_line(call, message):
    with pytest.raises(DlparityError) as error:
        call()
    assert message in str(error.value) and "\n" not in str(error.value)


def test_the_tolerance_is_the_parity_suites():
    assert tuple(TOLERANCES["float64"].values()) == (diagnose.RTOL, diagnose.ATOL)


# ---------------------------------------------------------------- models: user ports in JAX

DEEP = ModelSpec("deep", (3, 5, 4, 1), lambd=0.7, keep_prob=0.8)  # sigmoid, L2, dropout
SOFTMAX = ModelSpec("deep", (3, 5, 4, 3), output="softmax")
BN = ModelSpec("softmax_bn", (3, 5, 4, 3), output="softmax", batchnorm=True)


def params_for(spec):
    return initialize_parameters(spec, "he", seed=1)


def jax_port(spec, *, per_layer=False, keras_layout=False, softmax_axis=0, dropout_scale=True,
             l2_divisor=2, clip=False, ddof=0, bn_epsilon=None, bn_momentum=None):  # fmt: skip
    """A user's own JAX port of the spec's network (not jax_impl's), with the bugs asked for."""
    import jax
    import jax.numpy as jnp
    import optax

    L = spec.num_layers
    eps = spec.bn_epsilon if bn_epsilon is None else bn_epsilon
    momentum = spec.bn_momentum if bn_momentum is None else bn_momentum

    def batchnorm(Z, l, params, bn_state, state):
        mu, var = Z.mean(axis=1, keepdims=True), Z.var(axis=1, ddof=ddof, keepdims=True)
        state[f"mu{l}"] = bn_state[f"mu{l}"] * momentum + mu * (1 - momentum)
        state[f"var{l}"] = bn_state[f"var{l}"] * momentum + var * (1 - momentum)
        return params[f"gamma{l}"] * (Z - mu) / jnp.sqrt(var + eps) + params[f"beta{l}"]

    def layers(params, X, masks=None, bn_state=None):
        A, out, state = jnp.asarray(X), {}, {}
        for l in range(1, L):
            Z = params[f"W{l}"] @ A
            Z = batchnorm(Z, l, params, bn_state, state) if spec.batchnorm else Z + params[f"b{l}"]
            out[f"Z{l}"] = Z
            A = out[f"A{l}"] = jax.nn.relu(Z)
            if masks is not None:
                A = A * masks[f"D{l}"] / (spec.keep_prob if dropout_scale else 1.0)
        out[f"Z{L}"] = ZL = params[f"W{L}"] @ A + params[f"b{L}"]
        sigmoid = spec.output == "sigmoid"
        out["AL"] = jax.nn.sigmoid(ZL) if sigmoid else jax.nn.softmax(ZL, axis=softmax_axis)
        return out, state

    def forward(params, X, **kwargs):
        out, state = layers(params, X, **kwargs)
        if keras_layout:
            return out["AL"].T
        return (out if per_layer else out["AL"]), state

    def cost(params, X, Y, **kwargs):
        out, state = layers(params, X, **kwargs)
        ZL, AL, m = out[f"Z{L}"], out["AL"], Y.shape[1]
        if spec.output == "softmax":
            J = optax.softmax_cross_entropy(ZL, Y, axis=0).mean()
        elif clip:
            a = jnp.clip(AL, 1e-7, 1 - 1e-7)
            J = -jnp.mean(Y * jnp.log(a) + (1 - Y) * jnp.log(1 - a))
        else:
            J = optax.sigmoid_binary_cross_entropy(ZL, Y).mean()
        weights = sum(jnp.sum(params[f"W{l}"] ** 2) for l in range(1, L + 1))
        return J + spec.lambd / (l2_divisor * m) * weights, state

    def gradients(params, X, Y, **kwargs):
        (J, state), grads = jax.value_and_grad(cost, has_aux=True)(params, X, Y, **kwargs)
        return J, ({k: g.T for k, g in grads.items()} if keras_layout else grads), state

    return forward, gradients


def names(result):
    return [cause.name for cause in result.causes]


@pytest.mark.parametrize("spec", [DEEP, SOFTMAX, BN], ids=["deep", "softmax", "bn"])
def test_a_correct_jax_port_matches_per_layer_too(spec):
    forward, gradients = jax_port(spec, per_layer=True)
    result = diagnose.model(forward, spec, params_for(spec), gradients=gradients)
    assert result.matches_course and result.causes == (), str(result)
    assert {"Z1", "A1", "AL", "cost", "dW1"} <= set(result.compared)
    assert ("mu1" in result.compared) == spec.batchnorm


JAX_BUGS = [  # (spec, bug, causes named, first tensor that differs)
    (DEEP, {"keras_layout": True}, ["layout transpose"], "AL"),
    (DEEP, {"dropout_scale": False, "per_layer": True}, ["dropout without 1/keep_prob"], "Z2"),
    (DEEP, {"l2_divisor": 1}, ["L2 as lambd/m"], "cost"),
    (DEEP, {"clip": True}, ["BCE from clipped probabilities"], "cost"),
    (SOFTMAX, {"softmax_axis": 1}, ["softmax over the wrong axis"], "AL"),
    (BN, {"ddof": 1, "per_layer": True},
     ["unbiased batch-norm variance", "unbiased running variance"], "Z1"),
    (BN, {"bn_epsilon": 1e-3, "bn_momentum": 0.99},
     ["Keras batch-norm epsilon 1e-3", "Keras batch-norm momentum 0.99"], "AL"),
]  # fmt: skip


@pytest.mark.parametrize("spec, bug, causes, first", JAX_BUGS, ids=lambda v: str(v)[:30])
def test_each_bug_in_a_jax_port_is_named(spec, bug, causes, first):
    forward, gradients = jax_port(spec, **bug)
    result = diagnose.model(forward, spec, params_for(spec), gradients=gradients)
    assert names(result) == causes, str(result)
    assert result.first_difference.startswith(f"{first}:") and result.unexplained is None
    assert all(cause.migration_row in migration.TABLE for cause in result.causes)


def test_clipping_is_examined_on_inputs_that_saturate_the_sigmoid():
    """The seeded inputs include examples with 17 <= |ZL| <= 23, where the clip acts."""
    from dlparity.diagnose import reference

    case = reference.seeded_case(params_for(DEEP), DEEP)
    ZL = reference.forward_values(params_for(DEEP), case, DEEP, reference.Variant())[0]["Z3"]
    assert case.saturated >= 1 and np.sum(np.abs(ZL) >= 17) == case.saturated


def test_an_unknown_bug_names_the_first_tensor_that_differs():
    forward, gradients = jax_port(DEEP, l2_divisor=3)  # lambd / 3m: no known cause
    result = diagnose.model(forward, DEEP, params_for(DEEP), gradients=gradients)
    assert result.verdict == "differs in an unknown way"
    assert result.unexplained.startswith("cost:") and "no known cause for cost" in str(result)


@pytest.mark.parametrize("package", ["jax_impl", "tf_impl"])
@pytest.mark.parametrize("spec", [DEEP, BN], ids=["deep", "bn"])
def test_the_projects_forward_and_gradients_match(package, spec):
    models = __import__(f"{package}.models", fromlist=["forward"])

    def forward(params, X, **kwargs):
        return models.forward(params, X, spec, training=True, **kwargs)

    def gradients(params, X, Y, **kwargs):
        return models.gradients(params, X, Y, spec, **kwargs)

    result = diagnose.model(forward, spec, params_for(spec), gradients=gradients)
    assert result.matches_course, str(result)


# ---------------------------------------------------------------- models: user ports in TensorFlow


def tf_port(spec, *, keras_loss=False, keras_l2=None):
    """A user's TensorFlow port in the course layout; keras_loss uses Keras' loss on the
    probabilities, keras_l2(m) the factor of a keras.regularizers.L2 on every W."""
    import keras
    import tensorflow as tf

    L = spec.num_layers

    def outputs(params, X):
        A = tf.constant(X)
        for l in range(1, L):
            A = tf.nn.relu(tf.matmul(params[f"W{l}"], A) + params[f"b{l}"])
        ZL = tf.matmul(params[f"W{L}"], A) + params[f"b{L}"]
        return ZL, tf.sigmoid(ZL) if spec.output == "sigmoid" else tf.nn.softmax(ZL, axis=0)

    def forward(params, X):
        return outputs({k: tf.constant(v) for k, v in params.items()}, X)[1]

    def cost(ZL, AL, Y):
        if keras_loss:
            sigmoid = spec.output == "sigmoid"
            loss = (
                keras.losses.BinaryCrossentropy()
                if sigmoid
                else keras.losses.CategoricalCrossentropy()
            )
            return loss(Y, AL)
        if spec.output == "sigmoid":
            return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=Y, logits=ZL))
        return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=Y, logits=ZL, axis=0))

    def gradients(params, X, Y):
        variables = {k: tf.Variable(v) for k, v in params.items()}
        with tf.GradientTape() as tape:
            J = cost(*outputs(variables, X), tf.constant(Y))
            if keras_l2 is not None:
                l2 = keras.regularizers.L2(keras_l2(Y.shape[1]))
                J += sum(l2(variables[f"W{l}"]) for l in range(1, L + 1))
        grads = tape.gradient(J, list(variables.values()))
        return J, dict(zip(variables, grads, strict=True))

    return forward, gradients


L2_SPEC = ModelSpec("deep", (3, 5, 4, 1), lambd=0.7)
TF_BUGS = [  # (spec, port options, causes named)
    (ModelSpec("deep", (3, 5, 4, 1)), {"keras_loss": True}, ["BCE from clipped probabilities"]),
    (SOFTMAX, {"keras_loss": True}, ["cross-entropy over the wrong axis"]),
    (L2_SPEC, {"keras_l2": lambda m: 0.7 / (2 * m)}, ["L2 factor in float32"]),
    (L2_SPEC, {"keras_l2": lambda m: 0.7 / m}, ["L2 as lambd/m", "L2 factor in float32"]),
]  # fmt: skip


@pytest.mark.parametrize("spec, options, causes", TF_BUGS, ids=lambda v: str(v)[:30])
def test_each_bug_in_a_tensorflow_port_is_named(keras_float64, spec, options, causes):
    forward, gradients = tf_port(spec, **options)
    result = diagnose.model(forward, spec, params_for(spec), gradients=gradients)
    assert names(result) == causes, str(result)
    assert result.first_difference.startswith("cost:") and result.unexplained is None


def test_a_correct_tensorflow_port_matches(keras_float64):
    forward, gradients = tf_port(SOFTMAX)
    assert diagnose.model(forward, SOFTMAX, params_for(SOFTMAX), gradients=gradients).matches_course


def keras_sequential(spec, hidden_layers):
    import keras

    layers = [keras.Input((spec.layer_dims[0],))]
    for n in spec.layer_dims[1:-1]:
        layers += hidden_layers(n)
    layers.append(keras.layers.Dense(spec.layer_dims[-1], activation=spec.output))
    return keras.Sequential(layers)


def test_a_keras_model_in_keras_layout_is_a_layout_transpose(keras_float64):
    import keras
    import tensorflow as tf

    from dlparity.core import layout

    spec = ModelSpec("deep", (3, 5, 4, 1))
    model = keras_sequential(spec, lambda n: [keras.layers.Dense(n, activation="relu")])

    def forward(params, X):
        model.set_weights(layout.to_keras_weights(params, spec))
        return model(X.T)  # (m, 1)

    def gradients(params, X, Y):
        model.set_weights(layout.to_keras_weights(params, spec))
        with tf.GradientTape() as tape:
            J = keras.losses.BinaryCrossentropy()(Y.T, model(X.T))
        grads = tape.gradient(J, model.trainable_weights)  # kernels (n_in, n_out), biases (n,)
        slots = layout.keras_slots(spec, trainable_only=True)
        return J, {key: g for (key, _), g in zip(slots, grads, strict=True)}

    result = diagnose.model(forward, spec, params_for(spec), gradients=gradients)
    assert names(result) == ["layout transpose"] and result.unexplained is None, str(result)


def test_keras_batchnorm_defaults_are_named(keras_float64):
    import keras
    import tensorflow as tf

    from dlparity.core import layout

    def hidden(n):
        bn = keras.layers.BatchNormalization()  # momentum 0.99, epsilon 1e-3
        return [keras.layers.Dense(n, use_bias=False), bn, keras.layers.Activation("relu")]

    model = keras_sequential(BN, hidden)

    def forward(params, X, bn_state):
        model.set_weights(layout.to_keras_weights(params, BN, bn_state))
        AL = model(X.T, training=True)
        return tf.transpose(AL), layout.from_keras_weights(model.get_weights(), BN)[1]

    result = diagnose.model(forward, BN, params_for(BN))
    assert names(result) == ["Keras batch-norm epsilon 1e-3", "Keras batch-norm momentum 0.99"]
    assert any("loss, L2 and gradients were not compared" in note for note in result.notes)


# ---------------------------------------------------------------- models: bad input


def good_forward(params, X):
    return jax_port(SOFTMAX)[0](params, X)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: diagnose.model("f", SOFTMAX, params_for(SOFTMAX)), "forward: expected a function"),
        (lambda: diagnose.model(good_forward, "deep", params_for(SOFTMAX)),
         "reference_spec: expected a ModelSpec"),
        (lambda: diagnose.model(good_forward, SOFTMAX, params_for(DEEP)), "params: W3 has shape"),
        (lambda: diagnose.model(good_forward, SOFTMAX, params_for(SOFTMAX), gradients=3),
         "gradients: expected a function"),
        (lambda: diagnose.model(lambda p, X: {"H1": X}, SOFTMAX, params_for(SOFTMAX)),
         "forward: unknown value 'H1'"),
        (lambda: diagnose.model(lambda p, X: p["W9"], SOFTMAX, params_for(SOFTMAX)),
         "forward raised KeyError: 'W9'"),
        (lambda: diagnose.model(lambda p, X: np.float32(X), SOFTMAX, params_for(SOFTMAX)),
         "forward: AL: dtype float32, diagnosis needs float64"),
        (lambda: diagnose.model(good_forward, SOFTMAX, params_for(SOFTMAX),
                                gradients=lambda p, X, Y: 1.0), "gradients: expected (cost, grads"),
        (lambda: diagnose.model(good_forward, SOFTMAX, params_for(SOFTMAX),
                                gradients=lambda p, X, Y: (1.0, {"W1": X})),
         "gradients: grads should be a dict of W1, b1"),
    ],
)  # fmt: skip
def test_bad_model_input_is_one_line(call, message):
    with pytest.raises(DlparityError) as error:
        call()
    assert message in str(error.value) and "\n" not in str(error.value)


class TorchLike:
    """Quacks like a PyTorch tensor: .detach().cpu().numpy(), arithmetic on the values."""

    def __init__(self, value):
        self.value = np.asarray(value)

    def detach(self):
        return self

    def cpu(self):
        return self

    def numpy(self):
        return self.value


def test_tensors_that_quack_like_pytorch_are_read_without_importing_it():
    init, update = per_key(adam_like)

    def torch_update(grads, state, params, lr):
        plain = {k: v.value for k, v in params.items()}
        new, state = update({k: g.value for k, g in grads.items()}, state, plain, lr)
        return {k: TorchLike(v) for k, v in new.items()}, state

    result = diagnose.optimizer(init, torch_update, "adam", convert=TorchLike)
    assert result.matches_course, str(result)


def test_the_readme_examples_print_what_the_readme_shows(keras_float64, capsys):
    """Each Python block of "Diagnose your own port" prints the output block that follows it."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## Diagnose your own port")[1].split("\n## ")[0]
    pairs = re.findall(r"```python\n(.*?)```\n\n```\n(.*?)```", section, re.S)
    pairs = [(code, shown) for code, shown in pairs if not shown.startswith("$ ")]  # commands
    assert len(pairs) == 2
    for code, shown in pairs:
        exec(compile(code, "README.md", "exec"), {})
        assert capsys.readouterr().out == shown
