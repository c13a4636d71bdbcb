"""--framework keras and its variant keras-jax, described (dlparity.core.framework): read by
dlparity.runtime.frameworks as a file of its own, without importing keras_impl (whose __init__
starts Keras), so it imports the core alone.

One package, two frameworks: Keras on TensorFlow in the command's process, and Keras on JAX in a
worker process (dlparity.runtime.worker), since one process has one Keras backend.
"""

from dlparity.core.framework import Framework

_MODEL_FIT = "model.fit trains the whole run here"
_STOCK = "Keras' own components"

KERAS_JAX = Framework(
    name="keras-jax",
    package="keras_impl",
    train="keras_impl.train:train",
    predict="keras_impl.models:predict",
    needs=("jax", "keras"),
    whole_runs=_MODEL_FIT,
    stock=_STOCK,
    keras_backend="jax",
    worker=True,
    measured_against="jax",
)

FRAMEWORK = Framework(
    name="keras",
    package="keras_impl",
    train="keras_impl.train:train",
    predict="keras_impl.models:predict",
    needs=("tensorflow", "keras"),
    devices=True,
    whole_runs=_MODEL_FIT,
    stock=_STOCK,
    keras_backend="tensorflow",
    platforms="dlparity.runtime.strategy:platforms",
    measured_against="tf",
    show="keras_impl: Keras layers, model.fit (TensorFlow or JAX backend)",
    lessons={
        "forward": ("keras_impl.models:build_model",),
        "backward": ("keras_impl.models:gradients", "keras_impl.backend:value_and_grad"),
        "cost": ("keras_impl.course:_binary_logprobs", "keras_impl.course:CourseBinaryCrossentropy",
                 "keras_impl.models:make_loss"),
        "l2": ("keras_impl.models:_regularizer", "keras_impl.course:CourseL2"),
        "dropout": ("keras_impl.models:_dropout_layer", "keras_impl.course:FixedDropout.call"),
        "batchnorm": ("keras_impl.models:build_model",),
        "softmax": ("keras_impl.course:CourseCategoricalCrossentropy",),
        "init": ("dlparity.runtime.glorot:glorot_parameters",
                 "dlparity.core.layout:to_keras_weights"),
        "momentum": ("keras_impl.course:CourseSGD.update_step",),
        "rmsprop": ("keras_impl.course:CourseRMSprop.update_step",),
        "adam": ("keras_impl.course:CourseAdam._corrected_moments",
                 "keras_impl.course:CourseAdam.update_step"),
        "decay": ("keras_impl.course:CourseDecay", "keras_impl.models:_stock_rate"),
        "minibatches": ("keras_impl.backend:batches", "keras_impl.backend:PlanBatches"),
        "gradcheck": ("keras_impl.models:gradient_check",),
        "loop": ("keras_impl.train:_fit", "keras_impl.train:_Fit.run"),
        "conv": ("keras_impl.models:_image_layers",),
        "conv-backward": ("keras_impl.models:gradients", "keras_impl.backend:value_and_grad"),
        "pool": ("keras_impl.models:_image_layers",),
        "pool-backward": ("keras_impl.models:gradients", "keras_impl.backend:value_and_grad"),
        "flatten": ("keras_impl.models:_image_layers",),
        "residual": ("keras_impl.models:_skip_connection",
                     "keras_impl.course:CourseBatchNormalization._batch_moments"),
        "rnn-cell": ("keras_impl.recurrent:simple_rnn", "keras_impl.recurrent:_hidden_states",
                     "dlparity.core.recurrent_layout:keras_simple_rnn_weights"),
        "lstm-cell": ("keras_impl.recurrent:lstm", "dlparity.core.recurrent_layout:_blocks",
                      "dlparity.core.recurrent_layout:keras_lstm_weights"),
        "gru-cell": ("keras_impl.recurrent:gru", "dlparity.core.recurrent_layout:keras_gru_weights"),
        "bptt": (),
        "clip": ("keras_impl.charmodel:_build", "keras_impl.charmodel:_train_step",
                 "keras_impl.charmodel:clip"),
        "sample": ("keras_impl.charmodel:_one_step", "keras_impl.charmodel:sample"),
    },
    variants=(KERAS_JAX,),
)  # fmt: skip
