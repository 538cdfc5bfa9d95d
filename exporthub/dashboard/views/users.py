from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

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
        messages.success(request, f"User {user.username} created; now give them a role.")
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
        messages.success(request, f"Access of {user.username} saved.")
        return redirect("dashboard:user-list")
    return render(
        request,
        "dashboard/settings/user_edit.html",
        {"subject": user, "form": form},
        status=422 if form.errors else 200,
    )
