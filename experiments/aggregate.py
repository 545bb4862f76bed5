"""`python -m experiments.aggregate`, whose code is experiments/analysis/aggregate.py."""

from experiments.analysis.aggregate import main

if __name__ == "__main__":
    main()
