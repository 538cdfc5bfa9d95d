"""Start-up checks (`manage.py check`, run before every server and worker starts)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

from exporthub.core.webhook_signing import secret_problem


@register()
def webhook_secret_is_usable(app_configs, **kwargs) -> list[Error]:
    problem = secret_problem(settings.PLEO_WEBHOOK_SECRET)
    if problem is None:
        return []
    return [
        Error(
            f"EXPORTHUB_PLEO_WEBHOOK_SECRET is unusable: {problem}.",
            hint="Copy the webhook secret from Pleo again (whsec_ followed by base64), or leave "
            "it empty to rely on polling only.",
            id="exporthub.E001",
        )
    ]
