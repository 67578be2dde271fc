"""Fixtures for the public register pages."""

import pytest

from explanations.models import AlgorithmicSystem

from .builders import make_entry_with_versions


@pytest.fixture
def system(db: None) -> AlgorithmicSystem:
    """A register entry with one current and one retired model version."""
    return make_entry_with_versions()
