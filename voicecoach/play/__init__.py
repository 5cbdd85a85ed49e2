"""Live play: one output stream, the quick start, the terminal's keys, where a session is."""
