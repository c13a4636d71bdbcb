# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # C5W1: recurrent networks step by step, and a character model, in NumPy, JAX, TensorFlow and Keras
#
# The first week of the fifth course builds a recurrent network by hand ("Building your
# Recurrent Neural Network - Step by Step") and trains a character-level language model that
# makes up dinosaur names ("Dinosaurus Island"). Here:
#
# 1. **The RNN cell** and its loop over the steps, forward, with the values the course prints.
# 2. **The LSTM cell** and its loop.
# 3. **Backpropagation through time**: the course's gradients by hand, and each framework's
#    autodiff of the same forward.
# 4. **The GRU** of the lectures, and Keras' `reset_after`.
# 5. **The migration rows** of recurrent networks: where Keras' layers and optax differ.
# 6. **The character model**: clipping, sampling, and the model trained in every framework, the
#    losses side by side and the names each samples.
#
# No course files are needed: the step-by-step values come from the course's seeds, and the
# character model trains on the 318 dinosaur genera shipped with dlparity (the course's
# `dinos.txt` works too: `charmodel.names("dinos")`).
#
# - Every listing below is read from the packages' source with `inspect`, as `dlparity show`
#   prints it: it is the code that runs, not a copy.
# - With `DLPARITY_QUICK=1` (as the tests run this notebook) the character model trains 200
#   names instead of 2000.

# %%
# %matplotlib inline
import importlib

import numpy as np
from IPython.display import display

from dlparity.course import charmodel
from dlparity.course.recurrent import draw_lstm, draw_rnn
from dlparity.tools import notebook as nb
from dlparity.tools import quick
from dlparity.tools.plots import charmodel_figure

nb.setup()
packages = {name: importlib.import_module(f"{package}.recurrent") for name, package in
            (("numpy", "pure_numpy"), ("jax", "jax_impl"), ("tf", "tf_impl"))}  # fmt: skip
keras_recurrent = importlib.import_module("keras_impl.recurrent")


def each(function):
    """function(module) for the reference, JAX and TensorFlow, as NumPy arrays."""
    return {name: np.asarray(function(module)) for name, module in packages.items()}


# %% [markdown]
# ## 1. The RNN cell
#
# a⟨t⟩ = tanh(Waa a⟨t−1⟩ + Wax x⟨t⟩ + ba), ŷ⟨t⟩ = softmax(Wya a⟨t⟩ + by), with x (n_x, m, T_x)
# and a (n_a, m, T_x): one column per example, as in the rest of the course. JAX scans the cell
# over the steps with `lax.scan`, TensorFlow with `tf.scan`; Keras' `SimpleRNN` reads rows,
# (m, T_x, n_x), so its kernel is Waxᵀ and its recurrent kernel Waaᵀ.

# %%
nb.code("rnn-cell")

# %% [markdown]
# The course's cells: `np.random.seed(1)`, xt (3, 10), a_prev (5, 10), then the parameters; and
# x (3, 10, 4) for `rnn_forward`. Keras' `SimpleRNN` over one step is the cell. NumPy's value is
# shown in full, the others as their difference from it.

# %%
np.random.seed(1)
xt, a_prev = np.random.randn(3, 10), np.random.randn(5, 10)
cell = draw_rnn(3, 5, 2)
a_next = each(lambda m: m.rnn_cell_forward(xt, a_prev, cell)[0])
a_next["keras"] = keras_recurrent.simple_rnn(xt[:, :, None], a_prev, cell)[:, :, 0]
y_next = each(lambda m: m.rnn_cell_forward(xt, a_prev, cell)[1])

np.random.seed(1)
x, a0 = np.random.randn(3, 10, 4), np.random.randn(5, 10)
sequence = draw_rnn(3, 5, 2)
a = each(lambda m: m.rnn_forward(x, a0, sequence)[0])
a["keras"] = keras_recurrent.simple_rnn(x, a0, sequence)
y_pred = each(lambda m: m.rnn_forward(x, a0, sequence)[1])


def at(values, index):
    return {name: value[index] for name, value in values.items()}


