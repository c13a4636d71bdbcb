"""--framework tf, described (dlparity.core.framework): read by dlparity.runtime.frameworks as a
file of its own, without importing tf_impl (whose __init__ starts TensorFlow), so it imports the
core alone."""

from dlparity.core.framework import Framework

FRAMEWORK = Framework(
    name="tf",
    package="tf_impl",
    train="tf_impl.train:train",
    predict="tf_impl.models:predict",
    needs=("tensorflow",),
    gradcheck="tf_impl.gradcheck:gradient_check",
    devices=True,
    native_randomness=True,
    platforms="dlparity.runtime.strategy:platforms",
    show="tf_impl: tf.GradientTape, tf.function",
    lessons={
        "forward": ("tf_impl.layers:linear_forward", "tf_impl.layers:forward_dense",
                    "tf_impl.layers:forward_activation", "tf_impl.models:_forward"),
        "backward": ("tf_impl.models:cost_and_gradients",),
        "cost": ("tf_impl.losses:_binary_logprobs", "tf_impl.losses:binary_cross_entropy",
                 "tf_impl.models:_cost"),
        "l2": ("tf_impl.losses:l2_penalty",),
        "dropout": ("tf_impl.layers:dropout_forward", "tf_impl.train:_NativeDraws._masks"),
        "batchnorm": ("tf_impl.layers:batchnorm_forward", "tf_impl.layers:forward_batchnorm"),
        "softmax": ("tf_impl.activations:softmax", "tf_impl.losses:softmax_cross_entropy"),
        "init": ("dlparity.runtime.glorot:glorot_parameters",),
        "momentum": ("tf_impl.optimizers:momentum_update",),
        "rmsprop": ("tf_impl.optimizers:rmsprop_update",),
        "adam": ("tf_impl.optimizers:adam_update",),
        "decay": (),
        "minibatches": ("tf_impl.train:_make_run",),
        "gradcheck": ("tf_impl.gradcheck:gradient_check",),
        "loop": ("tf_impl.train:_make_batch_step", "tf_impl.train:_Segment.run"),
        "conv": ("tf_impl.layers:zero_pad", "tf_impl.layers:conv_single_step",
                 "tf_impl.layers:conv_forward"),
        "conv-backward": ("tf_impl.layers:forward_conv2d", "tf_impl.models:cost_and_gradients"),
        "pool": ("tf_impl.layers:pool_forward",),
        "pool-backward": ("tf_impl.layers:pool_forward", "tf_impl.models:cost_and_gradients"),
        "flatten": ("tf_impl.layers:flatten_forward",),
        "rnn-cell": ("tf_impl.recurrent:rnn_cell_forward", "tf_impl.recurrent:_over_time",
                     "tf_impl.recurrent:rnn_forward"),
        "lstm-cell": ("tf_impl.recurrent:lstm_cell_forward", "tf_impl.recurrent:lstm_forward"),
        "gru-cell": ("tf_impl.recurrent:gru_cell_forward", "tf_impl.recurrent:gru_forward"),
        "bptt": ("tf_impl.recurrent:_pulled_back", "tf_impl.recurrent:rnn_backward",
                 "tf_impl.recurrent:lstm_backward"),
    },
)  # fmt: skip
