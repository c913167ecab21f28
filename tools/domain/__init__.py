"""Pure domain models: no I/O, no clock, no settings. "today" always comes in as an argument."""
