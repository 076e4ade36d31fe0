"""Changes on the day as the service keeps them: stored beside the published data
(``store``), checked against the live dataset before they are kept (``check``), polled by
every worker (``holder``); ``post`` is what the staff API and ``lookup change`` share."""
