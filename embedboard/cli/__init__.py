"""The `embedboard` command line: `main.py` builds the parser; each verb's options and action live in a module of their own."""