nb.printed("the RNN, forward", [
    ("rnn_cell_forward a_next[4][0]", "0.59584544", at(a_next, (4, 0))),
    ("rnn_cell_forward a_next[4][9]", "0.82872037", at(a_next, (4, 9))),
    ("rnn_cell_forward yt_pred[1][0]", "0.9888161", at(y_next, (1, 0))),
    ("rnn_forward a[4][1][0]", "-0.99999375", at(a, (4, 1, 0))),
    ("rnn_forward a[4][1][3]", "-0.99833267", at(a, (4, 1, 3))),
    ("rnn_forward y_pred[1][3][0]", "0.79560373", at(y_pred, (1, 3, 0))),
])  # fmt: skip

# %% [markdown]
# ## 2. The LSTM cell
#
# Forget, update and output gates and a candidate, each a W (n_a, n_a + n_x) on [a_prev; xt]:
# c⟨t⟩ = Γf c⟨t−1⟩ + Γu c̃⟨t⟩, a⟨t⟩ = Γo tanh(c⟨t⟩). Keras' `LSTM` fuses the four matrices into
# one kernel and one recurrent kernel, in its own gate order i, f, c, o.

# %%
nb.code("lstm-cell")

# %%
np.random.seed(1)
xt, a_prev, c_prev = np.random.randn(3, 10), np.random.randn(5, 10), np.random.randn(5, 10)
cell = draw_lstm(3, 5, 2)
lstm_cell = {
    name: [np.asarray(v) for v in m.lstm_cell_forward(xt, a_prev, c_prev, cell)[:3]]
    for name, m in packages.items()
}  # a_next, c_next, yt (the reference adds its cache)

np.random.seed(1)
x, a0 = np.random.randn(3, 10, 7), np.random.randn(5, 10)
sequence = draw_lstm(3, 5, 2)
lstm_a = each(lambda m: m.lstm_forward(x, a0, sequence)[0])
lstm_a["keras"] = keras_recurrent.lstm(x, a0, sequence)
lstm_y = each(lambda m: m.lstm_forward(x, a0, sequence)[1])
lstm_c = each(lambda m: m.lstm_forward(x, a0, sequence)[2])


def part(outputs, k, index):
    return {name: out[k][index] for name, out in outputs.items()}


nb.printed("the LSTM, forward", [
    ("lstm_cell_forward a_next[4][0]", "-0.66408471", part(lstm_cell, 0, (4, 0))),
    ("lstm_cell_forward c_next[2][0]", "0.63267805", part(lstm_cell, 1, (2, 0))),
    ("lstm_cell_forward yt[1][0]", "0.79913913", part(lstm_cell, 2, (1, 0))),
    ("lstm_forward a[4][3][6]", "0.17211776753291672", at(lstm_a, (4, 3, 6))),
    ("lstm_forward y[1][4][3]", "0.9508734618501101", at(lstm_y, (1, 4, 3))),
    ("lstm_forward c[1][2][1]", "-0.8555449167181981", at(lstm_c, (1, 2, 1))),
])  # fmt: skip

# %% [markdown]
# ## 3. Backpropagation through time
#
# The course writes each cell's backward by hand (through the tanh, the gates) and passes
# da_prev (and, for the LSTM, dc_prev) back from each step to the one before, summing the
# parameters' gradients over the steps. JAX pulls the same forward back with `jax.vjp`,
# TensorFlow with its tape; both take the forward's inputs where the course takes its caches.
# Keras runs its layers forward here: their gradients are the backend's, as for any Keras model.
# The course's `lstm_backward` runs over the first `da.shape[2]` = 4 of x's 7 steps, so the
# frameworks differentiate the forward over those 4.

# %%
nb.code("bptt")

# %%
ref = packages["numpy"]

np.random.seed(1)
xt, a_prev = np.random.randn(3, 10), np.random.randn(5, 10)
cell = draw_rnn(3, 5, 2, ("Wax", "Waa"))
_, _, cache = ref.rnn_cell_forward(xt, a_prev, cell)
da_next = np.random.randn(5, 10)
rnn_cell_grads = {"numpy": ref.rnn_cell_backward(da_next, cache)} | {
    n: packages[n].rnn_cell_backward(da_next, xt, a_prev, cell) for n in ("jax", "tf")}  # fmt: skip

