"""Imports: owners and cars from the dealer-management system, previewed then applied."""
