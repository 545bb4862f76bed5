"""`python -m experiments.recovery`, whose code is experiments/inference/recovery.py."""

from experiments.inference.recovery import main

if __name__ == "__main__":
    main()
