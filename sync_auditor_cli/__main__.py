"""`python -m sync_auditor_cli`, the same as the `sync-auditor` console script."""

import sys

from sync_auditor_cli.main import main

sys.exit(main())
