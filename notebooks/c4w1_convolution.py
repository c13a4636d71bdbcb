# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # C4W1: convolutions step by step, and a ConvNet, in NumPy, JAX and TensorFlow/Keras
#
# The first week of the fourth course builds a convolutional network from its pieces ("Convolutional
# Neural Networks: Step by Step") and then trains one ("Convolutional Neural Networks:
# Application"). Here:
#
# 1. **zero_pad** and **conv_single_step**, the course's first two functions.
# 2. **conv_forward**: the course's printed values from every package, side by side.
# 3. **pool_forward**, max and average.
# 4. **The backward passes**, conv_backward and pool_backward: by hand in the reference, by the
#    framework in JAX and TensorFlow, and the one place they part: tied maxima in a max pool.
# 5. **Flatten order**: channels last (NHWC, the course's and Keras') or first (NCHW, PyTorch's).
# 6. **The week's migration rows**.
# 7. **The application**, `digits-convnet`: the course's CONV -> RELU -> MAXPOOL network, with
#    sizes that fit scikit-learn's 8x8 digits, trained in every framework, and what its first
#    convolution learned.
#
# **Course files.** None: the digits ship with scikit-learn, the step-by-step values come from
# the course's seeds.
#
# - Every listing below is read from the packages' source with `inspect`, as `dlparity show`
#   prints it: it is the code that runs, not a copy.
# - Images are (m, n_H, n_W, n_C), examples first and channels last, as in the course; a filter
#   bank W is (f, f, n_C_prev, n_C) and its biases b (1, 1, 1, n_C).
# - With `DLPARITY_QUICK=1` (as the tests run this notebook) the training run is cut to its
#   first epochs; unset, it is full length.

# %%
# %matplotlib inline
import numpy as np

from dlparity.course.experiments import get
from dlparity.tools import notebook as nb
from dlparity.tools import plots, quick

nb.setup()
layers = nb.layer_modules()  # framework -> its layers module: the course's functions
frameworks = [name for name in layers if name != "numpy"]  # they differentiate for themselves


def output(result):
    """The array a layer function returns: the reference's come with their cache."""
    return np.asarray(result[0] if isinstance(result, tuple) else result)


print("the course's functions in:", ", ".join(f"{k} ({m.__name__})" for k, m in layers.items()))

# %% [markdown]
# ## 1. zero_pad and conv_single_step
#
# `zero_pad(X, pad)` adds `pad` zeros on each side of the height and width, not of the examples
# or the channels. `conv_single_step` is one output value: a window times one filter, summed,
# plus the filter's bias. The course's checks: seed 1, x (4, 3, 3, 2) padded by 3; a window
# (4, 4, 3), W (4, 4, 3), b (1, 1, 1).

# %%
np.random.seed(1)
x = np.random.randn(4, 3, 3, 2)
pads = {name: output(module.zero_pad(x, 3)) for name, module in layers.items()}
print("x.shape =", x.shape, " x_pad.shape =", pads["numpy"].shape)
print("x[1, 1] =", x[1, 1], "\nx_pad[1, 1] =", pads["numpy"][1, 1], sep="\n")

np.random.seed(1)
a_slice_prev = np.random.randn(4, 4, 3)
W_step, b_step = np.random.randn(4, 4, 3), np.random.randn(1, 1, 1)
steps = {
    name: output(m.conv_single_step(a_slice_prev, W_step, b_step)) for name, m in layers.items()
}
print("Z =", steps["numpy"])

# %%
x11 = [[0.90085595, -0.68372786], [-0.12289023, -0.93576943], [-0.26788808, 0.53035547]]
nb.printed("zero_pad and conv_single_step", [
    ("x[1, 1] inside x_pad", (x11, 5e-9), {name: pads[name][1, 4, 3:6] for name in layers}),
    ("x_pad[1, 1]", (np.zeros((9, 2)), 0.0), {name: pads[name][1, 1] for name in layers}),
    ("Z", "-6.99908945068", {name: steps[name] for name in layers}),
])  # fmt: skip

# %% [markdown]
# ## 2. conv_forward
#
# Z = W * A_prev + b: every f x f window of the padded input, every `stride` steps, times each
# filter. The course's loops run over examples, positions and filters; the reference takes the
# windows as one strided view and contracts them with W in one `tensordot` (its parity tests
# prove it equal to the loops); JAX and TensorFlow call their convolution with the layout named
# and the padding explicit.

