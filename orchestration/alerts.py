"""Alerts: somebody is told when a run fails, a file is refused or a source is late.

Three sensors, run by the daemon (`make serve`):

- `run_failure_alert`: a run of the code location failed; the message names the job, the run,
  the failed step and its error, any file the landing gate refused in that run with its rule,
  and links to the run in the UI.
- `refused_file_alert`: a run succeeded but the gate refused a file (the source kept its last
  good tables, so nothing failed); the message names each file, the place and the rule.
- `stale_source_alert`: a source's expected release is past its delivery day and not in its
  landing folder; one message per source and release, not one per tick.

Each message goes to the webhook in `SCP_ALERT_WEBHOOK_URL` (a Teams workflow, a Slack app, or
any receiver of plain JSON: `SCP_ALERT_WEBHOOK_FORMAT` = teams, slack or json, guessed from the
address when unset) and, when `SCP_ALERT_SMTP_HOST` is set, by email (`SCP_ALERT_SMTP_PORT`,
`_FROM`, `_TO` comma-separated, `_USER`, `_PASSWORD`, `_STARTTLS=1`). With neither set the
sensors only log. The run's link starts with `SCP_DAGSTER_URL` (the served webserver's address).
"""

from __future__ import annotations

import json
import os
import smtplib
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from urllib.parse import urlparse

import dagster as dg
from dagster._core.definitions.asset_checks.asset_check_evaluation import AssetCheckEvaluation
from dagster._core.events import StepFailureData

from orchestration.landing.source import Source
from orchestration.lib.config import Settings
from orchestration.lib.resources import PipelineSettings

WEBHOOK_ENV = "SCP_ALERT_WEBHOOK_URL"
WEBHOOK_FORMAT_ENV = "SCP_ALERT_WEBHOOK_FORMAT"
SMTP_PREFIX = "SCP_ALERT_SMTP_"
DAGSTER_URL_ENV = "SCP_DAGSTER_URL"
DEFAULT_DAGSTER_URL = "http://127.0.0.1:3000"
FORMATS = ("teams", "slack", "json")
TIMEOUT_SECONDS = 10


class AlertError(RuntimeError):
    """A receiver could not be reached or refused the message."""


@dataclass(frozen=True)
class Alert:
    """One short message: a title, a few facts, the refusals, a link."""

    title: str
    facts: tuple[tuple[str, str], ...] = ()
    refusals: tuple[str, ...] = ()
    link: str = ""
    kind: str = "run_failure"
    details: Mapping[str, str] = field(default_factory=dict)

    def text(self) -> str:
        """Plain text: the email's body and the Slack fallback."""
        lines = [self.title, *(f"{name}: {value}" for name, value in self.facts)]
        lines += [f"Refused: {refusal}" for refusal in self.refusals]
        if self.link:
            lines.append(self.link)
        return "\n".join(lines)


def webhook_format(url: str, environ: Mapping[str, str] | None = None) -> str:
    """teams, slack or json: `SCP_ALERT_WEBHOOK_FORMAT`, else guessed from the host."""
    chosen = (environ if environ is not None else os.environ).get(WEBHOOK_FORMAT_ENV, "").lower()
    if chosen:
        if chosen not in FORMATS:
            raise AlertError(f"{WEBHOOK_FORMAT_ENV}={chosen!r}: expected one of {FORMATS}")
        return chosen
    host = urlparse(url).hostname or ""
    if host.endswith("slack.com"):
        return "slack"
    if "office.com" in host or "logic.azure.com" in host or "powerplatform" in host:
        return "teams"
    return "json"


