"""Views of the appeals app, one module per kind of user (citizen.py: the appellant's pages)."""