np.random.seed(1)
x, a0 = np.random.randn(3, 10, 4), np.random.randn(5, 10)
sequence = draw_rnn(3, 5, 2, ("Wax", "Waa"))
_, _, caches = ref.rnn_forward(x, a0, sequence)
da = np.random.randn(5, 10, 4)
rnn_grads = {"numpy": ref.rnn_backward(da, caches)} | {
    n: packages[n].rnn_backward(da, x, a0, sequence) for n in ("jax", "tf")}  # fmt: skip

np.random.seed(1)
x, a0 = np.random.randn(3, 10, 7), np.random.randn(5, 10)
sequence = draw_lstm(3, 5, 2, prediction=False)
da = np.random.randn(5, 10, 4)
_, _, _, caches = ref.lstm_forward(x, a0, sequence)
lstm_grads = {"numpy": ref.lstm_backward(da, caches)} | {
    n: packages[n].lstm_backward(da, x[:, :, :4], a0, sequence) for n in ("jax", "tf")}  # fmt: skip


def grad(grads, key, index):
    return {name: np.asarray(g[key])[index] for name, g in grads.items()}


nb.printed("backpropagation through time", [
    ("rnn_cell_backward dxt[1][2]", "-1.3872130506020925", grad(rnn_cell_grads, "dxt", (1, 2))),
    ("rnn_cell_backward dWaa[1][2]", "1.1503450668497135", grad(rnn_cell_grads, "dWaa", (1, 2))),
    ("rnn_backward dWax[3][1]", "11.264104496527777", grad(rnn_grads, "dWax", (3, 1))),
    ("rnn_backward da0[2][3]", "-0.31494237512664996", grad(rnn_grads, "da0", (2, 3))),
    ("lstm_backward da0[2][3]", "0.312770310257", grad(lstm_grads, "da0", (2, 3))),
    ("lstm_backward dWf[3][1]", "-0.0809802310938", grad(lstm_grads, "dWf", (3, 1))),
])  # fmt: skip

# %% [markdown]
# ## 4. The GRU, and Keras' `reset_after`
#
# The lectures' GRU: Γr and Γu on [a_prev; x], c̃ = tanh(Wc [Γr * a_prev; x] + bc),
# a = c = Γu c̃ + (1 − Γu) a_prev. Keras' `GRU(reset_after=False)` computes exactly that, with its
# update gate z = 1 − Γu (so z's weights and bias are −Wu, −bu); its default, `reset_after=True`,
# applies the reset gate after the recurrent product, r * (U a_prev + b): another network.
# Below: x (3, 4, 6), n_a 5, the parity suite's draw with seed 3.

# %%
nb.code("gru-cell")

# %%
rng = np.random.RandomState(3)
x, a0 = rng.randn(3, 4, 6), rng.randn(5, 4)
rng.randn(5, 4, 6)  # the parity suite's da, drawn so that the parameters are its own
gru = {}
for gate in "urc":
    gru[f"W{gate}"], gru[f"b{gate}"] = rng.randn(5, 8), rng.randn(5, 1)
gru["Wy"], gru["by"] = rng.randn(2, 5), rng.randn(2, 1)
gru_a = each(lambda m: m.gru_forward(x, a0, gru)[0])
gru_a["keras"] = keras_recurrent.gru(x, a0, gru)
keras_default = keras_recurrent.gru(x, a0, gru, reset_after=True)


