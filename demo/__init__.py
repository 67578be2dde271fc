"""Demo data for the portal (an app of its own, above every other): two agencies' systems, their model versions,
~3,000 decisions and one user per role.

``demo.load.demo_load()`` is what ``manage.py load_demo`` runs. See ``load`` for what goes through which service.
"""
