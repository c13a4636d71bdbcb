"""Diagnose a port: which known difference from the course does the user's own code have?

optimizer(init, update, kind, **hyperparameters) -> OptimizerDiagnosis
model(forward, reference_spec, params, *, gradients=None) -> ModelDiagnosis

Both compare in float64 with the parity suite's tolerance and accept arrays from NumPy, JAX,
TensorFlow or PyTorch. Frameworks are never imported here: the user's functions bring their own.
"""

from dlparity.diagnose.common import ATOL, RTOL, Finding
from dlparity.diagnose.models import ModelDiagnosis, model
from dlparity.diagnose.optimizers import KINDS, OptimizerDiagnosis, optimizer

__all__ = [
    "ATOL",
    "KINDS",
    "RTOL",
    "Finding",
    "ModelDiagnosis",
    "OptimizerDiagnosis",
    "model",
    "optimizer",
]
