"""Inference: calibration (ABC-SMC), parameter recovery, the survey instrument's reference, your own survey, the structural study and the content-influence curve."""
