"""Last of the API (included at api/ after every API route): any other address under /api/ answers the API's
JSON 404, never a page."""

from django.urls import re_path

from . import errors

urlpatterns = [re_path(r"", errors.api_not_found)]
