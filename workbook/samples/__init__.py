"""Illustrative sample plans built from real district results, and the bundled state files."""
