"""`python -m jointsup` runs the command line."""

from jointsup.cli import main

main()
