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

from notifications import locks
from notifications.planner import PlanResult, plan_for_day
from notifications.policy import Policy, current_policy
from notifications.sender import SendResult, send_pending
from workflow import clock

log = logging.getLogger(__name__)

PLAN_JOB_ID = "reminders.plan"
SEND_JOB_ID = "outbox.send"
SECURITY_JOB_ID = "security.login_log"
PLAN_LEASE_SECONDS = 1800
SEND_LEASE_SECONDS = 600
SECURITY_LEASE_SECONDS = 600

_app: Flask | None = None


def run_planning(today: date | None = None, policy: Policy | None = None) -> list[PlanResult]:
    """Plan today's reminders and those of the last few days a stopped scheduler missed."""
    policy = policy or current_policy()
    today = today or clock.today()
    with locks.lease(PLAN_JOB_ID, PLAN_LEASE_SECONDS) as mine:
        if not mine:
            log.info("planning skipped: another scheduler holds the lease")
            return []
        days = [today - timedelta(days=k) for k in range(policy.catch_up_days, -1, -1)]
        return [plan_for_day(day, policy) for day in days]


def run_sending(policy: Policy | None = None) -> SendResult | None:
    """Deliver what is due; None if another sender holds the lease."""
    policy = policy or current_policy()
    with locks.lease(SEND_JOB_ID, SEND_LEASE_SECONDS) as mine:
        if not mine:
            log.info("sending skipped: another scheduler holds the lease")
            return None
        return send_pending(policy)


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
        for result in run_planning():
            log.info("planned %s: %d new mails", result.day, result.inserted)


def send_job() -> None:
    """Scheduled every minute: drain the outbox."""
    with _the_app().app_context():
        result = run_sending()
        if result and result.claimed:
            log.info("outbox: %s", result)


def security_job() -> None:
    """Scheduled hourly: summarise failed logins into the trail, prune the security log."""
    with _the_app().app_context():
        result = run_security_log_housekeeping()
        if result:
            log.info("security log: summary written %s, %d old rows deleted", *result)


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
        security_job,
        CronTrigger(minute=7, timezone=tz),
        id=SECURITY_JOB_ID,
        name="Tổng hợp và dọn nhật ký đăng nhập sai",
        replace_existing=True,
        **options,
    )
    return scheduler


def run_scheduler(app: Flask) -> None:
    """Run the scheduler in this process until interrupted (the `scheduler run` command,
    which hands over its app)."""
    global _app
    _app = app
    scheduler = build_scheduler(current_policy())
    # Catch up at start: a scheduler that was down over night plans and sends at once.
    plan_job()
    send_job()
    scheduler.start()
