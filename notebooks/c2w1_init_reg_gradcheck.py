# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # C2W1: initialization, regularization and gradient checking, in NumPy, JAX and TensorFlow/Keras
#
# The first week of the second course has three assignments, followed here in their order:
#
# 1. **Initialization**: the same 3-layer network on the "circles" from zeros, from large random
#    weights and with He initialization.
# 2. **Regularization**: a 3-layer network on the French football data, without regularization,
#    with L2 and with dropout.
# 3. **Gradient checking**: centered differences against the backward pass.
#
# Every run is trained by every framework of this project from the same initial parameters
# (and, for dropout, the same masks), and each idea is shown in every package.
#
# **Course files.** The circles are generated as the course generates them; the regularization
# part needs the assignment's `data.mat` in the folder named by the environment variable
# `DLPARITY_DATA` (else `./datasets`). Without it those runs are skipped, each with a line saying
# so; the code listings and the migration table still show.
#
# - Every listing below is read from the packages' source with `inspect`, as `dlparity show`
#   prints it: it is the code that runs, not a copy.
# - With `DLPARITY_QUICK=1` (as the tests run this notebook) every run is cut to its first
#   steps; unset, the runs are the course's and the published numbers are checked in full.

# %%
# %matplotlib inline
from IPython.display import display

from dlparity.course.experiments import get
from dlparity.tools import notebook as nb
from dlparity.tools import quick

nb.setup()

# %% [markdown]
# # Part 1: initialization
#
# [2, 10, 5, 1] relu, learning rate 0.01, 15000 iterations on the circles (300 training and
# 100 test points). Only the initial weights change: zeros, `randn * 10` or He
# (`randn * sqrt(2 / n_prev)`), each after seed 3.

# %%
circles = nb.course_data("circles")
nb.code("init")

# %% [markdown]
# ## 1.1 Zero initialization
#
# Every unit of a layer computes the same function and gets the same gradient: the symmetry is
# never broken, the cost stays at log 2 and the network predicts 0 everywhere (50 %).

# %%
zeros = quick.shorten(get("init-zeros"))
zeros_runs = nb.run(zeros, circles)
nb.costs(zeros, zeros_runs)

# %% tags=["plot"]
nb.figure(zeros, zeros_runs, circles)

# %%
nb.published(zeros, zeros_runs)

# %% [markdown]
# ## 1.2 Large random initialization
#
# Weights ×10 saturate the sigmoid: the first cost is huge (the course's literal formula prints
# `inf`; every package here computes the cost from the logits and gets the finite value), and
# the run is chaotic from about iteration 200 on, so the frameworks part by rounding there.

# %%
large = quick.shorten(get("init-random"))
large_runs = nb.run(large, circles)
nb.costs(large, large_runs)

# %% tags=["plot"]
nb.figure(large, large_runs, circles)

# %%
nb.published(large, large_runs)

# %% [markdown]
# ## 1.3 He initialization
#
# `randn * sqrt(2 / n_prev)`: 99.3 % on the training set, 96 % on the test set in the course.

# %%
he = quick.shorten(get("init-he"))
he_runs = nb.run(he, circles)
nb.costs(he, he_runs)

# %% tags=["plot"]
nb.figure(he, he_runs, circles)

# %%
nb.published(he, he_runs)

# %% [markdown]
# # Part 2: regularization
#
# [2, 20, 3, 1] relu, `randn / sqrt(n_prev)` after seed 3, learning rate 0.3, 30000 iterations
# on where the French goalkeeper should kick the ball (211 training, 200 test positions).

# %%
football = nb.course_data("football")

# %% [markdown]
# ## 2.1 The non-regularized model
#
# It fits the noise: 94.8 % on the training set, 91.5 % on the test set.

# %%
plain = quick.shorten(get("reg-none"))
plain_runs = nb.run(plain, football)
nb.costs(plain, plain_runs)

# %% tags=["plot"]
nb.figure(plain, plain_runs, football)

# %%
nb.published(plain, plain_runs)

# %% [markdown]
# ## 2.2 L2 regularization
#
# The cost gains (λ/2m) Σ‖W‖², every dW gains (λ/m) W; λ = 0.7. JAX and TensorFlow add the term
# to the cost and differentiate; Keras puts it in each layer's `kernel_regularizer`.

# %%
nb.code("l2")

# %%
l2 = quick.shorten(get("reg-l2"))
l2_runs = nb.run(l2, football)
nb.costs(l2, l2_runs)

# %% tags=["plot"]
nb.figure(l2, l2_runs, football)

# %%
nb.published(l2, l2_runs)

# %% [markdown]
# ## 2.3 Dropout
#
# Inverted dropout with keep_prob 0.86 on both hidden layers: D = (rand < keep_prob),
# A = A * D / keep_prob, the same D in backward. Every framework here uses the course's masks
# (the shared `dropout_masks`), so the runs are equal; `--randomness native` in the command draws
# them with the framework's own generator instead.

# %%
nb.code("dropout")

# %%
dropout = quick.shorten(get("reg-dropout"))
dropout_runs = nb.run(dropout, football)
nb.costs(dropout, dropout_runs)

# %% tags=["plot"]
nb.figure(dropout, dropout_runs, football)

# %%
nb.published(dropout, dropout_runs)

# %% [markdown]
# # Part 3: gradient checking
#
# θ's gradient against the centered difference (J(θ + ε) - J(θ - ε)) / 2ε for every parameter,
# ε = 1e-7, and difference = ‖grad - gradapprox‖ / (‖grad‖ + ‖gradapprox‖) below 1e-7 when the
# backward pass is right. For NumPy this checks the hand-written backward pass; for JAX and
# TensorFlow, their automatic differentiation. The course warns not to check with dropout on:
# here the masks are fixed, so dropout is checked too.

# %%
nb.code("gradcheck")

# %%
nb.gradient_checks(["reg-none", "reg-l2", "reg-dropout"], football)

# %% [markdown]
# # Where the frameworks differ from the course: this week's traps
#
# Keras' `HeNormal` is truncated (draw in NumPy), its `L2(λ/2m)` factor is rounded to float32
# on TensorFlow, and its `Dropout(rate)` draws its own masks with the opposite comparison.
# "measured" is the size of a trap, proven by the parity suite.

# %%
nb.traps("init", "l2", "dropout")

# %% [markdown]
# # Try it
#
# Change λ (`lambd`) or `keep_prob` (or the initialization, `init_scheme="he"` ...) and run
# again: every framework moves together.

# %% tags=["plot"]
try_it = nb.variant(l2, lambd=0.1)
try_runs = nb.run(try_it, football)
display(nb.costs(try_it, try_runs))
nb.figure(try_it, try_runs, football)
