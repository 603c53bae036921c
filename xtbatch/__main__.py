import sys

from xtbatch.cli import main

sys.exit(main())
