""" "This looks wrong": reports on an answer from the front line (the 311 console and,
rate-limited, the widget), kept for staff review and re-checked by every refresh.

- ``model``: a report, its reasons and statuses, and the answer it was given (``Answered``);
- ``validate``: a filed report's fields checked, in the service's one error shape;
- ``recheck``: a report's address or point answered against a dataset (local data only);
- ``store``: the reports in SQL (their own database, apart from the insight counters),
  with the deletion of closed reports after the retention period.

A report holds an address or a point (what re-checking it needs), so it is staff data:
never counted in the insight tables, never written to a log. Importing this package
reads nothing and starts nothing (SQLAlchemy loads when a store is first used).
"""

from __future__ import annotations
