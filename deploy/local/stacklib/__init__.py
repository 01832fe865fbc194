"""The local stack, by concern: stack.py is its command line."""
