"""Garage pages."""

from portal.garage import models  # noqa: F401
