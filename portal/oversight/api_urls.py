"""Public open-data API (aggregates only): /api/v1/open-data/..."""

urlpatterns: list = []
