"""The reference: the course's networks with hand-written forward and backward propagation."""
