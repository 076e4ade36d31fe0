"""One schemathesis run against a server's own ``/openapi.json``, as the tests run it:
every operation, the checks below, a fixed seed, a JSON report read back.

Checks left out, and why (each is a finding, not a bug of the tests):

- ``positive_data_acceptance``: OpenAPI cannot say "address *or* lat/lon", "date *or*
  at", "site *with* day"; a request that sends both is valid by the schema and rightly
  refused (400 ``invalid_parameter``) by the service.
- ``negative_data_rejection``: the service is lenient on purpose where a form sends empty
  fields: ``lang=`` and ``limit=`` mean the default, ``lang=ES`` is Spanish.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "missing_required_header",
    "ignored_auth",
    "unsupported_method",
)


@dataclass(frozen=True)
class Run:
    result: dict[str, Any]  # the JSON report
    returncode: int
    summary: str  # the end of what it printed, for an assertion's message

    @property
    def generated(self) -> int:
        return int(self.result["test_cases"]["generated"])


def run_schemathesis(
    url: str, token: str, work: Path, *, max_examples: int, timeout: float = 600
) -> Run:
    """``st run`` on ``url``'s schema with the staff token, from ``work`` (nothing of the
    run lands in the repository)."""
    st = shutil.which("st", path=str(Path(sys.executable).parent))
    assert st, "schemathesis is missing: scripts/setup.sh --test installs it"
    report = work / "report.json"
    cmd = [
        st,
        "run",
        f"{url}/openapi.json",
        *("--checks", ",".join(CHECKS)),
        *("--max-examples", str(max_examples), "--seed", "20281107", "--workers", "2"),
        *("--header", f"Authorization: Bearer {token}"),
        "--continue-on-failure",
        *("--generation-database", "none", "--no-color"),
        *("--report", "json", "--report-json-path", str(report)),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=work)
    summary = done.stdout[-6000:] + done.stderr[-2000:]
    return Run(json.loads(report.read_text()), done.returncode, summary)


def assert_clean(run: Run, min_cases: int) -> None:
    """Every operation tested, none errored, enough cases, no failure."""
    result, summary = run.result, run.summary
    print(f"schemathesis: {run.generated} cases over {result['operations']['tested']} operations")
    assert result["operations"]["tested"] == result["operations"]["total"], summary
    assert result["operations"]["errored"] == 0 and not result["errors"], summary
    assert run.generated >= min_cases, summary
    assert result["failures"] == [], summary
    assert run.returncode == 0, summary
