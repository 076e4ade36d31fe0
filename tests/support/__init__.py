"""What the tests share that is not a fixture: paths, servers, builders, fake remote services,
the checks several modules make and the browser's helpers."""

import pytest

# Their checks fail with pytest's explanation, as a test module's do (before they import).
pytest.register_assert_rewrite("support.asserts", "support.browser")
