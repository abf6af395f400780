"""The project's policy pack: rules every declared resource keeps, run by `pulumi preview
--policy-pack policy` (``__main__.py``) and by the unit tests (tests/unit/test_policy*.py)."""
