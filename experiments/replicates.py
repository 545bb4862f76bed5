"""`python -m experiments.replicates`, whose code is experiments/analysis/replicates.py."""

from experiments.analysis.replicates import main

if __name__ == "__main__":
    main()
