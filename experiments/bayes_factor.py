"""`python -m experiments.bayes_factor`, whose code is experiments/inference/bayes_factor.py."""

from experiments.inference.bayes_factor import main

if __name__ == "__main__":
    main()
