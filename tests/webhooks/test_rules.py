"""Who may manage webhooks, which URLs are refused (SSRF), and what the trail records."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import AuditEvent, db
from models.webhooks import Webhook
from workflow import webhooks
from workflow.errors import InvalidInput, NotFound, PermissionDenied
from workflow.webhook_urls import check_url


def _actions(hook_id: int) -> list[AuditEvent]:
    return list(
        db.session.execute(
            sa.select(AuditEvent)
            .where(AuditEvent.object_type == "webhook", AuditEvent.object_id == hook_id)
            .order_by(AuditEvent.seq)
        ).scalars()
    )


def test_a_member_cannot_register_a_hook(demo_app, users):
    with pytest.raises(PermissionDenied):
        webhooks.create_webhook(users("tccb.member"), url="https://example.org/h")
    with pytest.raises(PermissionDenied):
        webhooks.create_webhook(users("sgddt.inspector"), url="https://example.org/h")
    assert db.session.execute(sa.select(sa.func.count(Webhook.id))).scalar_one() == 0


def test_only_admins_register_department_wide_hooks(demo_app, users):
    with pytest.raises(PermissionDenied):
        webhooks.create_webhook(
            users("tccb.coordinator"), url="https://example.org/h", department_wide=True
        )
    made = webhooks.create_webhook(
        users("sgddt.admin"), url="https://example.org/h", department_wide=True
    )
    assert db.session.get(Webhook, made.webhook_id).unit_id is None


def test_unit_a_cannot_see_or_touch_unit_b_hooks(demo_app, users):
    mine = users("tccb.coordinator")
    other = users("gdtx.coordinator")
    hook = webhooks.create_webhook(mine, url="https://example.org/tccb")
    assert [h.id for h in webhooks.hooks_for(mine)] == [hook.webhook_id]
    assert webhooks.hooks_for(other) == []
    for attempt in (
        lambda: webhooks.get_hook(hook.webhook_id, other),
        lambda: webhooks.rotate_secret(hook.webhook_id, other),
        lambda: webhooks.delete_webhook(hook.webhook_id, other),
        lambda: webhooks.update_webhook(hook.webhook_id, other, active=False),
        lambda: webhooks.ping(hook.webhook_id, other),
        lambda: webhooks.deliveries(hook.webhook_id, other),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert db.session.get(Webhook, hook.webhook_id).active
    # The administrators see every hook.
    assert hook.webhook_id in [h.id for h in webhooks.hooks_for(users("sgddt.admin"))]


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/hook",  # plain http to a public host
        "ftp://example.org/hook",
        "https://user:pw@example.org/hook",  # credentials in the URL
        "https://token@example.org/hook",
        "https://127.0.0.1/hook",  # loopback
        "https://[::1]/hook",
        "https://localhost/hook",
        "https://api.localhost/hook",
        "https://10.1.2.3/hook",  # private networks
        "https://172.16.0.1/hook",
        "https://192.168.1.10/hook",
        "https://169.254.169.254/latest/meta-data",  # link-local: the cloud metadata service
        "https://[fe80::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",  # IPv4-mapped private address
        "https://0.0.0.0/hook",
        "https://100.64.0.1/hook",  # carrier-grade NAT
        "https://224.0.0.1/hook",  # multicast
        "https://example.org/" + "a" * 600,  # too long
        "https://exa mple.org/hook",
        "https:///hook",
        "https://example.org:99999/hook",
        "",
    ],
)
def test_unsafe_urls_are_refused_with_a_message(demo_app, users, url):
    with pytest.raises(InvalidInput) as refused:
        webhooks.create_webhook(users("tccb.coordinator"), url=url)
    assert refused.value.message  # a Vietnamese sentence, not a stack trace
    assert db.session.execute(sa.select(sa.func.count(Webhook.id))).scalar_one() == 0


def test_public_https_urls_are_accepted(demo_app):
    url, target = check_url(" https://Hooks.Example.org:8443/planwork?x=1 ")
    assert url == "https://Hooks.Example.org:8443/planwork?x=1"
    assert (target.host, target.port, target.path) == ("hooks.example.org", 8443, "/planwork?x=1")
    assert check_url("https://93.184.216.34/h")[1].host == "93.184.216.34"


def test_loopback_http_needs_the_setting(demo_app):
    with pytest.raises(InvalidInput):
        check_url("http://127.0.0.1:8080/hook")
    demo_app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    assert check_url("http://127.0.0.1:8080/hook")[1].port == 8080
    with pytest.raises(InvalidInput):  # private is allowed, plain http elsewhere is not
        check_url("http://example.org/hook")
    demo_app.config["WEBHOOKS_ALLOW_HTTP"] = True
    assert check_url("http://example.org/hook")[1].scheme == "http"


def test_create_rotate_update_delete_are_audited_without_the_secret(demo_app, users):
    actor = users("tccb.coordinator")
    made = webhooks.create_webhook(
        actor, url="https://example.org/h", event_types=["task.verified"]
    )
    rotated = webhooks.rotate_secret(made.webhook_id, actor)
    assert rotated.secret != made.secret and rotated.secret.startswith("whsec_")
    assert db.session.get(Webhook, made.webhook_id).secret == rotated.secret
    webhooks.update_webhook(made.webhook_id, actor, active=False)
    webhooks.update_webhook(made.webhook_id, actor, active=False)  # no change: no event
    webhooks.delete_webhook(made.webhook_id, actor)
    events = _actions(made.webhook_id)
    assert [e.action for e in events] == [
        "webhook.create",
        "webhook.rotate_secret",
        "webhook.update",
        "webhook.delete",
    ]
    assert events[0].after["url"] == "https://example.org/h"
    assert events[0].after["event_types"] == ["task.verified"]
    assert events[0].unit_id == actor.unit_id and events[0].actor_id == actor.id
    assert events[3].before["active"] is False
    for event in events:
        text = f"{event.before} {event.after}"
        assert made.secret not in text and rotated.secret not in text
    assert db.session.get(Webhook, made.webhook_id) is None


def test_unknown_event_types_are_refused(demo_app, users):
    with pytest.raises(InvalidInput):
        webhooks.create_webhook(
            users("tccb.coordinator"), url="https://example.org/h", event_types=["task.exploded"]
        )
