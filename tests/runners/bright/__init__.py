"""Tests of the BRIGHT runner (runners/bright)."""
