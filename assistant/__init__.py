"""Routing, tool calling and phrasing; no numbers of its own."""
