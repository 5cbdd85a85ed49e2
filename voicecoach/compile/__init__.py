"""From a routine to a cue script: the timing, the phrases, one session's changes."""
