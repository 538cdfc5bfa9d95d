from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exporthub.core.access import ADMIN, role_required
from exporthub.core.activity import log_activity
from exporthub.dashboard.connections import save_pleo_connection, test_pleo_connection
from exporthub.dashboard.forms import PleoConnectionForm
from exporthub.pleo.connections import complete_authorization, start_authorization
from exporthub.pleo.errors import PleoError
from exporthub.pleo.models import PleoConnection
from exporthub.sync import wiring

SESSION_KEY = "dashboard_pleo_oauth"


@role_required(ADMIN)
def pleo_connection_list(request: HttpRequest) -> HttpResponse:
    connections = PleoConnection.objects.select_related("integration").order_by("name")
    return render(request, "dashboard/settings/pleo_list.html", {"connections": connections})


@role_required(ADMIN)
def pleo_connection_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    connection = get_object_or_404(PleoConnection, pk=pk) if pk else None
    form = PleoConnectionForm(request.POST or None, instance=connection)
    if request.method == "POST" and form.is_valid():
        saved = save_pleo_connection(form, user=request.user)
        messages.success(request, _("Pleo connection “%(name)s” saved.") % {"name": saved.name})
        return redirect("dashboard:pleo-connection-edit", pk=saved.pk)
    context = {"form": form, "connection": connection}
    return render(
        request, "dashboard/settings/pleo_form.html", context, status=422 if form.errors else 200
    )


@require_POST
@role_required(ADMIN)
def pleo_connection_test(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(PleoConnection, pk=pk)
    result = test_pleo_connection(connection, user=request.user)
    (messages.success if result.ok else messages.error)(request, result.message)
    return redirect("dashboard:pleo-connection-edit", pk=connection.pk)


@require_POST
@role_required(ADMIN)
def pleo_connection_authorize(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(
        PleoConnection, pk=pk, auth_method=PleoConnection.AuthMethod.OAUTH
    )
    redirect_uri = request.build_absolute_uri(reverse("dashboard:pleo-oauth-callback"))
    auth = start_authorization(connection, redirect_uri=redirect_uri)
    request.session[SESSION_KEY] = {
        "state": auth.state,
        "verifier": auth.code_verifier,
        "pk": connection.pk,
        "redirect_uri": redirect_uri,
    }
    return redirect(auth.url)


@role_required(ADMIN)
def pleo_oauth_callback(request: HttpRequest) -> HttpResponse:
    pending = request.session.pop(SESSION_KEY, None)
    if not pending or request.GET.get("state") != pending["state"]:
        messages.error(
            request, _("That sign-in answer does not belong to this session; start again.")
        )
        return redirect("dashboard:pleo-connection-list")
    connection = get_object_or_404(PleoConnection, pk=pending["pk"])
    if "error" in request.GET or "code" not in request.GET:
        messages.error(
            request,
            _("Pleo did not authorise the connection: %(error)s.")
            % {"error": request.GET.get("error", _("no code"))},
        )
        return redirect("dashboard:pleo-connection-edit", pk=connection.pk)
    try:
        complete_authorization(
            connection,
            code=request.GET["code"],
            redirect_uri=pending["redirect_uri"],
            code_verifier=pending["verifier"],
            transport=wiring.pleo_transport(),
        )
    except PleoError as error:
        messages.error(request, _("Pleo refused the authorisation: %(error)s") % {"error": error})
    else:
        log_activity(
            "dashboard.pleo.authorized",
            actor=request.user,
            company_id=connection.company_id,
            obj=connection,
        )
        messages.success(request, _("Connected to Pleo."))
    return redirect("dashboard:pleo-connection-edit", pk=connection.pk)
