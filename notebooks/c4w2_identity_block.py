# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # C4W2: the identity block of a ResNet, in NumPy, JAX and TensorFlow/Keras
#
# The second week of the fourth course builds ResNet-50 in Keras from two blocks; the first is
# the identity block, where the input skips three layers and is added back before the last
# activation. Here:
#
# 1. **What the block is**: the skip connection, and batch norm over the channels.
# 2. **Its code** in every package.
# 3. **`digits-resnet`**: a small ResNet on scikit-learn's 8x8 digits, a convolution stem and
#    one identity block, trained in every framework.
# 4. **No bias before batch norm**: why the experiment's convolutions inside the block have
#    none, where the course's Keras code keeps one.
#
# **Course files.** None: the digits ship with scikit-learn.
#
# - Every listing below is read from the packages' source with `inspect`, as `dlparity show`
#   prints it: it is the code that runs, not a copy.
# - With `DLPARITY_QUICK=1` (as the tests run this notebook) the training run is cut to its
#   first epochs; unset, it is full length.

# %%
# %matplotlib inline
import numpy as np

from dlparity.course.experiments import get
from dlparity.tools import notebook as nb
from dlparity.tools import quick
from dlparity.tools.runs import initial_parameters, run_experiment
from pure_numpy.models import gradients

nb.setup()

# %% [markdown]
# ## 1. The identity block
#
# The main path is three convolutions, each followed by batch norm, the first two by a ReLU:
# CONV2D 1x1 (F1 filters) -> BATCHNORM -> RELU -> CONV2D f x f (F2, "same" padding) -> BATCHNORM
# -> RELU -> CONV2D 1x1 (F3) -> BATCHNORM. The shortcut carries the block's input a[l] past
# them, and the two are added before the last ReLU: a[l+3] = g(z[l+3] + a[l]). The sum needs
# equal shapes, so F3 is the input's number of channels and the f x f convolution keeps n_H and
# n_W. A block that learns z[l+3] = 0 is the identity: deeper networks made of such blocks train
# at least as well as shallower ones, and the gradient reaches the early layers along the
# shortcut undiminished (the backward pass adds dZ itself to what comes back through the
# convolutions).
#
# Batch norm here normalizes each channel over the examples and every position: the course's
# `BatchNormalization(axis=3)`, with mean, variance, gamma and beta of shape (1, 1, 1, n_C),
# Keras' defaults momentum 0.99 and epsilon 0.001.

# %% [markdown]
# ## 2. The code in every package
#
# The reference runs the inner layers' forward functions and adds the input; its backward pass
# runs their backward functions in reverse and adds dZ along the shortcut. JAX and TensorFlow
# write the forward only and differentiate it; Keras adds the two paths with `Add`.

# %%
nb.code("residual")

# %%
nb.code("batchnorm")

# %% [markdown]
# ## 3. digits-resnet in every framework
#
# 8x8x1 digits -> CONV2D 3x3 (8, pad 1) -> RELU -> MAXPOOL 2/2 -> the identity block (F1 4,
# F2 4 with f 3, F3 8) -> RELU -> FLATTEN (128) -> DENSE 10, softmax. Xavier initialization after
# seed 1, Adam 0.009, mini-batches of 64, 20 epochs.

# %%
resnet = quick.shorten(get("digits-resnet"))
arrays = nb.course_data("digit-images")
X, Y, X_test, Y_test = arrays
print(f"X {X.shape}, Y {Y.shape} one-hot, X_test {X_test.shape}, Y_test {Y_test.shape}")

# %%
from keras_impl.models import build_model  # noqa: E402  (TensorFlow is loaded by nb.setup)

build_model(resnet.spec).summary()

# %%
runs = nb.run(resnet, arrays)
nb.costs(resnet, runs)

# %% tags=["plot"]
nb.figure(resnet, runs, arrays)

# %% [markdown]
# ## 4. No bias before batch norm
#
# Batch norm subtracts each channel's mean over the mini-batch, so a bias b added before it
# cancels: the cost does not depend on b, and its gradient, the sum of dZ over the examples and
# positions, is 0 in exact arithmetic. In float64 it is rounding, 1e-16 to 1e-15, whose sign and
# size depend on the order of the sums: each framework gets another one. Adam divides the
# gradient by sqrt(v) + ε: a gradient of 1e-15 becomes a step of the learning rate times
# 1e-15 / 1e-8, about 1e-9, far below the weights' steps but in a direction rounding decides,
# and the biases of two frameworks drift apart although their costs agree. (Without ε, m / sqrt(v) would be
# ±1: steps of the learning rate itself.) So `digits-resnet`'s convolutions inside the block have
# no bias (`Conv2D(use_bias=False)` in Keras), as ResNets are usually written; the course's
# Keras code keeps the default bias, harmless in one framework and unreproducible across two.
#
# The same network with a bias in every convolution (`nb.with_conv_biases`), its gradients at
# the initial parameters on the first mini-batch, by the reference:

# %%
biased = nb.variant(nb.with_conv_biases(get("digits-resnet")), num_epochs=3)
params = initial_parameters(biased)
batch = biased.config.mini_batch_size
_, grads, _ = gradients(params, X[:batch], Y[:, :batch], biased.spec)
where = {"b1": "the stem's bias: a ReLU after it", "b2": "before batch norm",
         "b3": "before batch norm", "b4": "before batch norm",
         "W2": "the weights before batch norm: their gradient is not 0"}  # fmt: skip
for key, what in where.items():
    print(f"max |d{key}| = {np.abs(grads[key]).max():.1e}  ({what})")

# %% [markdown]
# Trained for 3 epochs in NumPy and JAX from the same start: the costs agree to rounding, every
# weight too, and the biases before batch norm, pure rounding noise, differ by more than their
# own size.

# %%
pair = [run_experiment(biased, name, arrays=arrays) for name in ("numpy", "jax")]
costs = [max(abs(pair[1].result.costs[s] - c) for s, c in pair[0].result.costs.items())]
rows = []
for key in pair[0].result.params:
    mine, theirs = pair[0].result.params[key], pair[1].result.params[key]
    difference = np.abs(mine - theirs).max()
    verdict = "ok" if difference <= 1e-12 * np.abs(mine).max() else "parts"
    rows.append((key, f"{np.abs(mine).max():.2e}", f"{difference:.2e}", verdict))
nb.Table(
    ("parameter", "max |numpy|", "max |numpy - jax|", "rtol 1e-12"),
    tuple(rows),
    "digits-resnet with a bias in every convolution: 3 epochs in numpy and jax",
    (f"max |cost - numpy's| for jax: {costs[0]:.1e}",),
)