# %%
nb.code("conv")

# %% [markdown]
# The course's check: seed 1, A_prev (2, 5, 7, 4), W (3, 3, 4, 8), b (1, 1, 1, 8), pad 1,
# stride 2, so Z is (2, 3, 4, 8).

# %%
np.random.seed(1)
A_prev = np.random.randn(2, 5, 7, 4)
W, b = np.random.randn(3, 3, 4, 8), np.random.randn(1, 1, 1, 8)
hparameters = {"pad": 1, "stride": 2}
Z = {
    name: output(module.conv_forward(A_prev, W, b, hparameters)) for name, module in layers.items()
}
print("Z's shape =", Z["numpy"].shape)
print("Z's mean =", np.mean(Z["numpy"]))
print("Z[0, 2, 1] =", Z["numpy"][0, 2, 1])

# %%
z021 = [-2.17796037, 8.07171329, -0.5772704, 3.36286738, 4.48113645, -2.89198428, 10.99288867,
        3.03171932]  # fmt: skip
nb.printed("conv_forward: the course's printed values", [
    ("mean of Z", "0.5511276474566768", {name: np.mean(Z[name]) for name in layers}),
    ("Z[0, 2, 1]", (z021, 5e-9), {name: Z[name][0, 2, 1] for name in layers}),
])  # fmt: skip

# %% [markdown]
# ## 3. pool_forward
#
# The maximum or the mean of every f x f window, channel by channel, without padding: no
# parameters, and n_C stays. The course's check: seed 1, A_prev (2, 5, 5, 3), f 3, stride 1.

# %%
nb.code("pool")

# %%
np.random.seed(1)
A_prev = np.random.randn(2, 5, 5, 3)
pool_hparameters = {"stride": 1, "f": 3}
pooled = {mode: {name: output(module.pool_forward(A_prev, pool_hparameters, mode))
                 for name, module in layers.items()} for mode in ("max", "average")}  # fmt: skip
for mode in pooled:
    print(f"mode = {mode}: A.shape = {pooled[mode]['numpy'].shape}")
    print("A[1, 1] =", pooled[mode]["numpy"][1, 1])

# %%
max11 = [[1.96710175, 0.84616065, 1.27375593], [1.96710175, 0.84616065, 1.23616403],
         [1.62765075, 1.12141771, 1.2245077]]  # fmt: skip
average11 = [[0.44497696, -0.00261695, -0.31040307], [0.50811474, -0.23493734, -0.23961183],
             [0.11872677, 0.17255229, -0.22112197]]  # fmt: skip
nb.printed("pool_forward: the course's printed values", [
    (f"{mode}: A[1, 1]", (course, 5e-9), {name: pooled[mode][name][1, 1] for name in layers})
    for mode, course in (("max", max11), ("average", average11))
])  # fmt: skip

# %% [markdown]
# ## 4. The backward passes
#
# The reference writes them by hand, as the course does: conv_backward sums each window's share
# of dZ into dW and db and sends it back to the inputs the window read; pool_backward sends a
# max window's gradient to its maximum (`create_mask_from_window`) and spreads an average
# window's over the window (`distribute_value`). JAX and TensorFlow differentiate their forward
# functions: `jax.vjp`, the tape.

# %%
nb.code("conv-backward")

# %%
nb.code("pool-backward")

# %% [markdown]
# The course's checks: conv_backward on seed 1, A_prev (10, 4, 4, 3), W (2, 2, 3, 8), pad 2,
# stride 2, with dZ = Z; pool_backward on seed 1, A_prev (5, 5, 3, 2), f 2, stride 1, dA drawn
# next. JAX and TensorFlow get the same dZ and dA as the output's gradient (`nb.vjp`). The means
# are printed to 16 digits, which a sum in another order changes: they are checked to 1e-12, the
# parity suite's bar, the arrays to the 8 decimals printed.

# %%
np.random.seed(1)
A_prev = np.random.randn(10, 4, 4, 3)
W, b = np.random.randn(2, 2, 3, 8), np.random.randn(1, 1, 1, 8)
hparameters = {"pad": 2, "stride": 2}
Z_back, cache_conv = layers["numpy"].conv_forward(A_prev, W, b, hparameters)
conv_grads = {"numpy": layers["numpy"].conv_backward(Z_back, cache_conv)}
for name in frameworks:
    forward = layers[name].conv_forward
    conv_grads[name] = nb.vjp(
        name, lambda *a, f=forward: f(*a, hparameters), (A_prev, W, b), Z_back
    )
