"""Alerts and own-initiative inquiries: /<language>/oversight/alerts/..., /<language>/oversight/inquiries/..."""

app_name = "inquiries"

urlpatterns: list = []
