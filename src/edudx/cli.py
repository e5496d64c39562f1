"""The `edudx` command: Django's management commands under the platform's name
(`edudx migrate`, `edudx demo`, `edudx audit verify`, `edudx serve`)."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edudx.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    execute_from_command_line(["edudx", *argv[1:]])


if __name__ == "__main__":
    main()
