"""Shared pieces of the agency API that the kernel needs too (the API itself lives in explanations/api)."""

# Where the API's addresses begin: its own language rule, error shape and token rule apply under it.
API_PREFIX = "/api/"
