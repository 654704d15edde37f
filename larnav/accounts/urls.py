from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("logga-in/", views.LoginView.as_view(), name="login"),
    path("logga-ut/", views.logout_view, name="logout"),
    path("logga-ut-overallt/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("inloggningslank/", views.request_link, name="request_link"),
    path("inloggningslank/<str:token>/", views.link_sign_in, name="link_sign_in"),
    path("losenord/aterstall/", views.PasswordResetView.as_view(), name="password_reset"),
    path("losenord/aterstall/skickat/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("losenord/aterstall/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("losenord/aterstall/klart/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("losenord/byt/", views.PasswordChangeView.as_view(), name="password_change"),
    path("", views.profile, name="profile"),
    path("anvandare/", views.user_list, name="user_list"),
    path("anvandare/ny/", views.user_create, name="user_create"),
    path("anvandare/<int:pk>/", views.user_detail, name="user_detail"),
    path("anvandare/<int:pk>/roller/<int:assignment_pk>/ta-bort/", views.role_remove, name="role_remove"),
]
