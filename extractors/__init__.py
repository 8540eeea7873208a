"""Extractors: numerals, thresholds, ratios, deadlines and sanctions from normalized text."""
