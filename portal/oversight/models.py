"""Rollups behind the ombudsman's statistics (maintained incrementally or refreshed by Celery)."""
