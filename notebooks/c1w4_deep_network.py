# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # C1W4: a deep neural network for image classification, in NumPy, JAX and TensorFlow/Keras
#
# The course's fourth week builds an L-layer network step by step (initialization, the linear
# and activation forward steps, the cost, the backward steps, the update) and trains two of them
# on the cat pictures of week 2: a 2-layer network [12288, 7, 1] and a 4-layer network
# [12288, 20, 7, 5, 1]. Here both are trained by every framework of this project, and each
# building block is shown in every package.
#
# **Course files.** This notebook needs the assignment's `train_catvnoncat.h5` and
# `test_catvnoncat.h5`, in the folder named by the environment variable `DLPARITY_DATA` (else
# `./datasets`). Without them the runs below are skipped, each with a line saying so; the code
# listings and the migration table still show.
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

# %%
arrays = nb.course_data("cats")
if arrays is not None:
    print(f"X {arrays[0].shape}, X_test {arrays[2].shape}")

# %% [markdown]
# ## 1. Initialization
#
# The 2-layer network draws `randn * 0.01` after seed 1; the deep one `randn / sqrt(n_prev)`,
# as the application notebook's `initialize_parameters_deep` does; biases are zero.

# %%
nb.code("init")

# %% [markdown]
# ## 2. Forward propagation: linear, activation, the L-layer model
#
# `linear_forward` (Z = W A_prev + b), then a hidden layer (the course's
# `linear_activation_forward` with relu), then the whole model (the course's `L_model_forward`:
# [LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID).

# %%
nb.code("forward")

# %% [markdown]
# ## 3. The cost

# %%
nb.code("cost")

# %% [markdown]
# ## 4. Backward propagation: linear, activation, the L-layer model
#
# dW = (1/m) dZ A_prevᵀ, db = (1/m) sum(dZ), dA_prev = Wᵀ dZ, and relu's dZ = dA where Z > 0,
# layer by layer from dAL. JAX and TensorFlow get the same gradients from the cost (the parity
# suite checks every one to 1e-12 relative).

# %%
nb.code("backward")

# %% [markdown]
# ## 5. Update: the training loop

# %%
nb.code("loop")

# %% [markdown]
# ## 6. The 2-layer network
#
# LINEAR -> RELU -> LINEAR -> SIGMOID, [12288, 7, 1], learning rate 0.0075, 2500 iterations.

# %%
two_layer = quick.shorten(get("dnn-cats-2layer"))
two_layer_runs = nb.run(two_layer, arrays)

# %%
nb.costs(two_layer, two_layer_runs)

# %% tags=["plot"]
nb.figure(two_layer, two_layer_runs, arrays)

# %% [markdown]
# The assignment prints the cost every 100 iterations, 100 % training and 72 % test accuracy:

# %%
nb.published(two_layer, two_layer_runs)

# %% [markdown]
# ## 7. The L-layer network
#
# [12288, 20, 7, 5, 1], the same learning rate and iterations: 80 % test accuracy in the course.

# %%
deep = quick.shorten(get("dnn-cats-deep"))
deep_runs = nb.run(deep, arrays)

# %%
nb.costs(deep, deep_runs)

# %% tags=["plot"]
nb.figure(deep, deep_runs, arrays)

# %%
nb.published(deep, deep_runs)

# %% [markdown]
# ## 8. Where the frameworks differ from the course: this week's traps
#
# The layout (Keras' kernels are Wᵀ and its inputs (m, n_x): `dlparity.core.layout` ports the
# weights), the initialization (Keras' `HeNormal` is truncated: draw in NumPy) and the
# cross-entropy. "measured" is the size of a trap, proven by the parity suite.

# %%
nb.traps("layout", "init", "binary-loss")

# %% [markdown]
# ## 9. Try it
#
# Change the layers (the input and output sizes stay 12288 and 1) or the learning rate and run
# again: every framework moves together.

# %% tags=["plot"]
try_it = nb.variant(deep, layer_dims=(12288, 20, 7, 1))
try_runs = nb.run(try_it, arrays)
display(nb.costs(try_it, try_runs))
nb.figure(try_it, try_runs, arrays)
