"""Analysis of runs and sweeps: effects with intervals, sensitivity designs, aggregation, scenario discovery, replicate counts and the regression harness."""
