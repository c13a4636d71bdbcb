"""Every use of a private Keras attribute, in one place.

Checked against Keras 3.15 (tests/test_keras_private.py fails, naming the attribute, when an
installed Keras no longer has one). The course-exact optimizers read their moment slots;
CourseModel builds itself under a tf.distribute strategy from one replica's batch.
"""

KERAS_CHECKED = "3.15"


def slot(optimizer, slots: str, variable):
    """The optimizer's slot (e.g. "_momentums", "_velocities") for one trainable variable."""
    return getattr(optimizer, slots)[optimizer._get_variable_index(variable)]


def build_from_first_replica(model, iterator, data_batch, keras_build) -> None:
    """model.fit's symbolic build under a tf.distribute strategy, from the first replica's part
    of the first batch.

    Keras' TensorFlow trainer (_maybe_symbolic_build) averages the replicas' first batches to
    get one to build from, which needs equal parts: a batch of 211 on 2 replicas (105 and 106
    examples) fails. The build only needs the batch's structure, which every part has.
    """
    strategy = model._distribute_strategy
    if strategy is None or iterator is None:
        keras_build(iterator=iterator, data_batch=data_batch)
        return
    import tensorflow as tf

    for _, _, batches in iterator:
        first = next(batches)
        break
    local = tf.nest.map_structure(lambda v: strategy.experimental_local_results(v)[0], first)
    with strategy.scope():
        model._symbolic_build(data_batch=local)
