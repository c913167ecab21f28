"""``python -m channels.cli``."""

from channels.cli import main

main()
