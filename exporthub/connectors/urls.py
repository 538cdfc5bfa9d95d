from __future__ import annotations

from django.urls import path

from exporthub.connectors import views

app_name = "connectors"
urlpatterns = [
    path("receipts/<str:token>/", views.receipt, name="receipt"),
]
