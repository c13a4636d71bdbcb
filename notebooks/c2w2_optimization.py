# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # C2W2: optimization methods, in NumPy, JAX and TensorFlow/Keras
#
# The second week of the second course trains one network, [2, 5, 2, 1] relu with He
# initialization, on the "moons" with mini-batches of 64, and changes only the optimizer:
# gradient descent, momentum, Adam, then each with learning-rate decay. This is the week where
# the frameworks' own optimizers differ most from the course's formulas: optax can be set to
# match every one of them, stock Keras cannot (Adam's ε, momentum under decay, the schedule's
# lag), and this project's course-exact Keras subclasses do.
#
# The moons are generated as the course generates them: nothing to download.
#
# - Every listing below is read from the packages' source with `inspect`, as `dlparity show`
#   prints it: it is the code that runs, not a copy.
# - With `DLPARITY_QUICK=1` (as the tests run this notebook) every run is cut to its first
#   epochs; unset, the runs are the course's 5000 epochs and the published numbers are checked
#   in full.

# %%
# %matplotlib inline
from IPython.display import display

from dlparity.core.rng import minibatch_bounds
from dlparity.course.experiments import get
from dlparity.tools import notebook as nb
from dlparity.tools import quick

nb.setup()

# %%
moons = nb.course_data("moons")
print(f"X {moons[0].shape}, Y {moons[1].shape}")

# %% [markdown]
# ## 1. Mini-batch gradient descent
#
# Before epoch e the course seeds 10 + e + 1 and permutes the examples, then cuts full batches
# of 64 and a short last one. The order is drawn once, in NumPy (the shared code), and every
# framework trains on the same batches; Keras gets them as a `tf.data.Dataset`.

# %%
nb.code("minibatches")

# %%
sizes = [stop - start for start, stop in minibatch_bounds(moons[0].shape[1], 64)]
print(f"{len(sizes)} mini-batches per epoch, of sizes {sizes}")

# %% [markdown]
# ## 2. Momentum
#
# v = β v + (1 - β) dW, W = W - α v, β = 0.9. optax's `sgd(α (1 - β), momentum=β)` is the same
# update, also when α decays (it scales by α after accumulating); Keras' `SGD` folds α into its
# velocity, so it matches only while α is constant.

# %%
nb.code("momentum")

# %% [markdown]
# ## 3. RMSprop (from the lectures) and Adam
#
# The assignment goes from momentum to Adam; RMSprop, its second half, is in the lectures.
# Adam: v and s with bias correction, W = W - α v_corr / (sqrt(s_corr) + ε), ε = 1e-8.

# %%
nb.code("rmsprop")

# %%
nb.code("adam")

# %% [markdown]
# ## 4. The model with each optimizer
#
# Learning rate 0.0007, 5000 epochs. Gradient descent and momentum reach 71.7 % on the training
# set in the course, Adam 94.3 %.

# %%
gd = quick.shorten(get("opt-gd"))
gd_runs = nb.run(gd, moons)
nb.costs(gd, gd_runs)

# %% tags=["plot"]
nb.figure(gd, gd_runs, moons)

# %%
nb.published(gd, gd_runs)

# %%
momentum = quick.shorten(get("opt-momentum"))
momentum_runs = nb.run(momentum, moons)
nb.costs(momentum, momentum_runs)

# %% tags=["plot"]
nb.figure(momentum, momentum_runs, moons)

# %%
nb.published(momentum, momentum_runs)

# %%
adam = quick.shorten(get("opt-adam"))
adam_runs = nb.run(adam, moons)
nb.costs(adam, adam_runs)

# %% tags=["plot"]
nb.figure(adam, adam_runs, moons)

# %%
nb.published(adam, adam_runs)

# %% [markdown]
# ## 5. Learning-rate decay
#
# α = α0 / (1 + r floor(e / T)) with r = 1 and T = 1000 epochs, set after each epoch: epoch e
# trains with the rate computed at the end of epoch e - 1 (a one-epoch lag that Keras'
# `InverseTimeDecay` does not have). α0 is 0.1 for gradient descent and momentum, 0.01 for Adam.

# %%
nb.code("decay")

# %%
gd_decay = quick.shorten(get("opt-gd-decay"))
gd_decay_runs = nb.run(gd_decay, moons)
nb.costs(gd_decay, gd_decay_runs)

# %% tags=["plot"]
nb.figure(gd_decay, gd_decay_runs, moons)

# %%
nb.published(gd_decay, gd_decay_runs)

# %%
momentum_decay = quick.shorten(get("opt-momentum-decay"))
momentum_decay_runs = nb.run(momentum_decay, moons)
nb.costs(momentum_decay, momentum_decay_runs)

# %% tags=["plot"]
nb.figure(momentum_decay, momentum_decay_runs, moons)

# %%
nb.published(momentum_decay, momentum_decay_runs)

# %%
adam_decay = quick.shorten(get("opt-adam-decay"))
adam_decay_runs = nb.run(adam_decay, moons)
nb.costs(adam_decay, adam_decay_runs)

# %% tags=["plot"]
nb.figure(adam_decay, adam_decay_runs, moons)

# %%
nb.published(adam_decay, adam_decay_runs)

# %% [markdown]
# ## 6. Where the frameworks differ from the course: this week's traps
#
# "measured" is the size of each trap, proven by the parity suite: the stock component (or the
# component without the mapping) against the course's formula.

# %%
nb.traps("momentum", "momentum-decay", "rmsprop", "adam", "decay", "hyperparameters")

# %% [markdown]
# ### Seen in a run: stock Keras Adam
#
# `keras` is this project's course-exact Keras (`CourseAdam`); `keras-stock` is Keras' own
# `Adam(α, β1, β2, ε)`, whose ε is the "ε-hat" of its paper: ε / sqrt(1 - β2^t) in the course's
# terms. From the same start the two part at once; the note under the table gives by how much.

# %% tags=["plot"]
stock_runs = nb.run(adam, moons, ["keras", "keras-stock"])
display(nb.costs(adam, stock_runs))
nb.figure(adam, stock_runs, moons)

# %% [markdown]
# ## 7. Try it
#
# Change the optimizer (`"gd"`, `"momentum"`, `"rmsprop"`, `"adam"`), its hyperparameters
# (`beta`, `beta1`, `beta2`, `epsilon`), the rate or the mini-batch size and run again: every
# framework moves together. RMSprop, for instance, which the assignment does not train:

# %% tags=["plot"]
try_it = nb.variant(adam, optimizer="rmsprop", learning_rate=0.001)
try_runs = nb.run(try_it, moons)
display(nb.costs(try_it, try_runs))
nb.figure(try_it, try_runs, moons)
