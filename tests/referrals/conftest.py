"""Referral test constants."""

#: A real VIN with a valid check digit.
VALID_VIN = "1HGCM82633A004352"
