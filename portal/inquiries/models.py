"""Alerts raised by the oversight checks, and the ombudsman's own-initiative inquiries."""
