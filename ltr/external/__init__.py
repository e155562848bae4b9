"""Third-party code locations of the original layout; kept as import paths only."""
