"""`python -m experiments.cohort`, the cohort search (Hydra), whose code is experiments/running/cohort_job.py
and experiments/analysis/cohort.py."""

from experiments.running.cohort_job import main

if __name__ == "__main__":
    main()
