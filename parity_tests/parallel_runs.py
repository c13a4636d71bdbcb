"""python -m parity_tests.parallel_runs FRAMEWORK N: the runs the data-parallel parity tests compare
(FRAMEWORK: jax, tf or keras).

A process's device count is fixed when its framework starts (XLA's host device count for JAX,
TF's logical devices), so test_data_parallel runs this in a process of its own, with N host
devices, and reads the JSON it prints:

    {"runs": {case: {"1": run, "2": run, ..., "N": run}}, "batchnorm": {...}, ...}

run = {"costs", "params", "bn_state", "devices"}; "1" is the plain run, without devices=. Arrays
are nested lists of floats (JSON keeps float64 exactly). "batchnorm" is one sharded training-mode
pass of a batch-norm network over 2 devices: its cost, gradients and new running statistics.
"""

import dataclasses
import json
import sys

import numpy as np

from dlparity.core.errors import DlparityError
from dlparity.core.init import initialize_parameters
from dlparity.core.spec import ModelSpec, TrainConfig
from dlparity.course import data, experiments
from dlparity.runtime import devices
from dlparity.tools.runs import initial_parameters

# short prefixes of the course's runs: opt-adam's batches are 64, 64, 64, 64 and 44 examples,
# digits-bn's 21 of 64 and a last one of 3 (which 2 and 4 devices do not divide); a small
# network with dropout and L2 (batches of 16, 16, 16 and 2), with the course's shared masks and
# with the framework's own randomness; reg-dropout's full batches of 211 (course data: the
# case is left out of the JSON when the file is missing); and digits-resnet's images, split on
# their first axis, with batch norm over each channel of the whole batch
CASES = {
    "opt-adam-30": ("opt-adam", {"num_epochs": 30, "record_every": 1}),
    "digits-bn-4": ("digits-bn", {"num_epochs": 4, "record_every": 1}),
    "dropout-l2": (None, {}),
    "dropout-l2-native": (None, {"randomness": "native"}),
    "reg-dropout-50": ("reg-dropout", {"num_iterations": 50, "record_every": 10}),
    "digits-resnet-2": ("digits-resnet", {"num_epochs": 2, "record_every": 1}),
}
# Keras draws nothing itself: its dropout runs with the course's shared masks, each replica
# taking its rows of the whole batch's mask
FRAMEWORK_CASES = {
    "jax": list(CASES),
    "tf": list(CASES),
    "keras": [case for case, (_, changes) in CASES.items() if "randomness" not in changes],
}
DROPOUT_L2 = ModelSpec("deep", (2, 5, 3, 1), keep_prob=0.8, lambd=0.7)


def _problem(name, changes):
    """(spec, config, (X, Y), params0, options) of a case."""
    if name is None:
        config = TrainConfig(learning_rate=0.05, optimizer="adam", num_epochs=8,
                             mini_batch_size=16, record_every=1)  # fmt: skip
        rng = np.random.RandomState(0)
        X, Y = rng.randn(2, 50), (rng.rand(1, 50) < 0.5).astype(np.float64)
        params0 = initialize_parameters(DROPOUT_L2, "he", seed=1)
        return DROPOUT_L2, config, (X, Y), params0, changes
    experiment = experiments.get(name)
    X, Y, _, _ = data.load(experiment.dataset)
    config = dataclasses.replace(experiment.config, **changes)
    return experiment.spec, config, (X, Y), initial_parameters(experiment), {}


BN_SPEC = ModelSpec("softmax_bn", (3, 5, 4, 3), output="softmax", batchnorm=True)
BN_M = 10
BN_SHIFT = 3.0  # added to the first half of the batch, so per-device statistics would differ


