import sys

from studio.app.launch import main

sys.exit(main())
