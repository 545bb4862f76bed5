"""`python -m experiments.content_influence`, whose code is experiments/inference/content_influence.py."""

from experiments.inference.content_influence import main

if __name__ == "__main__":
    main()
