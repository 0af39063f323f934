"""Placeholder: being written (issue 4)."""

class NewtonResult: ...
def newton_raphson(*a, **k): raise NotImplementedError
def newton_damped(*a, **k): raise NotImplementedError
def newton_regularized(*a, **k): raise NotImplementedError
def classify_critical_point(*a, **k): raise NotImplementedError
def condition_number(*a, **k): raise NotImplementedError
