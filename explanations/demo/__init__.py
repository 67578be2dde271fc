"""Demo data for the portal: two agencies' systems, four model versions, ~3,000 decisions and one user per role.

``demo_load()`` is what ``manage.py load_demo`` runs. See ``load`` for what goes through which service.
"""

from .load import USERS, DemoReport, DemoStateError, SignIn, demo_counts, demo_load, sign_ins
from .versions import decision_threshold

__all__ = [
    "USERS",
    "DemoReport",
    "DemoStateError",
    "SignIn",
    "decision_threshold",
    "demo_counts",
    "demo_load",
    "sign_ins",
]
