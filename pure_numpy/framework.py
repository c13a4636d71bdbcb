"""--framework numpy, described (dlparity.core.framework): read by dlparity.runtime.frameworks as a
file of its own, so it imports the core alone."""

from dlparity.core.framework import Framework

FRAMEWORK = Framework(
    name="numpy",
    package="pure_numpy",
    train="pure_numpy.train:train",
    predict="pure_numpy.models:predict",
    gradcheck="pure_numpy.gradcheck:gradient_check",
    reference=True,
    show="pure_numpy, the reference: backward by hand",
    lessons={
        "forward": ("pure_numpy.layers:linear_forward", "pure_numpy.layers:forward_dense",
                    "pure_numpy.layers:forward_activation", "pure_numpy.models:_forward"),
        "backward": ("pure_numpy.layers:linear_backward", "pure_numpy.layers:backward_dense",
                     "pure_numpy.activations:relu_backward", "pure_numpy.layers:backward_activation",
                     "pure_numpy.models:_backward", "pure_numpy.models:cost_and_gradients"),
        "cost": ("pure_numpy.losses:binary_cross_entropy", "pure_numpy.models:_cost"),
        "l2": ("pure_numpy.losses:l2_penalty", "pure_numpy.models:_backward"),
        "dropout": ("pure_numpy.layers:dropout_forward", "pure_numpy.layers:forward_dropout",
                    "pure_numpy.layers:dropout_backward"),
        "batchnorm": ("pure_numpy.layers:batchnorm_forward", "pure_numpy.layers:forward_batchnorm",
                      "pure_numpy.layers:batchnorm_backward"),
        "softmax": ("pure_numpy.activations:softmax", "pure_numpy.losses:softmax_cross_entropy"),
        "init": (),
        "momentum": ("pure_numpy.optimizers:momentum_update",),
        "rmsprop": ("pure_numpy.optimizers:rmsprop_update",),
        "adam": ("pure_numpy.optimizers:adam_update",),
        "decay": (),
        "minibatches": ("pure_numpy.train:_run_step",),
        "gradcheck": ("pure_numpy.gradcheck:gradient_check",),
        "loop": ("pure_numpy.train:_Segment.run",),
        "conv": ("pure_numpy.layers:zero_pad", "pure_numpy.layers:conv_single_step",
                 "pure_numpy.layers:_windows", "pure_numpy.layers:conv_forward"),
        "conv-backward": ("pure_numpy.layers:conv_backward", "pure_numpy.layers:backward_conv2d"),
        "pool": ("pure_numpy.layers:pool_forward",),
        "pool-backward": ("pure_numpy.layers:create_mask_from_window", "pure_numpy.layers:distribute_value",
                          "pure_numpy.layers:pool_backward"),
        "flatten": ("pure_numpy.layers:flatten_forward", "pure_numpy.layers:flatten_backward"),
    },
)  # fmt: skip