def webhook_payload(alert: Alert, fmt: str) -> dict[str, object]:
    """The body a receiver of the format expects."""
    if fmt == "slack":
        lines = [f"*{alert.title}*", *(f"*{name}:* {value}" for name, value in alert.facts)]
        lines += [f"*Refused:* {refusal}" for refusal in alert.refusals]
        if alert.link:
            lines.append(f"<{alert.link}|Open the run in Dagster>")
        return {
            "text": alert.text(),
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}],
        }
    if fmt == "teams":
        facts = [{"title": name, "value": value} for name, value in alert.facts]
        facts += [{"title": "Refused", "value": refusal} for refusal in alert.refusals]
        card: dict[str, object] = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": [
                {"type": "TextBlock", "text": alert.title, "weight": "Bolder", "wrap": True},
                {"type": "FactSet", "facts": facts},
            ],
        }
        if alert.link:
            card["actions"] = [
                {"type": "Action.OpenUrl", "title": "Open the run", "url": alert.link}
            ]
        return {
            "type": "message",
            "attachments": [
                {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
            ],
        }
    return {
        "kind": alert.kind,
        "title": alert.title,
        "text": alert.text(),
        **{name.lower().replace(" ", "_"): value for name, value in alert.facts},
        "refused": list(alert.refusals),
        "url": alert.link,
        **alert.details,
    }


def post_webhook(alert: Alert, url: str, fmt: str) -> None:
    body = json.dumps(webhook_payload(alert, fmt)).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            response.read()
    except OSError as exc:
        raise AlertError(
            f"the webhook at {urlparse(url).hostname} refused the alert: {exc}"
        ) from exc


def send_email(alert: Alert, environ: Mapping[str, str]) -> None:
    host = environ[f"{SMTP_PREFIX}HOST"]
    recipients = [a.strip() for a in environ.get(f"{SMTP_PREFIX}TO", "").split(",") if a.strip()]
    if not recipients:
        raise AlertError(f"{SMTP_PREFIX}HOST is set but {SMTP_PREFIX}TO names nobody")
    message = EmailMessage()
    message["Subject"] = alert.title
    message["From"] = environ.get(f"{SMTP_PREFIX}FROM") or "scp-pipeline@localhost"
    message["To"] = ", ".join(recipients)
    message.set_content(alert.text())
    try:
        with smtplib.SMTP(
            host, int(environ.get(f"{SMTP_PREFIX}PORT") or 25), timeout=TIMEOUT_SECONDS
        ) as smtp:
            if environ.get(f"{SMTP_PREFIX}STARTTLS") == "1":
                smtp.starttls()
            if environ.get(f"{SMTP_PREFIX}USER"):
                smtp.login(environ[f"{SMTP_PREFIX}USER"], environ.get(f"{SMTP_PREFIX}PASSWORD", ""))
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise AlertError(f"the mail server {host} refused the alert: {exc}") from exc


def send(alert: Alert, environ: Mapping[str, str] | None = None) -> list[str]:
    """Sends the alert to every configured receiver; returns where it went.

    Raises:
        AlertError: a receiver failed (the others were still tried).
    """
    env = environ if environ is not None else os.environ
    sent, failures = [], []
    if url := env.get(WEBHOOK_ENV, "").strip():
        try:
            fmt = webhook_format(url, env)
            post_webhook(alert, url, fmt)
            sent.append(f"webhook ({fmt})")
        except AlertError as exc:
            failures.append(str(exc))
    if env.get(f"{SMTP_PREFIX}HOST", "").strip():
        try:
            send_email(alert, env)
            sent.append("email")
        except AlertError as exc:
            failures.append(str(exc))
    if failures:
        raise AlertError("; ".join(failures))
    return sent


def run_link(run_id: str, environ: Mapping[str, str] | None = None) -> str:
    base = (environ if environ is not None else os.environ).get(DAGSTER_URL_ENV) or ""
    return f"{(base or DEFAULT_DAGSTER_URL).rstrip('/')}/runs/{run_id}"


def run_refusals(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """The gate's refusals in a run: each failed error-severity check's 'file: where: rule'."""
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=1000
    ).records
    refusals: list[str] = []
    for record in records:
        event = record.event_log_entry.dagster_event
        evaluation = event.event_specific_data if event else None
        if not isinstance(evaluation, AssetCheckEvaluation) or evaluation.passed:
            continue
        if evaluation.severity != dg.AssetCheckSeverity.ERROR or not evaluation.description:
            continue
        # One line per check: its description names each refused file, the place and the rule.
        refusals.append(f"{evaluation.asset_key.path[-1]}: {evaluation.description.strip()}")
    return list(dict.fromkeys(refusals))


def run_alert(
    *,
    job: str,
    run_id: str,
    failed_steps: Sequence[tuple[str, str]] = (),
    refusals: Iterable[str] = (),
    environ: Mapping[str, str] | None = None,
) -> Alert:
    """The message for a failed run (with `failed_steps`) or a run that refused files."""
    refusals = tuple(refusals)
    facts = [("Job", job), ("Run", run_id)]
    for step, error in failed_steps:
        facts.append(("Failed step", f"{step}: {error}" if error else step))
    if failed_steps:
        title = f"Run of {job} failed"
        kind = "run_failure"
    else:
        title = f"Run of {job}: {len(refusals)} file{'s' * (len(refusals) != 1)} refused"
        kind = "refused_file"
    return Alert(
        title=title,
        facts=tuple(facts),
        refusals=refusals,
        link=run_link(run_id, environ),
        kind=kind,
    )


def _first_line(text: str, limit: int = 300) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


@dg.run_failure_sensor(
    name="run_failure_alert",
    minimum_interval_seconds=10,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Posts a short message when a run fails (job, run, failed step, refused files, a link) "
        "to SCP_ALERT_WEBHOOK_URL and, when set, by email (SCP_ALERT_SMTP_*)."
    ),
)
def run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    steps = []
    for event in context.get_step_failure_events():
        data = event.event_specific_data
        error = data.error if isinstance(data, StepFailureData) else None
        steps.append((event.step_key or "", _first_line(error.message) if error else ""))
    if not steps:
        steps = [("(the run)", _first_line(context.failure_event.message or ""))]
    alert = run_alert(
        job=run.job_name,
        run_id=run.run_id,
        failed_steps=steps,
        refusals=run_refusals(context.instance, run.run_id),
    )
    _deliver(context, alert)


