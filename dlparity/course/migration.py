"""The migration table: where optax and Keras differ from the course's formulas, and the mapping.

One table, read by the docs (`dlparity migration`, `dlparity report`) and by the parity suite, which proves every row: the exact mapping where one exists and, where a
stock component cannot match, the size of its deviation (the `stock_deviation` column).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    knob: str
    course: str
    jax: str  # JAX: optax for optimizers and losses, lax for convolutions
    keras: str
    stock_keras_exact: bool
    # measured size of the stock difference: of the stock component where it cannot match; of the
    # trap (the component used without the mapping) where it can. `measure` says how.
    stock_deviation: float | None = None
    measure: str = ""


# Sizes measured by parity_tests/test_keras_stock.py (Keras 3.15, TensorFlow 2.21, float64, CPU),
# Course 4's by test_conv_migration.py and Course 5's by test_recurrent_migration.py, which check
# each stays nonzero and within a factor of 3 of the value recorded here.
# The course's symbols are written as such: α learning rate, β momentum, ε epsilon, λ lambd.
_RUN = (
    "||θ_stock - θ_course|| / ||θ_course - θ_0|| after 30 full-batch updates of "
    "deep (2, 5, 2, 1), He seed 3, on moons"
)

TABLE: dict[str, Row] = {
    "momentum": Row(
        "momentum", "v = β v + (1 - β) dW; W -= α v",
        "sgd(α (1 - β), momentum=β): exact, also with decay",
        "SGD(learning_rate=α (1 - β), momentum=β): exact for constant α only", True,
    ),
    "momentum-decay": Row(
        "momentum with lr decay", "α changes, v keeps (1 - β) dW",
        "exact: optax scales by α after accumulating",
        "SGD folds α into its velocity: no setting matches; course-exact CourseSGD", False,
        0.29,
        f"{_RUN}; α 0.1, β 0.9, inverse-time decay 0.1 per update, the same (unlagged) rates for both: SGD(α (1 - β), momentum=β) alone",
    ),
    "rmsprop": Row(
        "RMSprop", "s = β2 s + (1 - β2) dW^2; W -= α dW / (sqrt(s) + ε)",
        "rmsprop(α, decay=β2, eps=ε, eps_in_sqrt=False): exact (default eps_in_sqrt=True is not)",
        "RMSprop: dW / sqrt(s + ε), no option; course-exact CourseRMSprop", False,
        0.27,
        f"{_RUN}; α 0.01, β2 0.999, ε 1e-8 (early s < ε, so sqrt(s + ε) is far from sqrt(s) + ε); stock equals the eps_in_sqrt reference",
    ),
    "adam": Row(
        "Adam", "W -= α v_corr / (sqrt(s_corr) + ε), ε 1e-8",
        "adam(α, b1=β1, b2=β2, eps=ε): exact",
        "Adam: ε-hat form, ε / sqrt(1 - β2^t) in the course's terms; course-exact CourseAdam", False,
        4.5e-05,
        f"{_RUN}; α 0.0007, defaults β1 0.9, β2 0.999, ε 1e-8; stock equals the eps_hat reference",
    ),
    "adamw": Row(
        "AdamW (not in the course)", "W -= α (v_corr / (sqrt(s_corr) + ε) + λ_w W), decay outside the gradient",
        "adamw(α, b1=β1, b2=β2, eps=ε, weight_decay=λ_w): exact",
        "AdamW: decays W -= λ_w α W first, then the ε-hat Adam step; course-exact CourseAdamW", False,
        4.5e-05,
        f"{_RUN}; α 0.0007, λ_w 0.01, defaults otherwise; stock equals the eps_hat reference to rounding (decay first: 7e-16)",
    ),
    "decay": Row(
        "learning-rate decay", "α = α0 / (1 + r floor(e / T)), set after each epoch (one-epoch lag)",
        "a schedule function of the update count: epoch = count // batches_per_epoch",
        "InverseTimeDecay(α0, B*T, r, staircase=True) has no lag; course-exact CourseDecay", False,
        0.034,
        f"{_RUN}; gd α0 0.1, scheduled decay 1.0 every 10 updates: InverseTimeDecay (exact to the unlagged rates) vs the course's one-epoch lag",
    ),
    "l2": Row(
        "L2 regularization", "J += (λ / 2m) sum ||W||^2",
        "the term added to the loss, differentiated by jax.grad",
        "kernel_regularizer=L2(λ / 2m), cast to float32 on TF; course-exact CourseL2", False,
        9.7e-10,
        '|stock L2 penalty - (λ / 2m) sum ||W||^2|: reg-l2 (2, 20, 3, 1) at its initial params, λ 0.7, m 211 (the factor rounded to float32)',
    ),
    "binary-loss": Row(
        "binary cross-entropy", "-(1/m) sum[y log a + (1-y) log(1-a)]",
        "sigmoid_binary_cross_entropy(logits, labels).mean()",
        "BinaryCrossentropy: logits form after a Keras sigmoid, else clipped to [1e-7, 1-1e-7]", True,
    ),
    "softmax-loss": Row(
        "softmax cross-entropy", "softmax over axis 0, -(1/m) sum y log a",
        "softmax_cross_entropy(Z, Y, axis=0).mean()",
        "CategoricalCrossentropy wants (m, C): course-layout (C, m) reduces the wrong axis", True,
        43.0,
        '|CategoricalCrossentropy()(Y, A) - J| on course-layout (C, m) arrays: digits (10, 100), deep (64, 16, 10) He seed 1; (m, C) is exact',
    ),
    "dropout": Row(
        "dropout", "keep where rand < keep_prob, A * D / keep_prob",
        "the same formula with a jax.random mask (or the shared mask)",
        "Dropout(rate=1 - keep_prob) keeps where U >= rate; FixedDropout for shared masks", False,
        0.02,
        "|J_stock - J_course|, training-mode cost of reg-dropout's (2, 20, 3, 1) at its initial params on moons, Dropout(0.14, seed=l) vs the course's masks; with Keras' mask read back the formula is the course's",
    ),
    "batchnorm": Row(
        "batch norm", "batch mean, biased variance, ε 1e-5; running = momentum running + (1 - momentum) batch, momentum 0.9",
        "the same formula",
        "BatchNormalization(momentum, epsilon) after Dense(use_bias=False): pin both", True,
        0.051,
        "max |A_L| difference at inference after one training batch: digits-bn (64, 32, 16, 10) He seed 1 on 64 digits, Keras' defaults (0.99, 1e-3) vs the course's (0.9, 1e-5)",
    ),
    "init": Row(
        "initialization", "randn(n_l, n_prev) * scale, drawn in NumPy after the seed",
        "draw in NumPy and convert; he_normal is truncated",
        "draw in NumPy and port; HeNormal is truncated and fans come from shape[0]", False,
        0.023,
        "share of the course's He draws (500 x 500, seed 1) beyond the largest |HeNormal(seed=1)| draw (a 2-sigma truncated normal of the same std)",
    ),
    "layout": Row(
        "layout", "W (n_l, n_prev), X (n_x, m)", "the same (our choice)",
        "kernel (n_in, n_out) = W^T, bias (n,), inputs (m, n_x): dlparity.core.layout converts", True,
    ),
    "keras-jax": Row(
        "Keras on the JAX backend", "float64 throughout",
        "jax_enable_x64 on; jnp.tanh, jnp.mean stay float64",
        "KERAS_BACKEND=jax: ops.tanh, ops.mean, ops.var and BatchNormalization compute float64 in float32 (64-bit types promote to 32-bit off TF); a sigmoid's logits are lost under jit, so losses need from_logits; course-exact: jnp.tanh, sum / m, CourseBatchNormalization", False,
        2.2e-07,
        "max |keras.activations.tanh(z) - tanh(z)| / |tanh(z)| in float64 on Keras' JAX backend, z a 50 x 7 standard normal draw (seed 0); exact on TensorFlow",
    ),
    "conv-layout": Row(
        "convolution layout", "A (m, n_H, n_W, n_C) channels last, W (f, f, n_C_prev, n_C), b (1, 1, 1, n_C)",
        "lax.conv_general_dilated with dimension_numbers=(NHWC, HWIO, NHWC) named: its default is NCHW / OIHW (PyTorch's too: A.transpose(0, 3, 1, 2), W.transpose(3, 2, 0, 1))",
        "Conv2D(channels_last): kernel (f, f, n_C_prev, n_C) = W, bias (n_C,) = b.ravel(): exact", True,
        1.5,
        "||Z_trap - Z|| / ||Z||: the course's W (3, 3, 3, 3) read as OIHW by lax's default dimension numbers, A (2, 6, 6, 3) seed 1 transposed to NCHW; with W.transpose(3, 2, 0, 1) it is exact (4e-15)",
    ),
    "cross-correlation": Row(
        "convolution is cross-correlation", "Z[h, w] = sum(window * W) + b: the kernel not flipped",
        "lax.conv_general_dilated: cross-correlation, exact",
        "Conv2D: cross-correlation, exact", True,
        1.3,
        "||Z_flipped - Z|| / ||Z||: a true convolution (the kernel flipped, as scipy.signal.convolve2d) against the course's, W (3, 3, 3, 3), A (2, 6, 6, 3) seed 1",
    ),
    "same-padding": Row(
        "SAME padding", "pad zeros on each side, symmetrically",
        "padding ((pad, pad), (pad, pad)) given explicitly; \"SAME\" is TF's rule",
        "padding=\"same\" puts an odd total's extra row and column at the bottom and right: ZeroPadding2D(pad) then padding=\"valid\" is exact", True,
        1.4,
        "||Z_same - Z|| / ||Z||: n_H = n_W = 8, f 3, stride 2: the course's pad 1 and SAME give the same (4, 4) shape, but SAME pads 0 above and 1 below; A (2, 8, 8, 3), W (3, 3, 3, 4) seed 1",
    ),
    "flatten-order": Row(
        "flatten order", "each example's (n_H, n_W, n_C) block flattened row-major, channels last",
        "A.reshape(m, -1).T on NHWC: exact; from NCHW (PyTorch) the dense weights need a permutation",
        "Flatten on channels_last: exact; channels_first flattens in another order", True,
        1.3,
        "||W x_NCHW - W x_NHWC|| / ||W x_NHWC||: the same dense W (6, 60) on an NCHW flattening of (2, 3, 4, 5), seed 1; W[:, perm] with perm the NHWC index of each NCHW position is exact",
    ),
    "maxpool-ties": Row(
        "max-pool gradient at tied maxima", "mask = (window == max): dA goes to every tied maximum",
        "reduce_window's gradient: to one maximum", "MaxPooling2D's gradient: to one maximum; no option", False,
        0.71,
        "||dA_prev_TF - dA_prev_course|| / ||dA_prev_course||: max pooling f 2, stride 2 on 64 digits images (integers 0 to 16: flat regions tie), dA standard normal seed 2",
    ),
    "bias-before-batchnorm": Row(
        "a bias before batch norm", "no b_l before batch norm (C2W3): β_l takes its place",
        "no bias added to lax.conv_general_dilated: the same", "Conv2D(use_bias=True), the "
        "default the course's ResNet "
        "keeps: its gradient is 0 but for rounding, and Adam's m/(√v + ε) turns that noise into "
        "steps whose direction rounding decides", False,
        1.2,
        "||b2_JAX - b2_NumPy|| / ||b2_NumPy||: digits-resnet with biases in its identity block "
        "(IdentityBlock.use_bias), 3 epochs; the costs agree to 1e-15 and every other parameter to "
        "1e-15 relative",
    ),
    "conv-float32": Row(
        "convolution in float32", "float64",
        "float64 with jax_enable_x64; on GPUs TF32 unless precision=\"highest\"",
        "float32 by default; on GPUs TF32 unless tf.config.experimental.enable_tensor_float_32_execution(False)", False,
        2.5e-07,
        "max |Z_float32 - Z_float64| / max |Z_float64|: tf.nn.conv2d, A (8, 16, 16, 8), W (3, 3, 8, 16) seed 1 (72 products per sum), CPU",
    ),
    "lstm-gate-order": Row(
        "LSTM gate order", "four gates, each W (n_a, n_a + n_x) on [a_prev; xt]: forget f, update i, candidate c, output o",
        "the course's four matrices (our choice), lax.scan over the steps",
        "LSTM fuses them: kernel (n_x, 4 n_a), recurrent_kernel (n_a, 4 n_a), bias (4 n_a,) in the order i, f, c, o: keras_lstm_weights is exact", True,
        1.0,
        "||a_trap - a|| / ||a||: keras.layers.LSTM with the forget and update gates' blocks swapped (order f, i, c, o), x (3, 4, 6), a0 (5, 4), randn parameters seed 3",
    ),
    "concat-order": Row(
        "concatenation [a_prev; x]", "W (n_a, n_a + n_x) times [a_prev; xt]: its first n_a columns read a_prev",
        "jnp.concatenate([a_prev, xt]) as the course",
        "separate kernel (x) and recurrent_kernel (a_prev): W[:, n_a:]^T and W[:, :n_a]^T", True,
        1.7,
        "||a_trap - a|| / ||a||: lstm_forward with [xt; a_prev] against the course's W (n_a + n_x = 8 either way, so it runs), x (3, 4, 6) seed 3",
    ),
    "rnn-layout": Row(
        "recurrent layout: rows vs columns", "x (n_x, m, T_x), a_t = tanh(Waa a_(t-1) + Wax x_t + ba): columns",
        "the same (our choice)",
        "inputs (m, T_x, n_x) = x.transpose(1, 2, 0), rows: x_t W + a U, so kernel = Wax^T, recurrent_kernel = Waa^T; Waa untransposed loads silently (square)", True,
        0.95,
        "||a_trap - a|| / ||a||: rnn_forward with Waa^T for Waa (SimpleRNN given Waa as its recurrent_kernel), x (3, 4, 6), n_a 5, seed 3",
    ),
    "torch-lstm": Row(
        "PyTorch's LSTM", "four W on [a_prev; xt], one bias each, (n_x, m, T_x) batch in the middle",
        "the course's layout (our choice)",
        "not Keras: torch.nn.LSTM stacks weight_ih (4 n_a, n_x), weight_hh (4 n_a, n_a) by rows in the order i, f, g, o, adds bias_ih + bias_hh, reads (T_x, m, n_x): torch_lstm_weights puts the bias in bias_ih, zeros in bias_hh", True,
        1.2,
        "||a_trap - a|| / ||a||: PyTorch's equations in NumPy with the course's bias in both bias_ih and bias_hh (counted twice), x (3, 4, 6) seed 3; with torch_lstm_weights exact",
    ),
    "gru-reset-after": Row(
        "GRU reset_after", "c~ = tanh(Wc [Γr * c_prev; x] + bc): the reset gate before the weights",
        "the lectures' formula",
        "GRU(reset_after=True), the default, computes r * (U_h h + b_rh): reset_after=False is the lectures' GRU, exact", False,
        0.21,
        "||a_default - a|| / ||a||: keras.layers.GRU(reset_after=True) with the mapped weights and a zero recurrent bias against the lectures' GRU, x (3, 4, 6), n_a 5, seed 3",
    ),
    "gru-update-gate": Row(
        "GRU update gate", "c = Γu * c~ + (1 - Γu) * c_prev",
        "the lectures' formula",
        "GRU's h = z h_prev + (1 - z) hh: z = 1 - Γu = σ(-(Wu [a; x] + bu)), so z's weights and bias are -Wu, -bu (keras_gru_weights)", True,
        1.1,
        "||a_trap - a|| / ||a||: keras.layers.GRU(reset_after=False) given Wu, bu for z unnegated, x (3, 4, 6), n_a 5, seed 3",
    ),
    "hard-sigmoid": Row(
        "recurrent activation", "σ on the gates",
        "jax.nn.sigmoid",
        "Keras 3's default recurrent_activation is sigmoid, exact; Keras 2.0 to 2.2 defaulted to hard_sigmoid, clip(0.2 z + 0.5, 0, 1) (Keras 3's hard_sigmoid is clip(z / 6 + 0.5, 0, 1))", True,
        0.14,
        "||a_hard - a|| / ||a||: keras.layers.LSTM with old Keras' hard sigmoid, clip(0.2 z + 0.5, 0, 1), on the gates, x (3, 4, 6), n_a 5, seed 3",
    ),
    "gradient-clipping": Row(
        "gradient clipping", "np.clip(g, -maxValue, maxValue) on every gradient (C5W1's Dinosaurus Island clip)",
        "optax.clip(maxValue): exact; optax.clip_by_global_norm rescales all gradients instead",
        "clipvalue=maxValue: exact; clipnorm and global_clipnorm rescale instead", True,
        0.84,
        "||g_norm - g_course|| / ||g_course||: optax.clip_by_global_norm(10) against the course's clip at 10 on its test draw (seed 3, dWax (5, 3), dWaa (5, 5), dWya (2, 5), db (5, 1), dby (2, 1), each randn * 10)",
    ),
    "rnn-float32": Row(
        "recurrence in float32", "float64",
        "float64 with jax_enable_x64", "float32 by default", False,
        4.4e-07,
        "max |a_float32 - a_float64| / max |a_float64| over 1000 steps: jax_impl's lstm_forward, x (3, 4, 1000), n_a 5, randn parameters seed 3 (an LSTM's gates contract the error: after 100 steps 2.5e-7)",
    ),
    "hyperparameters": Row(
        "hyperparameters in float64", "float64 values", "float64 with jax_enable_x64 on",
        "Python floats cast through float32 on TF (0.9 -> 0.8999999761581421): pass np.float64",
        True,
    ),
}  # fmt: skip
