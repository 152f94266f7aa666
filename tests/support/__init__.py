"""Builders and fakes shared by the tests (import as ``support.<name>``)."""
