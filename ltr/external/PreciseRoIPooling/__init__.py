"""Compatibility package: the original shipped Precise RoI Pooling as a compiled extension here."""
