"""Views of the appeals app: citizen.py holds the appellant's pages."""
