"""The lessons of `dlparity show`: one idea of the course, where its code lives in each package.

A lesson is the idea (its summary, the spine code every package shares, its migration rows); each
package's code for it is named in the package's descriptor (`show` and `lessons` of its
framework.py, dlparity.core.framework), a column per framework that has one. Every entry names
functions by "module:qualified name"; `source` reads their code from the module's file as
Python parses it, without importing it (jax_impl and tf_impl would start their framework), and
tests/test_show.py proves it the lines inspect gives for the imported object, so what is shown is
what runs. A renamed function fails the test suite, not the user.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
from dataclasses import dataclass, replace
from pathlib import Path

from dlparity.core.errors import DlparityError
from dlparity.runtime import frameworks


def columns() -> dict[str, str]:
    """framework -> its column's heading, for every framework with one (keras-jax shows
    keras_impl's code in the keras column)."""
    return {f.name: f.show for f in frameworks.descriptors() if f.show}


def shared_column() -> str:
    """The column whose needs the shared spine code has: the reference's (nothing installed)."""
    return frameworks.reference().name


@dataclass(frozen=True)
class Lesson:
    summary: str
    shared: tuple[str, ...] = ()  # spine code every package runs as it is
    rows: tuple[str, ...] = ()  # keys of dlparity.course.migration.TABLE
    note: str = ""  # why a package's column is empty, when one is
    topic: str = ""  # its key in LESSONS

    @property
    def code(self) -> dict[str, tuple[str, ...]]:
        """column -> ("module:qualname", ...) in reading order, from each descriptor."""
        return {f.name: f.lessons.get(self.topic, ()) for f in frameworks.descriptors() if f.show}


