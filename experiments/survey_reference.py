"""`python -m experiments.survey_reference`, whose code is experiments/inference/survey_reference.py."""

from experiments.inference.survey_reference import main

if __name__ == "__main__":
    main()
