"""The demo month and `reconciler demo`."""
