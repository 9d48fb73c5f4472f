"""``python -m ratingnet.cli``: the same as the ``ratingnet`` command."""

from . import main

raise SystemExit(main())