_LESSONS: dict[str, Lesson] = {
    "forward": Lesson(
        "forward propagation: Z = W A_prev + b, A = g(Z), layer after layer",
        rows=("layout",),
    ),
    "backward": Lesson(
        "backward propagation: by hand from dZ_L = AL - Y, or by the framework",
    ),
    "cost": Lesson(
        "the cross-entropy cost J = -(1/m) sum[y log a + (1-y) log(1-a)]",
        rows=("binary-loss",),
    ),
    "l2": Lesson(
        "L2 regularization: (λ/2m) sum ||W||^2 in the cost, (λ/m) W in dW",
        rows=("l2",),
    ),
    "dropout": Lesson(
        "inverted dropout: keep where rand < keep_prob, A * D / keep_prob",
        shared=("dlparity.core.rng:dropout_masks",),
        rows=("dropout",),
    ),
    "batchnorm": Lesson(
        "batch norm: normalize Z by the batch's mean and variance, then gamma Z_norm + beta",
        rows=("batchnorm",),
    ),
    "softmax": Lesson(
        "softmax output over the classes (axis 0) and its cross-entropy, from the logits",
        rows=("softmax-loss",),
    ),
    "init": Lesson(
        "initialization: seeded NumPy draws, scaled per assignment (random, He, 1/sqrt(n))",
        shared=("dlparity.core.init:layer_scale", "dlparity.core.init:initialize_parameters"),
        rows=("init",),
        note="every package starts from the same NumPy draw (shared code below); C2W3's "
        "GlorotNormal is drawn by Keras, once for every package (dlparity.runtime.glorot)",
    ),
    "momentum": Lesson(
        "momentum: v = β v + (1-β) dW; W = W - α v",
        shared=("dlparity.core.mapping:momentum_learning_rate",),
        rows=("momentum", "momentum-decay"),
    ),
    "rmsprop": Lesson(
        "RMSprop: s = β2 s + (1-β2) dW^2; W = W - α dW / (sqrt(s) + ε)",
        rows=("rmsprop",),
    ),
    "adam": Lesson(
        "Adam: bias-corrected moments v, s; W = W - α v_corr / (sqrt(s_corr) + ε)",
        rows=("adam",),
    ),
    "decay": Lesson(
        "learning-rate decay: α = α0 / (1 + r floor(epoch / T)), set after each epoch",
        shared=("dlparity.core.schedules:decayed_rate", "dlparity.core.schedules:rate_for_epoch"),
        rows=("decay",),
        note="numpy and tf train each epoch with the rate the shared schedule below gives",
    ),
    "minibatches": Lesson(
        "mini-batches: a seeded permutation per epoch, full batches, then the short rest",
        shared=("dlparity.core.rng:epoch_permutation", "dlparity.core.rng:minibatch_bounds"),
    ),
    "gradcheck": Lesson(
        "gradient checking: centered differences of J against the backward pass's gradients",
        shared=("dlparity.core.gradcheck:gradient_difference",),
    ),
    "loop": Lesson(
        "the training loop: per step and mini-batch, forward, backward, update, record the cost",
        shared=("dlparity.core.driver:drive",),
    ),
    "conv": Lesson(
        "convolution (C4W1): Z = W * A_prev + b, cross-correlation over every f x f window",
        rows=("conv-layout", "cross-correlation", "same-padding", "conv-float32"),
    ),
    "conv-backward": Lesson(
        "convolution backward: dW, db summed over the windows, dA_prev window by window",
        rows=("conv-layout",),
    ),
    "pool": Lesson(
        "pooling (C4W1): the maximum or the mean of every f x f window, channel by channel",
        rows=("maxpool-ties",),
    ),
    "pool-backward": Lesson(
        "pooling backward: dA to the window's maximum (the course's mask: to every tied one) or "
        "shared over the window",
        rows=("maxpool-ties",),
    ),
    "flatten": Lesson(
        "flatten: each example's (n_H, n_W, n_C) block, row-major, as a column for dense layers",
        rows=("flatten-order",),
    ),
    "residual": Lesson(
        "the identity block (C4W2): the inner layers' output plus the block's input (the skip), "
        "batch norm over each channel's m n_H n_W values",
        rows=("bias-before-batchnorm", "batchnorm"),
    ),
    "rnn-cell": Lesson(
        "the RNN cell (C5W1): a_t = tanh(Waa a_(t-1) + Wax x_t + ba), y_t = softmax(Wya a_t + by), "
        "one step after another",
        rows=("rnn-layout",),
    ),
    "lstm-cell": Lesson(
        "the LSTM cell: forget, update and output gates and a candidate on [a_prev; x_t]; "
        "c_t = Γf c_(t-1) + Γu c~, a_t = Γo tanh(c_t)",
        rows=("lstm-gate-order", "concat-order", "hard-sigmoid", "torch-lstm"),
    ),
    "gru-cell": Lesson(
        "the lectures' GRU: c~ = tanh(Wc [Γr * c_(t-1); x_t] + bc), c_t = Γu c~ + (1 - Γu) c_(t-1), a_t = c_t",
        rows=("gru-reset-after", "gru-update-gate"),
    ),
    "bptt": Lesson(
        "backpropagation through time: each step's cell backward from da_t plus what the next step "
        "passes back, the parameters' gradients summed over the steps",
        rows=("gradient-clipping", "rnn-float32"),
        note="keras_impl runs Keras' recurrent layers forward (rnn-cell, lstm-cell, gru-cell); their gradients are the backend's, as for every Keras model here",
    ),
    "clip": Lesson(
        "gradient clipping (C5W1's Dinosaurus Island): every gradient clipped by value to "
        "[-5, 5] before the update, against exploding gradients",
        rows=("gradient-clipping",),
    ),
    "sample": Lesson(
        "sampling (C5W1): from a zero x and a zero a, the softmax's probabilities of the next "
        "character, np.random.choice with the course's seeds (NumPy's picks, shared), fed back one-hot until "
        "the newline",
        shared=("dlparity.core.charmodel:pick", "dlparity.core.charmodel:sample_indices"),
        rows=("rnn-layout",),
    ),
}  # fmt: skip
LESSONS = {topic: replace(lesson, topic=topic) for topic, lesson in _LESSONS.items()}


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
    return inspect.unwrap(frameworks.function(ref))


def _module_file(module: str) -> Path:
    """The source file of a module, found without importing it or its package (importing
    jax_impl or tf_impl starts their framework: seconds that printing code does not need)."""
    top, _, rest = module.partition(".")
    spec = importlib.util.find_spec(top)  # a top-level package is found, not imported
    if spec is None or not spec.submodule_search_locations:
        raise AttributeError(f"no package {top!r} for {module}")
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(
        *rest.split(".") if rest else ()
    )
    return path.with_suffix(".py") if path.with_suffix(".py").is_file() else path / "__init__.py"


def source(ref: str) -> Source:
    """The code of ref, read from its module's source file as Python parses it: the same lines
    inspect.getsource gives for the imported object (decorators first), without importing."""
    module, _, qualname = ref.partition(":")
    text = _module_file(module).read_text()
    node = ast.parse(text)
    for name in qualname.split("."):
        node = next((child for child in ast.iter_child_nodes(node)
                     if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                     and child.name == name), None)  # fmt: skip
        if node is None:
            raise AttributeError(f"{module} has no {qualname}")
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    lines = text.splitlines(keepends=True)[start - 1 : node.end_lineno]
    return Source(ref, module.replace(".", "/") + ".py", start, "".join(lines))