dA, dW, db = conv_grads["numpy"]
print("dA_mean =", np.mean(dA), "\ndW_mean =", np.mean(dW), "\ndb_mean =", np.mean(db))

np.random.seed(1)
A_prev = np.random.randn(5, 5, 3, 2)
pool_hparameters = {"stride": 1, "f": 2}
_, cache_pool = layers["numpy"].pool_forward(A_prev, pool_hparameters)
dA_pool = np.random.randn(5, 4, 2, 2)
pool_grads = {mode: {"numpy": layers["numpy"].pool_backward(dA_pool, cache_pool, mode)}
              for mode in ("max", "average")}  # fmt: skip
for mode in pool_grads:
    for name in frameworks:
        forward = layers[name].pool_forward
        pool_grads[mode][name] = nb.vjp(
            name, lambda A, f=forward, mode=mode: f(A, pool_hparameters, mode), (A_prev,), dA_pool
        )[0]
    print(f"mode = {mode}: dA_prev[1, 1] =", pool_grads[mode]["numpy"][1, 1], sep="\n")

# %%
pool_max11 = [[0.0, 0.0], [5.05844394, -1.68282702], [0.0, 0.0]]
pool_average11 = [[0.08485462, 0.2787552], [1.26461098, -0.25749373], [1.17975636, -0.53624893]]
conv_means = ("1.4524377775388075", "1.7269914583139097", "7.839232564616838")
nb.printed("conv_backward and pool_backward: the course's printed values", [
    *((f"conv: mean of {g}", course, {name: np.mean(conv_grads[name][k]) for name in layers})
      for k, (g, course) in enumerate(zip(("dA_prev", "dW", "db"), conv_means, strict=True))),
    ("pool: mean of dA", "0.14571390272918056", {"numpy": np.mean(dA_pool)}),
    ("max: dA_prev[1, 1]", (pool_max11, 5e-9),
     {name: pool_grads["max"][name][1, 1] for name in layers}),
    ("average: dA_prev[1, 1]", (pool_average11, 5e-9),
     {name: pool_grads["average"][name][1, 1] for name in layers}),
])  # fmt: skip

# %% [markdown]
# ### The max-pool trap: tied maxima
#
# Where a window's maximum is there twice, the course's mask (`x == np.max(x)`) is True at both
# and the window's gradient goes to each of them: the window passes back more gradient than it
# received. JAX's and TensorFlow's max pooling send it to one maximum, the first in row-major
# order, and no option changes that. On random inputs ties do not happen; on the digits, whose
# flat regions tie, the course's mask gives other gradients (0.71 relative, see the rows below),
# so the project's ConvNets pool with `ties="first"`, the frameworks' rule, which the reference
# also has (`pool_backward(..., ties="first")`).
#
# A 4 x 4 image, 2 x 2 windows with stride 2, every window's gradient 1: three of the four
# windows hold a tied maximum.

# %%
image = np.array([[1.0, 3.0, 0.0, 2.0],
                  [3.0, 2.0, 1.0, 2.0],
                  [0.0, 0.0, 5.0, 4.0],
                  [1.0, 0.0, 4.0, 5.0]]).reshape(1, 4, 4, 1)  # fmt: skip
window_grads = np.ones((1, 2, 2, 1))
_, cache_ties = layers["numpy"].pool_forward(image, {"f": 2, "stride": 2})
tie_grads = {
    "numpy (the course's mask)": layers["numpy"].pool_backward(window_grads, cache_ties),
    'numpy, ties="first"': layers["numpy"].pool_backward(window_grads, cache_ties, ties="first"),
}
for name in frameworks:
    forward = layers[name].pool_forward
    tie_grads[name] = nb.vjp(
        name, lambda A, f=forward: f(A, {"f": 2, "stride": 2}), (image,), window_grads
    )[0]
print("the image:", image[0, :, :, 0], sep="\n")
for name, grad in tie_grads.items():
    print(f"\n{name}: dA_prev, {grad.sum():g} in all", grad[0, :, :, 0], sep="\n")

