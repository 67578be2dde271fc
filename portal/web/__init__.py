"""Server-rendered web layer shared by every app: template tags, display vocabulary, catalog overrides."""
