"""`python -m experiments.calibrate`, whose code is experiments/inference/calibrate.py."""

from experiments.inference.calibrate import main

if __name__ == "__main__":
    main()
