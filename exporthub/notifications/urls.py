from __future__ import annotations

from django.urls import path

from exporthub.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.subscription_list, name="subscription-list"),
    path("<int:pk>/delete/", views.subscription_delete, name="subscription-delete"),
    path("deliveries/", views.delivery_list, name="delivery-list"),
]
