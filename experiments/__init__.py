"""Hydra entry points and analysis for the collaboration-culture model."""
