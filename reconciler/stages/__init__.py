"""The rating pipeline after ingest: aggregate, rate, reconcile, attribute, allocate, what-if."""
