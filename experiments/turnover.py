"""`python -m experiments.turnover`, whose code is experiments/analysis/turnover.py."""

from experiments.analysis.turnover import main

if __name__ == "__main__":
    main()
