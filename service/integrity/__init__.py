"""Checking the log against its seals: `/api/v1/audit/verify`."""
