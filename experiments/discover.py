"""`python -m experiments.discover`, whose code is experiments/analysis/discover.py."""

from experiments.analysis.discover import main

if __name__ == "__main__":
    main()
