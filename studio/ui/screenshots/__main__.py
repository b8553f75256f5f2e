import sys

from studio.ui.screenshots.run import main

sys.exit(main())
