"""`python -m experiments.regress`, whose code is experiments/analysis/regress.py."""

from experiments.analysis.regress import main

if __name__ == "__main__":
    main()
