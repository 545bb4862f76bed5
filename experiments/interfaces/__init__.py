"""Interfaces for people: the notebook API, the interactive explorer and the glossary of plain settings."""
