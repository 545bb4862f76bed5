"""Experiments with the collaboration-culture model, by concern: running/ (the Hydra job, checked
configuration, run specification, execution), inference/ (calibration and the studies around it),
analysis/ (effects, designs, sweeps), outputs/ (files, tables, figures, the report) and
interfaces/ (the notebook API, the explorer). The modules at this level are the command names."""
