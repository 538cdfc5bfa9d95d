from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exporthub.core.access import ADMIN, assign_access, role_of, role_required, visible_company_ids
from exporthub.core.activity import log_activity
from exporthub.dashboard.forms import NewUserForm, UserAccessForm
from exporthub.sync.models import Integration


def _company_choices() -> list[tuple[str, str]]:
    return [
        (str(i.pleo_connection.company_id), i.name)
        for i in Integration.objects.select_related("pleo_connection").order_by("name")
        if i.pleo_connection.company_id
    ]


@role_required(ADMIN)
def user_list(request: HttpRequest) -> HttpResponse:
    users = (
        get_user_model().objects.prefetch_related("groups", "company_access").order_by("username")
    )
    names = dict(_company_choices())
    rows = [
        (
            u,
            role_of(u),
            [names.get(str(a.company_id), str(a.company_id)) for a in u.company_access.all()],
        )
        for u in users
    ]
    form = NewUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save(commit=False)
        user.set_password(form.cleaned_data["password"])
        user.save()
        log_activity(
            "dashboard.user.created",
            actor=request.user,
            obj=user,
            after={"username": user.username},
        )
        messages.success(
            request,
            _("User %(name)s created; now give them a role.") % {"name": user.username},
        )
        return redirect("dashboard:user-edit", pk=user.pk)
    return render(
        request,
        "dashboard/settings/user_list.html",
        {"rows": rows, "form": form},
        status=422 if form.errors else 200,
    )


@role_required(ADMIN)
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(get_user_model(), pk=pk)
    current = visible_company_ids(user)
    initial = {"role": role_of(user) or "", "companies": [str(c) for c in current or []]}
    form = UserAccessForm(request.POST or None, initial=initial, company_choices=_company_choices())
    if request.method == "POST" and form.is_valid():
        role = form.cleaned_data["role"] or None
        assign_access(user, role=role, company_ids=form.cleaned_data["companies"])
        log_activity(
            "dashboard.user.access_changed",
            actor=request.user,
            obj=user,
            before=initial,
            after={"role": role, "companies": form.cleaned_data["companies"]},
        )
        messages.success(request, _("Access of %(name)s saved.") % {"name": user.username})
        return redirect("dashboard:user-list")
    return render(
        request,
        "dashboard/settings/user_edit.html",
        {"subject": user, "form": form},
        status=422 if form.errors else 200,
    )


@require_POST
@role_required(ADMIN)
def user_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate a user (they can no longer sign in; their sessions stop working) or
    reactivate them. Admins cannot lock themselves out."""
    user = get_object_or_404(get_user_model(), pk=pk)
    active = request.POST.get("active") == "1"
    if user.pk == request.user.pk:
        messages.error(request, _("You cannot deactivate your own account."))
        return redirect("dashboard:user-edit", pk=user.pk)
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        log_activity(
            "dashboard.user.reactivated" if active else "dashboard.user.deactivated",
            actor=request.user,
            obj=user,
            before={"is_active": not active},
            after={"is_active": active, "username": user.username},
        )
    if active:
        messages.success(request, _("%(name)s can sign in again.") % {"name": user.username})
    else:
        messages.success(
            request, _("%(name)s is deactivated and cannot sign in.") % {"name": user.username}
        )
    return redirect("dashboard:user-edit", pk=user.pk)


@role_required(ADMIN)
def user_password(request: HttpRequest, pk: int) -> HttpResponse:
    """Set a new password for a user, checked by the configured password validators; the
    user's other sessions end (Django ties sessions to the password)."""
    user = get_object_or_404(get_user_model(), pk=pk)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        log_activity(
            "dashboard.user.password_reset",
            actor=request.user,
            obj=user,
            after={"username": user.username},
        )
        messages.success(request, _("New password set for %(name)s.") % {"name": user.username})
        return redirect("dashboard:user-edit", pk=user.pk)
    return render(
        request,
        "dashboard/settings/user_password.html",
        {"subject": user, "form": form},
        status=422 if form.errors else 200,
    )
