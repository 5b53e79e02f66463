"""The declared sources (defs/ingest/sources.yml), read once for the ingest step and the checks."""

from dagster_project.defs.ingest.registry import load_registry

SOURCES = load_registry()
