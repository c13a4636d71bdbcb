# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # C2W3: batch normalization, softmax and Keras, in NumPy, JAX and TensorFlow/Keras
#
# The third week of the second course introduces batch normalization and softmax regression in
# its lectures, and a framework in its assignment: a [12288, 25, 12, 6] relu network with a
# softmax output, trained with Adam on the SIGNS pictures (hands showing 0 to 5 fingers). Here:
#
# 1. **Softmax** and its cross-entropy, in every package.
# 2. **Batch normalization**, in every package, and trained: `digits-bn`, a network that is not
#    in the course (the lectures have no batch-norm assignment), [64, 32, 16, 10] with batch
#    norm on both hidden layers, on scikit-learn's 8x8 digits.
# 3. **The SIGNS network** of the assignment, `signs-softmax`.
# 4. **Keras** as a Keras user writes it: `Dense`, `BatchNormalization`, `model.fit`.
#
# **Course files.** The digits ship with scikit-learn. The SIGNS part needs the assignment's
# `train_signs.h5` and `test_signs.h5` in the folder named by the environment variable
# `DLPARITY_DATA` (else `./datasets`); without them those runs are skipped, each with a line
# saying so.
#
# - Every listing below is read from the packages' source with `inspect`, as `dlparity show`
#   prints it: it is the code that runs, not a copy.
# - With `DLPARITY_QUICK=1` (as the tests run this notebook) every run is cut to its first
#   epochs; unset, the runs are full length.

# %%
# %matplotlib inline
from IPython.display import display

from dlparity.course.experiments import get
from dlparity.tools import notebook as nb
from dlparity.tools import quick

nb.setup()

# %% [markdown]
# ## 1. Softmax
#
# With C classes the output layer is Z (C, m) and A = softmax over the classes, axis 0 in the
# course's layout; J = -(1/m) Σ y log a. Every package computes it from the logits. Keras'
# `CategoricalCrossentropy` expects (m, C): given course-layout arrays it reduces over the wrong
# axis (see the traps below).

# %%
nb.code("softmax")

# %% [markdown]
# ## 2. Batch normalization
#
# Z_norm = (Z - μ) / sqrt(σ² + ε) with the batch's mean and biased variance, then γ Z_norm + β
# (b is dropped: β takes its place). The running averages, momentum 0.9 and ε 1e-5 here, are
# what inference uses.

# %%
nb.code("batchnorm")

# %%
digits = quick.shorten(get("digits-bn"))
digits_arrays = nb.course_data("digits")
X, Y, X_test, Y_test = digits_arrays
print(f"X {X.shape}, Y {Y.shape} one-hot, X_test {X_test.shape}, Y_test {Y_test.shape}")

# %% [markdown]
# ### In Keras, as a Keras user writes it
#
# The `keras` framework of this project is a functional `keras.Model` (`keras_impl/models.py`),
# trained with `model.fit`: `Dense(use_bias=False)`, batch norm with its momentum and epsilon
# pinned to the course's (Keras' defaults are 0.99 and 1e-3), `Activation("relu")`, and a last
# `Dense` that outputs the logits, which the loss takes (`from_logits`, as this week's assignment
# does). The batch norm is `CourseBatchNormalization`, Keras' `BatchNormalization` with the
# reference's formula in the input's dtype: Keras' own computes in float32 on its JAX backend.
# The same code runs there as `--framework keras-jax`.

# %%
from keras_impl.models import build_model  # noqa: E402  (TensorFlow is loaded by nb.setup)

build_model(digits.spec).summary()

# %% [markdown]
# ### digits-bn in every framework
#
# Adam 0.01, mini-batches of 64, 50 epochs, the cost recorded after every epoch.

# %%
digits_runs = nb.run(digits, digits_arrays)
nb.costs(digits, digits_runs)

# %% [markdown]
# From about epoch 15 on this run amplifies rounding differences exponentially, as planar does
# after iteration 7700: the NumPy run disagrees with itself as much once one initial weight
# moves by one ulp. In a full run the frameworks part there (the note under the table names the
# first epoch beyond 1e-10), while their accuracies stay the same.

# %% tags=["plot"]
nb.figure(digits, digits_runs, digits_arrays)

# %%
nb.published(digits, digits_runs)

# %% [markdown]
# ## 3. The SIGNS network of the assignment
#
# [12288, 25, 12, 6] relu, softmax, Glorot-normal weights and biases, Adam 1e-4, mini-batches of
# 32 in the order of the file (the assignment does not shuffle), 100 epochs.

# %%
signs = quick.shorten(get("signs-softmax"))
signs_arrays = nb.course_data("signs")
signs_runs = nb.run(signs, signs_arrays)
nb.costs(signs, signs_runs)

# %% tags=["plot"]
nb.figure(signs, signs_runs, signs_arrays)

# %%
nb.published(signs, signs_runs)

# %% [markdown]
# ## 4. Where the frameworks differ from the course: this week's traps
#
# The softmax loss's axis, batch norm's defaults, the layout and the initialization (the
# assignment's Glorot draws come from TensorFlow; every other package starts from them).
# "measured" is the size of a trap, proven by the parity suite.

# %%
nb.traps("softmax-loss", "batchnorm", "layout", "init")

# %% [markdown]
# ## 5. Try it: Keras' batch-norm defaults
#
# Change `bn_momentum` and `bn_epsilon` to Keras' defaults (0.99 and 1e-3), or the rate, the
# mini-batch size, the layers, and run again: every framework moves together, and the test
# accuracy shows what the running averages change.

# %% tags=["plot"]
try_it = nb.variant(digits, bn_momentum=0.99, bn_epsilon=1e-3)
try_runs = nb.run(try_it, digits_arrays)
display(nb.costs(try_it, try_runs))
nb.figure(try_it, try_runs, digits_arrays)
