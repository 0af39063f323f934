"""Placeholder: being written (issue 5)."""

class GLMResult: ...
def irls(*a, **k): raise NotImplementedError
def logistic_irls(*a, **k): raise NotImplementedError
