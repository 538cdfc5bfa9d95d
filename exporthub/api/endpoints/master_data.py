"""Pushing the ERP's dimensions and tax codes into Pleo: the plan, comparing again, applying.

Comparing and applying both talk to Pleo, so each is a background operation (202); the request
only records the admin's intent, as on the dashboard's page.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router, Status

from exporthub.api.auth import role
from exporthub.api.common import integration_of, one
from exporthub.api.problems import Problem
from exporthub.api.schemas import ApplyPushIn, MasterDataPushStateOut, StartedOperationOut
from exporthub.core.access import ADMIN
from exporthub.sync import operations
from exporthub.sync.master_data_push import current_pushes
from exporthub.sync.models import OperationKind

router = Router(tags=["master data push"])


@router.get(
    "/integrations/{int:pk}/master-data-push", response=MasterDataPushStateOut, auth=role(ADMIN)
)
def get_master_data_push(request, pk: int):
    """The plan waiting for review (its steps, and the ERP records that cannot be pushed), the
    last applied push with each step's outcome, and the newest operations."""
    integration = integration_of(request, pk)
    plan, applied = current_pushes(integration)
    return {
        "plan": plan,
        "applied": applied,
        "plan_operation": operations.latest(
            OperationKind.PLAN_MASTER_DATA_PUSH, integration=integration
        ),
        "apply_operation": operations.latest(
            OperationKind.APPLY_MASTER_DATA_PUSH, integration=integration
        ),
    }


@router.post(
    "/integrations/{int:pk}/master-data-push/plan",
    response={202: StartedOperationOut},
    auth=role(ADMIN),
)
def plan_master_data_push(request, pk: int):
    """Compare the ERP's records with Pleo's in the background; the plan replaces an open one."""
    integration = integration_of(request, pk)
    operation, started = operations.start_operation(
        OperationKind.PLAN_MASTER_DATA_PUSH, integration=integration, user=request.auth
    )
    return Status(202, {"operation": operation, "started": started})


@router.post(
    "/integrations/{int:pk}/master-data-push/{int:push_pk}/apply",
    response={202: StartedOperationOut},
    auth=role(ADMIN),
)
def apply_master_data_push(request, pk: int, push_pk: int, data: ApplyPushIn):
    """Carry out a reviewed plan in Pleo in the background; `archive` also archives the Pleo
    records the ERP no longer has. A plan no longer open answers 409."""
    integration = integration_of(request, pk)
    push = one(integration.master_data_pushes.all(), "master data push", pk=push_pk)
    answer = operations.apply_master_data_push(push, user=request.auth, archive=data.archive)
    if answer is None:
        raise Problem(
            409,
            _("This plan was already applied or replaced by a newer one."),
            slug="push-not-open",
            extra={"state": push.state},
        )
    operation, started = answer
    return Status(202, {"operation": operation, "started": started})
