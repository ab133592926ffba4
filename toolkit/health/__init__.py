"""Health checks after a deploy: HTTP(S) and SQL, with Argo Rollouts analysis-run semantics.

    from toolkit.health import Policy, http_check, run_health_checks
    result = run_health_checks([http_check("https://app/healthz")], Policy(deadline_s=60))
    result.ok, result.reason, result.checks[0].measurements
"""

from toolkit.health.policy import (
    ERROR,
    FAILED,
    SUCCESSFUL,
    Measurement,
    Policy,
    Verdict,
    decide,
    parse_status_codes,
    verdict,
)
from toolkit.health.probes import HttpCheck, Outcome, SqlCheck
from toolkit.health.runner import CheckResult, HealthResult, http_check, run_health_checks

__all__ = [
    "ERROR", "FAILED", "SUCCESSFUL", "CheckResult", "HealthResult", "HttpCheck", "Measurement", "Outcome",
    "Policy", "SqlCheck", "Verdict", "decide", "http_check", "parse_status_codes", "run_health_checks",
    "verdict",
]
