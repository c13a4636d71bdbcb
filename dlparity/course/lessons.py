"""The lessons of `dlparity show`: one idea of the course, where its code lives in each package.

Every entry names functions by "module:qualified name"; `source` reads their code with inspect,
so what is shown is what runs. tests/test_show.py resolves every entry in every package: a
renamed function fails the test suite, not the user. Modules are imported only when a lesson is
shown (jax_impl and tf_impl import their framework).
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass

from dlparity.core.errors import DlparityError

# column -> what it holds; the keras column is keras_impl, idiomatic Keras on TF or JAX
PACKAGES = {
    "numpy": "pure_numpy, the reference: backward by hand",
    "jax": "jax_impl: jax.value_and_grad, jit, optax",
    "tf": "tf_impl: tf.GradientTape, tf.function",
    "keras": "keras_impl: Keras layers, model.fit (TensorFlow or JAX backend)",
}


@dataclass(frozen=True)
class Lesson:
    summary: str
    code: dict[str, tuple[str, ...]]  # package -> ("module:qualname", ...), in reading order
    shared: tuple[str, ...] = ()  # spine code every package runs as it is
    rows: tuple[str, ...] = ()  # keys of dlparity.course.migration.TABLE
    note: str = ""  # why a package's column is empty, when one is


LESSONS: dict[str, Lesson] = {
    "forward": Lesson(
        "forward propagation: Z = W A_prev + b, A = g(Z), layer after layer",
        {"numpy": ("pure_numpy.layers:linear_forward", "pure_numpy.models:_hidden_layer",
                   "pure_numpy.models:_forward"),
         "jax": ("jax_impl.layers:linear_forward", "jax_impl.models:_hidden_layer",
                 "jax_impl.models:_forward"),
         "tf": ("tf_impl.layers:linear_forward", "tf_impl.models:_hidden_layer",
                "tf_impl.models:_forward"),
         "keras": ("keras_impl.models:build_model",)},
        rows=("layout",),
    ),
    "backward": Lesson(
        "backward propagation: by hand from dZ_L = AL - Y, or by the framework",
        {"numpy": ("pure_numpy.layers:linear_backward", "pure_numpy.activations:relu_backward",
                   "pure_numpy.models:_backward", "pure_numpy.models:cost_and_gradients"),
         "jax": ("jax_impl.models:cost_and_gradients",),
         "tf": ("tf_impl.models:cost_and_gradients",),
         "keras": ("keras_impl.models:gradients", "keras_impl.backend:value_and_grad")},
    ),
    "cost": Lesson(
        "the cross-entropy cost J = -(1/m) sum[y log a + (1-y) log(1-a)]",
        {"numpy": ("pure_numpy.losses:binary_cross_entropy", "pure_numpy.models:_cost"),
         "jax": ("jax_impl.losses:_binary_logprobs", "jax_impl.losses:_binary_logprobs_jvp",
                 "jax_impl.losses:binary_cross_entropy", "jax_impl.models:_cost"),
         "tf": ("tf_impl.losses:_binary_logprobs", "tf_impl.losses:binary_cross_entropy",
                "tf_impl.models:_cost"),
         "keras": ("keras_impl.course:_binary_logprobs",
                   "keras_impl.course:CourseBinaryCrossentropy",
                   "keras_impl.models:make_loss")},
        rows=("binary-loss",),
    ),
    "l2": Lesson(
        "L2 regularization: (λ/2m) sum ||W||^2 in the cost, (λ/m) W in dW",
        {"numpy": ("pure_numpy.losses:l2_penalty", "pure_numpy.models:_backward"),
         "jax": ("jax_impl.losses:l2_penalty",),
         "tf": ("tf_impl.losses:l2_penalty",),
         "keras": ("keras_impl.models:_regularizer", "keras_impl.course:CourseL2")},
        rows=("l2",),
    ),
    "dropout": Lesson(
        "inverted dropout: keep where rand < keep_prob, A * D / keep_prob",
        {"numpy": ("pure_numpy.layers:dropout_forward", "pure_numpy.layers:dropout_backward"),
         "jax": ("jax_impl.layers:dropout_forward", "jax_impl.train:_draw_masks"),
         "tf": ("tf_impl.layers:dropout_forward", "tf_impl.train:_NativeDraws._masks"),
         "keras": ("keras_impl.models:_dropout_layer", "keras_impl.course:FixedDropout.call")},
        shared=("dlparity.core.rng:dropout_masks",),
        rows=("dropout",),
    ),
    "batchnorm": Lesson(
        "batch norm: normalize Z by the batch's mean and variance, then gamma Z_norm + beta",
        {"numpy": ("pure_numpy.layers:batchnorm_forward", "pure_numpy.layers:batchnorm_backward",
                   "pure_numpy.models:_updated_bn_state"),
         "jax": ("jax_impl.layers:batchnorm_forward", "jax_impl.models:_updated_bn_state"),
         "tf": ("tf_impl.layers:batchnorm_forward", "tf_impl.models:_updated_bn_state"),
         "keras": ("keras_impl.models:build_model",)},
        rows=("batchnorm",),
    ),
    "softmax": Lesson(
        "softmax output over the classes (axis 0) and its cross-entropy, from the logits",
        {"numpy": ("pure_numpy.activations:softmax", "pure_numpy.losses:softmax_cross_entropy"),
         "jax": ("jax_impl.activations:softmax", "jax_impl.losses:softmax_cross_entropy"),
         "tf": ("tf_impl.activations:softmax", "tf_impl.losses:softmax_cross_entropy"),
         "keras": ("keras_impl.course:CourseCategoricalCrossentropy",)},
        rows=("softmax-loss",),
    ),
    "init": Lesson(
        "initialization: seeded NumPy draws, scaled per assignment (random, He, 1/sqrt(n))",
        {"numpy": (), "jax": (),
         "tf": ("tf_impl.course_init:glorot_course_parameters",),
         "keras": ("keras_impl.train:glorot_parameters", "dlparity.core.layout:to_keras_weights")},
        shared=("dlparity.core.init:layer_scale", "dlparity.core.init:initialize_parameters"),
        rows=("init",),
        note="every package starts from the same NumPy draw (shared code below); C2W3's "
        "GlorotNormal is drawn by TensorFlow",
    ),
    "momentum": Lesson(
        "momentum: v = β v + (1-β) dW; W = W - α v",
        {"numpy": ("pure_numpy.optimizers:momentum_update",),
         "jax": ("jax_impl.optimizers:optax_rate", "jax_impl.optimizers:make_optimizer"),
         "tf": ("tf_impl.optimizers:momentum_update",),
         "keras": ("keras_impl.course:CourseSGD.update_step",)},
        shared=("dlparity.course.migration:momentum_learning_rate",),
        rows=("momentum", "momentum-decay"),
    ),
    "rmsprop": Lesson(
        "RMSprop: s = β2 s + (1-β2) dW^2; W = W - α dW / (sqrt(s) + ε)",
        {"numpy": ("pure_numpy.optimizers:rmsprop_update",),
         "jax": ("dlparity.course.migration:optax_kwargs", "jax_impl.optimizers:make_optimizer"),
         "tf": ("tf_impl.optimizers:rmsprop_update",),
         "keras": ("keras_impl.course:CourseRMSprop.update_step",)},
        rows=("rmsprop",),
    ),
    "adam": Lesson(
        "Adam: bias-corrected moments v, s; W = W - α v_corr / (sqrt(s_corr) + ε)",
        {"numpy": ("pure_numpy.optimizers:adam_update",),
         "jax": ("dlparity.course.migration:optax_kwargs", "jax_impl.optimizers:make_optimizer"),
         "tf": ("tf_impl.optimizers:adam_update",),
         "keras": ("keras_impl.course:CourseAdam._corrected_moments",
                   "keras_impl.course:CourseAdam.update_step")},
        rows=("adam",),
    ),
    "decay": Lesson(
        "learning-rate decay: α = α0 / (1 + r floor(epoch / T)), set after each epoch",
        {"numpy": (),
         "jax": ("jax_impl.optimizers:course_schedule", "jax_impl.optimizers:optax_optimizer"),
         "tf": (),
         "keras": ("keras_impl.course:CourseDecay", "keras_impl.models:_stock_rate")},
        shared=("dlparity.core.schedules:decayed_rate", "dlparity.core.schedules:rate_for_epoch"),
        rows=("decay",),
        note="numpy and tf train each epoch with the rate the shared schedule below gives",
    ),
    "minibatches": Lesson(
        "mini-batches: a seeded permutation per epoch, full batches, then the short rest",
        {"numpy": ("pure_numpy.train:_run_step",),
         "jax": ("jax_impl.train:_make_run",),
         "tf": ("tf_impl.train:_make_run",),
         "keras": ("keras_impl.backend:batches", "keras_impl.backend:PlanBatches")},
        shared=("dlparity.core.rng:epoch_permutation", "dlparity.core.rng:minibatch_bounds"),
    ),
    "gradcheck": Lesson(
        "gradient checking: centered differences of J against the backward pass's gradients",
        {"numpy": ("pure_numpy.gradcheck:gradient_check",),
         "jax": ("jax_impl.gradcheck:gradient_check",),
         "tf": ("tf_impl.gradcheck:gradient_check",),
         "keras": ("keras_impl.models:gradient_check",)},
        shared=("dlparity.tools.gradcheck:gradient_difference",),
    ),
    "loop": Lesson(
        "the training loop: per step and mini-batch, forward, backward, update, record the cost",
        {"numpy": ("pure_numpy.train:_Segment.run",),
         "jax": ("jax_impl.train:_recording_scan", "jax_impl.train:_Segment.run"),
         "tf": ("tf_impl.train:_make_batch_step", "tf_impl.train:_Segment.run"),
         "keras": ("keras_impl.train:_fit", "keras_impl.train:_Fit.run")},
        shared=("dlparity.core.driver:drive",),
    ),
}  # fmt: skip


def get(topic: str) -> Lesson:
    if topic not in LESSONS:
        raise DlparityError(f"unknown topic {topic!r}; choose one of {', '.join(LESSONS)}")
    return LESSONS[topic]


@dataclass(frozen=True)
class Source:
    """The code of one function, class or method, as inspect reads it."""

    ref: str  # "module:qualname"
    path: str  # the module's file, relative to the project: pure_numpy/optimizers.py
    line: int  # first line in that file
    code: str  # inspect.getsource, unchanged


def resolve(ref: str):
    """The object "module:qualname" names (a function, class or method)."""
    module_name, _, qualname = ref.partition(":")
    obj = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return inspect.unwrap(obj)


def source(ref: str) -> Source:
    """The code of ref, read from its module's source file."""
    obj = resolve(ref)
    lines, start = inspect.getsourcelines(obj)
    module_name = ref.partition(":")[0]
    return Source(ref, module_name.replace(".", "/") + ".py", start, "".join(lines))


def missing_packages(package: str) -> list[str]:
    """Third-party packages a column needs that are not installed (none for numpy)."""
    from dlparity.runtime import frameworks

    return frameworks.missing_packages(package)
