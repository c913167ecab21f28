"""Labelled retrieval questions; a package only so the .jsonl files ship in wheels."""