# %% [markdown]
# ## 5. Flatten order
#
# The dense layer after the last pool reads each example's (n_H, n_W, n_C) block as one column.
# Every package here flattens it row-major with the channels last (NHWC), as the course and
# Keras' `Flatten` on channels-last images do. A framework that keeps images channels first
# (NCHW: PyTorch, JAX's default convolution layout) flattens the channels outermost: the same
# numbers in another order, so dense weights trained on one order need a permutation of their
# columns to read the other. A 2 x 2 image with 3 channels, its entries numbered in NHWC order:

# %%
nb.code("flatten")

# %%
A = np.arange(12.0).reshape(1, 2, 2, 3)
flats = {name: output(module.flatten_forward(A)).ravel() for name, module in layers.items()}
for name, flat in flats.items():
    print(f"{name:>6} (NHWC):", flat.astype(int))
nchw = A.transpose(0, 3, 1, 2).reshape(1, -1).ravel()
print("  NCHW (channels first):", nchw.astype(int))
W_dense = np.random.RandomState(0).randn(5, 12)
W_for_nchw = W_dense[:, nchw.astype(int)]
print("W (NHWC columns) @ NHWC column == W[:, NCHW order] @ NCHW column:",
      np.allclose(W_dense @ flats["numpy"], W_for_nchw @ nchw))  # fmt: skip
print(
    "without the permutation, max |difference| =",
    np.abs(W_dense @ flats["numpy"] - W_dense @ nchw).max(),
)

# %% [markdown]
# ## 6. Where the frameworks differ from the course: this week's traps
#
# The layout of images and filters, cross-correlation against convolution, "same" padding, the
# flatten order, tied maxima and float32. "measured" is the size of a trap, proven by the parity
# suite.

# %%
nb.traps("conv-layout", "cross-correlation", "same-padding", "flatten-order", "maxpool-ties",
         "conv-float32")  # fmt: skip

# %% [markdown]
# ## 7. The application: digits-convnet
#
# The course's application network is CONV2D -> RELU -> MAXPOOL -> CONV2D -> RELU -> MAXPOOL ->
# FLATTEN -> DENSE (softmax), on 64 x 64 x 3 SIGNS pictures. Here the same network fits 8 x 8 x 1
# digits: 3 x 3 filters with pad 1 (8, then 16 of them) and 2 x 2 pools, so 8x8x8 -> 4x4x8 ->
# 4x4x16 -> 2x2x16 = 64 units before the softmax over 10 classes. Xavier initialization after
# seed 1, Adam 0.009, mini-batches of 64, 20 epochs. The max pools send a tied window's gradient
# to its first maximum, as every framework does (section 4).

# %%
digits = quick.shorten(get("digits-convnet"))
arrays = nb.course_data("digit-images")
X, Y, X_test, Y_test = arrays
print(f"X {X.shape}, Y {Y.shape} one-hot, X_test {X_test.shape}, Y_test {Y_test.shape}")

# %% [markdown]
# ### In Keras, as a Keras user writes it
#
# `ZeroPadding2D(1)` before each "valid" `Conv2D` (the course's symmetric pad; `padding="same"`
# pads an odd total unevenly), `MaxPooling2D`, `Flatten` and a `Dense` that outputs the logits.

# %%
from keras_impl.models import build_model  # noqa: E402  (TensorFlow is loaded by nb.setup)

build_model(digits.spec).summary()

# %%
runs = nb.run(digits, arrays)
nb.costs(digits, runs)

# %% tags=["plot"]
nb.figure(digits, runs, arrays)

# %% [markdown]
# ### What the first convolution learned
#
# The top row is the 8 learned 3 x 3 filters of the first convolution (the reference's run, the
# weights written in), the rows below one training digit, a 2, after that convolution, its ReLU
# and its max pool, each row on one colour scale (the reference's forward pass). The weights move
# little from their Xavier start, about 0.2 in 20 epochs: the bank stays a set of small oriented
# differences. A filter whose positive weights lie on one side lights up along the strokes on
# that side (filters 1 and 8 along the right-hand stroke, filter 7 along the bottom bar); the
# mostly negative ones (2 and 3) stay near 0 after the ReLU. The pool keeps the largest response
# of each 2 x 2 block: the strokes survive at half the resolution.

# %% tags=["plot"]
plots.filters_and_feature_maps(runs[0].result.params, X[0], digits.spec)

# %%
first = runs[0].result.params["W1"]
for run in runs[1:]:
    difference = np.abs(run.result.params["W1"] - first).max()
    print(f"{run.framework}: max |W1 - {runs[0].framework}'s W1| = {difference:.1e}")