def relative(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


display(nb.Table(("GRU hidden states", "max |a - numpy's a|"), tuple(
    (f"{name}{' GRU(reset_after=False)' if name == 'keras' else ''}",
     f"{np.max(np.abs(value - gru_a['numpy'])):.1e}") for name, value in gru_a.items())))  # fmt: skip
print(f"Keras' default GRU(reset_after=True) with the same weights: "
      f"||a - a_course|| / ||a_course|| = {relative(keras_default, gru_a['numpy']):.2f}")  # fmt: skip

# %% [markdown]
# ## 5. Where the frameworks differ from the course: the recurrent rows
#
# The layout (rows against columns), the LSTM's gate order and its concatenation, Keras' GRU,
# its old hard sigmoid, PyTorch's LSTM, gradient clipping and float32 over many steps. "measured"
# is the size of a trap, proven by the parity suite.

# %%
nb.traps("rnn-layout", "lstm-gate-order", "concat-order", "gru-reset-after", "gru-update-gate",
         "hard-sigmoid", "torch-lstm", "gradient-clipping", "rnn-float32")  # fmt: skip

# %% [markdown]
# ## 6. The character model: Dinosaurus Island
#
# One name per iteration: X = [None] + the name's characters, Y = X shifted by one with a
# newline at the end; the RNN above with a softmax over the 27 characters, the loss summed over
# the steps, backpropagation through time, every gradient clipped to [−5, 5], plain gradient
# descent at 0.01, and the hidden state carried from one name to the next. Every `every`
# iterations, names are sampled.
#
# Clipping by value, in every package (Keras: `SGD(clipvalue=5)`; optax's `clip_by_global_norm`
# would rescale instead):

# %%
nb.code("clip")

# %% [markdown]
# Sampling: from a zero x and a zero a, each step's softmax gives the next character's
# probabilities; the pick is NumPy's `np.random.choice` with the course's seeds, shared by every
# package, so each framework samples from the probabilities it computes and the same seeds.

# %%
nb.code("sample")

# %% [markdown]
# Training in every framework, from the same initial parameters (seed 1, randn × 0.01) and the
# same shuffle (seed 0). The course trains 35000 names; here 2000 (200 with `DLPARITY_QUICK`),
# n_a = 50, 7 names sampled at each report.

# %%
iterations = 200 if quick.enabled() else 2000
settings = charmodel.Settings(iterations=iterations, n_a=50, dino_names=7, every=iterations // 2)
words = charmodel.names("dinosaurs")
runs = {name: charmodel.run(name, words, settings, out=None)
        for name in nb.installed() if name in charmodel.FRAMEWORKS}  # fmt: skip
print(charmodel.compare(runs))

# %% [markdown]
# Every framework's loss equals the reference's within a few ulps at every iteration (each step's
# sums in another order; at this learning rate, with clipping, the updates do not amplify it),
# so every framework samples the same names. The smoothed loss first rises: it starts from
# 7 × log 27, the loss of a uniform guess over 7 characters, and the names are longer.

# %% tags=["plot"]
charmodel_figure(runs, f"charmodel (dinosaurs, n_a = {settings.n_a})")

# %% [markdown]
# The course's gradient check on this network: centered differences (ε = 1e-7) of the
# reference's summed loss on the first name against each framework's gradients, n_a = 5 to keep
# it short (`dlparity charmodel --gradcheck --compare` runs it with n_a = 50, where the loss's
# own rounding needs a second look at ε = 1e-5).

# %%
check = charmodel.gradient_check(list(runs), words, n_a=5)
nb.Table(("framework", "difference", "max |gradient - numpy's|", "verdict"), tuple(
    (name, f"{check.differences[name]:.2e}", f"{check.from_reference[name]:.1e}",
     "works" if check.passed(name) else "DIFFERS") for name in runs),
    f"gradient check on {check.example!r}, {check.steps} steps, threshold 1e-7")  # fmt: skip

# %% [markdown]
# ## 7. Try it
#
# Change n_a, the number of names, or the word list (`"dinos"` reads the course's `dinos.txt`
# from `DLPARITY_DATA`), and run every framework again.

# %% tags=["plot"]
try_settings = charmodel.Settings(
    iterations=iterations, n_a=20, dino_names=3, every=iterations // 2
)
try_runs = {name: charmodel.run(name, words, try_settings, out=None) for name in runs}
print(charmodel.compare(try_runs))
charmodel_figure(try_runs, f"charmodel (dinosaurs, n_a = {try_settings.n_a})")
