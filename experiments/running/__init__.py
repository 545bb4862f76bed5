"""Running a job: the checked configuration, the preflight, replicates and pairs, workers, job bookkeeping, the Hydra job and its callback."""
