"""Routines: the format, reading and checking a routine file, its JSON Schema, the starter."""
