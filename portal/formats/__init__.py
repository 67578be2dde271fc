"""Locale formats Django does not ship (kk) or that we set differently (en). See FORMAT_MODULE_PATH."""
