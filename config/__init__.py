"""Settings and policies that change without code."""
