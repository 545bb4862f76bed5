"""Data shipped with the package: the built-in scenarios (the Hydra `scenario` group)."""
