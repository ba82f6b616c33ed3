"""The demo city: its data and the loader that replays it through the workflow services.
Used by the `planwork demo` commands only."""
