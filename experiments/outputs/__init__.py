"""Outputs: files written atomically with provenance, the job's tables, figures and the HTML report."""
