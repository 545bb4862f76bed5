"""`python -m experiments.validate`, whose code is experiments/analysis/validate.py."""

from experiments.analysis.validate import main

if __name__ == "__main__":
    main()
