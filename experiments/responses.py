"""`python -m experiments.responses`, whose code is experiments/inference/responses.py."""

from experiments.inference.responses import main

if __name__ == "__main__":
    main()