def bn_problem():
    """The batch-norm pass's inputs: parity_tests.conftest's seeded problem, first half shifted."""
    from parity_tests.conftest import seeded_problem

    case = seeded_problem(BN_SPEC, m=BN_M, seed=3)
    case.X[:, : BN_M // 2] += BN_SHIFT
    return case


def _listed(tree):
    return {k: v.tolist() for k, v in tree.items()}


def _runs(train, count: int, cases) -> dict:
    runs = {}
    for case in cases:
        name, changes = CASES[case]
        try:
            spec, config, XY, params0, options = _problem(name, changes)
        except DlparityError:  # a course file that is not here
            continue
        runs[case] = {}
        for n in range(1, count + 1):
            if n == 1 or count % n == 0:
                devices_option = {} if n == 1 else {"devices": n}
                result = train(spec, config, XY, params0, **options, **devices_option)
                runs[case][str(n)] = {
                    "costs": {str(s): c for s, c in result.costs.items()},
                    "params": _listed(result.params),
                    "bn_state": _listed(result.bn_state),
                    "devices": result.extra["devices"],
                }
    return runs


def _jax(count: int) -> dict:
    devices.simulate_host_devices(count)
    import jax

    import jax_impl.train as jt
    from jax_impl.models import cost_and_gradients
    from jax_impl.parallel import Placement

    out = {"runs": _runs(jt.train, count, FRAMEWORK_CASES["jax"])}
    # the collectives XLA put into the last run compiled (digits-bn on `count` devices)
    executable = next(reversed(jt._compiled_runs.values()))
    out["all_reduces"] = executable.as_text().count("all-reduce(")
    placement, case = Placement(2), bn_problem()

    def sharded_pass(params, X, Y, bn_state):
        X, Y = placement.batch((X, Y))
        return cost_and_gradients(params, X, Y, BN_SPEC, None, bn_state)

    arguments = placement.put((case.params, case.X, case.Y, case.bn_state))
    cost, grads, bn_state = jax.jit(sharded_pass)(*arguments)
    out["batchnorm"] = {"cost": float(cost), "grads": _listed(grads), "bn_state": _listed(bn_state)}
    return out


def _tf(count: int) -> dict:
    from dlparity.runtime.strategy import simulate_cpus
    from tf_impl import parallel

    simulate_cpus(count)  # before the one-device runs initialize TensorFlow
    import tensorflow as tf

    import tf_impl.train as tt

    out = {"runs": _runs(tt.train, count, FRAMEWORK_CASES["tf"])}
    placement, case = parallel.Placement(2), bn_problem()
    with placement.scope():
        params = {k: tf.Variable(v) for k, v in case.params.items()}
        bn_state = {k: tf.Variable(v) for k, v in case.bn_state.items()}
    sharded_pass = tf.function(
        lambda X, Y: placement.cost_and_gradients(params, X, Y, BN_SPEC, None, bn_state)
    )
    cost, grads, new_state = sharded_pass(tf.constant(case.X), tf.constant(case.Y))
    out["batchnorm"] = {
        "cost": float(cost),
        "grads": _listed({k: v.numpy() for k, v in grads.items()}),
        "bn_state": _listed({k: v.numpy() for k, v in new_state.items()}),
    }
    out["blocks"] = {str(m): _tf_blocks(parallel, count, m) for m in (64, 3)}
    try:  # TensorFlow has initialized with `count` devices: more cannot be made now
        parallel.Placement(2 * count)
    except DlparityError as error:
        out["too_few"] = str(error)
    return out


def _tf_blocks(parallel, count: int, m: int) -> list[int]:
    """How many of a mini-batch of m examples each of `count` replicas receives."""
    import tensorflow as tf

    strategy = parallel.Placement(count).strategy

    def block_size(X):
        return tf.shape(parallel._block(X, tf.distribute.get_replica_context()))[1]

    sizes = strategy.run(tf.function(block_size), args=(tf.zeros((1, m)),))
    return [int(size) for size in strategy.experimental_local_results(sizes)]


def _keras(count: int) -> dict:
    from dlparity.runtime.strategy import simulate_cpus

    simulate_cpus(count)  # before the one-device runs initialize TensorFlow
    import keras_impl.train as kt

    return {"runs": _runs(kt.train, count, FRAMEWORK_CASES["keras"]), "batchnorm": _keras_bn()}


def _keras_bn() -> dict:
    """bn_problem's training-mode pass through the Keras model, split over 2 replicas."""
    import tensorflow as tf

    from dlparity.core import layout
    from keras_impl import backend
    from keras_impl import models as km

    strategy, case = backend.distribution(2), bn_problem()
    with strategy.scope():
        model = km.compile_model(km.build_model(BN_SPEC), BN_SPEC, replicas=2)
    model.set_weights(layout.to_keras_weights(case.params, BN_SPEC, case.bn_state))
    x, y = layout.to_keras_inputs(case.X, BN_SPEC), layout.to_keras_labels(case.Y, BN_SPEC)

    def halves(context):
        first, stop = devices.block(BN_M, context.replica_id_in_sync_group, 2)
        return tf.constant(x[first:stop]), tf.constant(y[first:stop])

    @tf.function
    def sharded_pass(xy):
        def replica(x, y):
            cost, grads = backend.value_and_grad(model, x, y)
            return backend.replica_sum(cost), [backend.replica_sum(g) for g in grads]

        return strategy.run(replica, args=xy)

    cost, grads = sharded_pass(strategy.experimental_distribute_values_from_function(halves))
    cost, grads = tf.nest.map_structure(lambda v: strategy.experimental_local_results(v)[0],
                                        (cost, grads))  # fmt: skip
    grads = layout.from_keras_gradients([g.numpy() for g in grads], BN_SPEC)
    bn_state = layout.from_keras_weights(model.get_weights(), BN_SPEC)[1]
    return {"cost": float(cost), "grads": _listed(grads), "bn_state": _listed(bn_state)}


if __name__ == "__main__":
    framework, count = sys.argv[1], int(sys.argv[2])
    print(json.dumps({"jax": _jax, "tf": _tf, "keras": _keras}[framework](count)))
