"""`python -m experiments.structural`, whose code is experiments/inference/structural.py."""

from experiments.inference.structural import main

if __name__ == "__main__":
    main()
