"""--framework jax, described (dlparity.core.framework): read by dlparity.runtime.frameworks as a
file of its own, without importing jax_impl (whose __init__ starts JAX), so it imports the core
alone."""

from dlparity.core.framework import Framework

FRAMEWORK = Framework(
    name="jax",
    package="jax_impl",
    train="jax_impl.train:train",
    predict="jax_impl.models:predict",
    needs=("jax", "optax"),
    gradcheck="jax_impl.gradcheck:gradient_check",
    devices=True,
    native_randomness=True,
    platforms="jax_impl.parallel:platforms",
    show="jax_impl: jax.value_and_grad, jit, optax",
    lessons={
        "forward": ("jax_impl.layers:linear_forward", "jax_impl.layers:forward_dense",
                    "jax_impl.layers:forward_activation", "jax_impl.models:_forward"),
        "backward": ("jax_impl.models:cost_and_gradients",),
        "cost": ("jax_impl.losses:_binary_logprobs", "jax_impl.losses:_binary_logprobs_jvp",
                 "jax_impl.losses:binary_cross_entropy", "jax_impl.models:_cost"),
        "l2": ("jax_impl.losses:l2_penalty",),
        "dropout": ("jax_impl.layers:dropout_forward", "jax_impl.train:_draw_masks"),
        "batchnorm": ("jax_impl.layers:batchnorm_forward", "jax_impl.layers:forward_batchnorm"),
        "softmax": ("jax_impl.activations:softmax", "jax_impl.losses:softmax_cross_entropy"),
        "init": (),
        "momentum": ("jax_impl.optimizers:momentum", "jax_impl.optimizers:optax_rate",
                     "jax_impl.optimizers:apply_update"),
        "rmsprop": ("jax_impl.optimizers:rmsprop", "jax_impl.optimizers:apply_update"),
        "adam": ("jax_impl.optimizers:adam", "jax_impl.optimizers:apply_update"),
        "decay": ("jax_impl.optimizers:course_schedule", "jax_impl.optimizers:optax_optimizer"),
        "minibatches": ("jax_impl.train:_make_run",),
        "gradcheck": ("jax_impl.gradcheck:gradient_check",),
        "loop": ("jax_impl.train:_recording_scan", "jax_impl.train:_Segment.run"),
        "conv": ("jax_impl.layers:zero_pad", "jax_impl.layers:conv_single_step",
                 "jax_impl.layers:conv_forward"),
        "conv-backward": ("jax_impl.layers:forward_conv2d", "jax_impl.models:cost_and_gradients"),
        "pool": ("jax_impl.layers:pool_forward",),
        "pool-backward": ("jax_impl.layers:pool_forward", "jax_impl.models:cost_and_gradients"),
        "flatten": ("jax_impl.layers:flatten_forward",),
    },
)  # fmt: skip
