"""Sound: the voice engine and its cache, the chimes, mixing a session, export."""
