import sys

from xtbatch.cli.main import main

sys.exit(main())