@dg.run_status_sensor(
    name="refused_file_alert",
    run_status=dg.DagsterRunStatus.SUCCESS,
    minimum_interval_seconds=10,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Posts a short message when a run succeeded but the landing gate refused a file (the "
        "source kept its last good tables): each file, the place and the rule."
    ),
)
def refused_file_alert(context: dg.RunStatusSensorContext) -> None:
    run = context.dagster_run
    refusals = run_refusals(context.instance, run.run_id)
    if refusals:
        _deliver(context, run_alert(job=run.job_name, run_id=run.run_id, refusals=refusals))


def _deliver(context: object, alert: Alert) -> bool:
    """Sends the alert; False (logged with the message) when a receiver failed."""
    log = context.log  # type: ignore[attr-defined]
    try:
        sent = send(alert)
    except AlertError as exc:
        log.warning(f"alert not delivered: {exc}\n{alert.text()}")
        return False
    log.info(f"alert sent to {', '.join(sent) or 'nobody (no receiver set)'}: {alert.title}")
    return True


# ---------------------------------------------------------------------------------------------
# A source past its delivery day: once per release
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaleSource:
    key: str
    title: str
    expected: str  # the release's label
    problem: str  # what is late, since when, what is there


def stale_alerts(
    stale: Sequence[StaleSource], alerted: Mapping[str, str]
) -> tuple[list[Alert], dict[str, str]]:
    """The alerts to send now and the new record (source -> the release last alerted).

    A source alerts once for each release it is late with; a source no longer late leaves the
    record, so a later release alerts again.
    """
    record = {s.key: alerted[s.key] for s in stale if s.key in alerted}
    alerts = []
    for source in stale:
        if record.get(source.key) == source.expected:
            continue
        record[source.key] = source.expected
        alerts.append(
            Alert(
                title=f"{source.title}: release {source.expected} is late",
                facts=(("Source", source.key), ("Late", source.problem)),
                kind="stale_source",
                details={"source": source.key, "release": source.expected},
            )
        )
    return alerts, record


def stale_sources(settings: Settings, sources: Sequence[Source], today: date) -> list[StaleSource]:
    """The sources in use whose expected release is past its delivery day and not landed."""
    from orchestration.jobs import latest_landed_period
    from orchestration.landing.freshness import expected_period, freshness_problem, period_label

    late = []
    for source in sources:
        if not settings.uses(source.key):
            continue
        day = (
            settings.delivery_day
            if settings.delivery_day and source.grain.value == "month"
            else source.delivery_day
        )
        latest = latest_landed_period(settings, source)
        problem = freshness_problem(source.grain, latest, today, day)
        if problem:
            expected = period_label(source.grain, expected_period(source.grain, today, day))
            late.append(StaleSource(source.key, source.title, expected, problem))
    return late


def build_stale_source_alert(sources: Sequence[Source]) -> dg.SensorDefinition:
    """The sensor that alerts once per late release of each source in use (hourly)."""

    @dg.sensor(
        name="stale_source_alert",
        minimum_interval_seconds=3600,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "Hourly: a source whose expected release is past its delivery day and not in its "
            "landing folder posts one alert per release (webhook, email), not one per tick."
        ),
    )
    def stale_source_alert(
        context: dg.SensorEvaluationContext, pipeline: PipelineSettings
    ) -> dg.SkipReason:
        alerted = json.loads(context.cursor) if context.cursor else {}
        late = stale_sources(pipeline.settings, sources, date.today())
        alerts, record = stale_alerts(late, alerted)
        for alert in alerts:
            if not _deliver(context, alert):
                # Not delivered: tried again at the next tick.
                key = alert.details["source"]
                if key in alerted:
                    record[key] = alerted[key]
                else:
                    record.pop(key, None)
        context.update_cursor(json.dumps(record, sort_keys=True))
        if not late:
            return dg.SkipReason("every source in use has its expected release")
        return dg.SkipReason(
            f"late: {', '.join(f'{s.key} ({s.expected})' for s in late)}; "
            f"{len(alerts)} alert(s) sent this tick"
        )

    return stale_source_alert
