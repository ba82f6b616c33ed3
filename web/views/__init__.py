"""Blueprints, one per feature."""
