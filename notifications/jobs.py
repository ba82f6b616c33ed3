"""The scheduled jobs and the `planwork scheduler run` process that runs them.

Jobs are module-level functions with fixed ids so APScheduler can name them, each runs
inside an app context and under a database lease: a second scheduler process started by
mistake finds the lease taken and does nothing. Tests call the job functions directly.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from notifications import locks, webhook_sender
from notifications.gaps import report_gap
from notifications.planner import PlanResult, plan_for_day
from notifications.policy import Policy, current_policy
from notifications.sender import SendResult, send_pending
from notifications.webhook_sender import WebhookResult
from workflow import clock

log = logging.getLogger(__name__)

PLAN_JOB_ID = "reminders.plan"
SEND_JOB_ID = "outbox.send"
SECURITY_JOB_ID = "security.login_log"
PLAN_LEASE_SECONDS = 1800
SEND_LEASE_SECONDS = 600
SECURITY_LEASE_SECONDS = 600
WEBHOOK_JOB_ID = "webhooks.send"
WEBHOOK_LEASE_SECONDS = 600

_app: Flask | None = None


def run_planning(today: date | None = None, policy: Policy | None = None) -> list[PlanResult]:
    """Plan today's reminders, with those of the days a stopped scheduler missed.

    The missed days within `catch_up_days` are planned with today and rendered as of today;
    older ones are not sent late (their counts would be wrong and they would flood people):
    the gap is logged and summarised to the administrators in one mail."""
    policy = policy or current_policy()
    today = today or clock.today()
    with locks.lease(PLAN_JOB_ID, PLAN_LEASE_SECONDS) as mine:
        if not mine:
            log.info("planning skipped: another scheduler holds the lease")
            return []
        last = locks.planned_through()
        missed = []
        if last is not None and last < today - timedelta(days=1):
            missed = [last + timedelta(days=k) for k in range(1, (today - last).days)]
        kept = missed[max(len(missed) - policy.catch_up_days, 0) :] if policy.catch_up_days else []
        skipped = missed[: len(missed) - len(kept)]
        if skipped:
            log.warning(
                "reminders of %s to %s not planned: %d days missed, beyond catch_up_days=%d",
                skipped[0],
                skipped[-1],
                len(skipped),
                policy.catch_up_days,
            )
            report_gap(skipped, today, policy)
        result = plan_for_day(today, policy, missed=kept)
        locks.set_planned_through(today)
        log.info(
            "reminders run day=%s planned=%d new=%d caught_up=%s skipped=%d",
            today,
            len(result.mails),
            result.inserted,
            ",".join(d.isoformat() for d in kept) or "-",
            len(skipped),
        )
        return [result]


def run_sending(policy: Policy | None = None) -> SendResult | None:
    """Deliver what is due; None if another sender holds the lease."""
    policy = policy or current_policy()
    with locks.lease(SEND_JOB_ID, SEND_LEASE_SECONDS) as mine:
        if not mine:
            log.info("sending skipped: another scheduler holds the lease")
            return None
        result = send_pending(policy)
        if result.claimed:
            log.info(
                "outbox run day=%s sent=%d merged=%d dropped=%d postponed=%d retrying=%d failed=%d",
                clock.today(),
                result.sent,
                result.merged,
                result.obsolete,
                result.postponed,
                result.retrying,
                result.failed,
            )
        return result


def run_webhooks() -> WebhookResult | None:
    """Post the webhook events that are due; None if another scheduler holds the lease.
    (The rows' own claims already keep two senders apart; the lease saves the work.)"""
    with locks.lease(WEBHOOK_JOB_ID, WEBHOOK_LEASE_SECONDS) as mine:
        if not mine:
            log.info("webhooks skipped: another scheduler holds the lease")
            return None
        result = webhook_sender.send_pending()
        if result.claimed:
            log.info(
                "webhooks run delivered=%d retrying=%d failed=%d",
                result.delivered,
                result.retrying,
                result.failed,
            )
        return result


def run_security_log_housekeeping() -> tuple[bool, int] | None:
    """Count the login failures since the last summary into the audit trail, then delete
    security-log rows past their retention. Returns (summary written, rows deleted), or
    None if another scheduler holds the lease."""
    from workflow import login_security

    with locks.lease(SECURITY_JOB_ID, SECURITY_LEASE_SECONDS) as mine:
        if not mine:
            log.info("security log housekeeping skipped: another scheduler holds the lease")
            return None
        # Summarise first, so no row is deleted before it was counted.
        summary = login_security.summarize_login_failures()
        return summary is not None, login_security.prune_security_log()


def _the_app() -> Flask:
    # The app comes from the command that started the scheduler (run_scheduler): importing
    # the web factory here would point notifications back up at web/.
    if _app is None:
        raise RuntimeError("the scheduler's jobs run only under `planwork scheduler run`")
    return _app


def plan_job() -> None:
    """Scheduled daily: plan reminders into the outbox."""
    with _the_app().app_context():
        run_planning()  # logs its own run


def send_job() -> None:
    """Scheduled every minute: drain the outbox."""
    with _the_app().app_context():
        run_sending()  # logs its own run


def webhook_job() -> None:
    """Scheduled every minute: post due webhook events."""
    with _the_app().app_context():
        run_webhooks()  # logs its own run


def security_job() -> None:
    """Scheduled hourly: summarise failed logins into the trail, prune the security log."""
    with _the_app().app_context():
        result = run_security_log_housekeeping()
        if result:
            log.info("security log: summary written %s, %d old rows deleted", *result)


def anchor_job() -> None:
    """Scheduled hourly: queue today's chain-head mail to the inspectorate; its outbox key
    holds it to one a day per address (notifications/anchor_mail.py)."""
    from notifications.anchor_mail import queue_anchor_mail

    with _the_app().app_context():
        if queue_anchor_mail():
            log.info("audit anchor mail queued")


def build_scheduler(policy: Policy) -> BlockingScheduler:
    """The blocking scheduler with both jobs, cron triggers in the policy's timezone."""
    tz = ZoneInfo(policy.timezone)
    # One run at a time, missed runs collapse into one: a late plan is still the same plan.
    options = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
    scheduler = BlockingScheduler(timezone=tz, job_defaults=options)
    scheduler.add_job(
        plan_job,
        CronTrigger(hour=policy.plan_hour, minute=policy.plan_minute, timezone=tz),
        id=PLAN_JOB_ID,
        name="Lập lịch nhắc việc",
        replace_existing=True,
        **options,
    )
    scheduler.add_job(
        send_job,
        CronTrigger(minute=f"*/{policy.send_every_minutes}", timezone=tz),
        id=SEND_JOB_ID,
        name="Gửi thư trong hộp thư đi",
        replace_existing=True,
        **options,
    )
    scheduler.add_job(
        webhook_job,
        CronTrigger(minute="*", timezone=tz),
        id=WEBHOOK_JOB_ID,
        name="Gửi sự kiện đến các webhook",
        replace_existing=True,
        **options,
    )
    scheduler.add_job(
        security_job,
        CronTrigger(minute=7, timezone=tz),
        id=SECURITY_JOB_ID,
        name="Tổng hợp và dọn nhật ký đăng nhập sai",
        replace_existing=True,
        **options,
    )
    scheduler.add_job(
        anchor_job,
        CronTrigger(minute=17, timezone=tz),
        id="audit.anchor_mail",
        name="Gửi mốc đầu chuỗi nhật ký cho thanh tra",
        replace_existing=True,
        **options,
    )
    return scheduler


def run_scheduler(app: Flask) -> None:
    """Run the scheduler in this process until interrupted (the `scheduler run` command,
    which hands over its app)."""
    global _app
    _app = app
    if not logging.getLogger().handlers:  # show each run's figures on the console
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    scheduler = build_scheduler(current_policy())
    # Catch up at start: a scheduler that was down over night plans and sends at once.
    plan_job()
    send_job()
    webhook_job()
    scheduler.start()
