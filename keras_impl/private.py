"""Every use of a private Keras attribute, in one place.

Checked against Keras 3.15 (tests/test_keras_private.py fails, naming the attribute, when an
installed Keras no longer has one). The course-exact optimizers read their moment slots.
"""

KERAS_CHECKED = "3.15"


def slot(optimizer, slots: str, variable):
    """The optimizer's slot (e.g. "_momentums", "_velocities") for one trainable variable."""
    return getattr(optimizer, slots)[optimizer._get_variable_index(variable)]
