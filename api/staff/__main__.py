"""``python -m api.staff create-admin NAME``: the accounts CLI (api/staff/cli.py)."""

import sys

from api.staff.cli import main

sys.exit(main())
