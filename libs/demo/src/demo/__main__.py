import sys

from demo.seed import main

sys.exit(main())
