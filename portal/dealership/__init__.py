"""Dealership settings: values an admin edits, with defaults each domain declares."""
