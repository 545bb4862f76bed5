"""`python -m experiments.report`, whose code is experiments/outputs/report.py."""

from experiments.outputs.report import main

if __name__ == "__main__":
    main()
