#!/usr/bin/env python
import sys

if __name__ == "__main__":
    from parcelops.cli import checks_at_start, run_django_command

    # The same checks as `parcelops COMMAND`: keys present, and the key canary for the
    # commands that touch customer data.
    checks_at_start(sys.argv[1] if len(sys.argv) > 1 else "help", sys.argv[2:])
    run_django_command(sys.argv)
