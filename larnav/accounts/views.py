from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from larnav.core.middleware import activate_user_language
from larnav.core.permissions import require

from . import services
from .forms import (
    NewStaffUserForm,
    OutboxPasswordResetForm,
    ProfileForm,
    RoleAssignmentForm,
    SignInLinkForm,
    StaffLoginForm,
)
from .models import RoleAssignment, User
from .permissions import Action

LINK_PROBLEM_MESSAGES = {
    services.LinkProblem.UNKNOWN: gettext_lazy("This sign-in link is not valid. Check that the whole link was copied, "
                                    "or ask for a new one below."),
    services.LinkProblem.EXPIRED: gettext_lazy("This sign-in link has expired. Ask for a new one below."),
    services.LinkProblem.USED: gettext_lazy("This sign-in link has already been used. Each link works once; ask for a new one below."),
    services.LinkProblem.INACTIVE: gettext_lazy("This account is no longer active. Contact your coordinator."),
}


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["link_form"] = SignInLinkForm()
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        return activate_user_language(response, form.get_user())


def request_link(request):
    """Participants sign in with a one-time link sent by e-mail."""
    form = SignInLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.send_sign_in_link(request.consortium, form.cleaned_data["email"])
        return render(request, "accounts/link_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "accounts/request_link.html", {"form": form})


def link_sign_in(request, token):
    """GET shows a button; POST signs in. Mail scanners that follow links do not use them up."""
    if request.method == "POST":
        user, problem = services.consume_sign_in_link(token)
        if user is not None:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("You are signed in."))
            return activate_user_language(redirect("core:home"), user)
    else:
        _link, problem = services.check_sign_in_link(token)
    if problem:
        return render(request, "accounts/link_problem.html",
                      {"message": LINK_PROBLEM_MESSAGES[problem], "form": SignInLinkForm()}, status=400)
    return render(request, "accounts/link_confirm.html")


@require_POST
def logout_view(request):
    from django.contrib.auth import logout

    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("core:home")


@login_required
@require_POST
def sign_out_everywhere(request):
    from django.contrib.auth import logout

    services.sign_out_everywhere(request.user)
    logout(request)
    messages.success(request, _("You are signed out on all devices."))
    return redirect("accounts:login")


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your details are saved."))
        return activate_user_language(redirect("accounts:profile"), request.user)
    return render(request, "accounts/profile.html", {
        "form": form,
        "assignments": RoleAssignment.objects.filter(user=request.user).select_related("organisation"),
        "has_password": request.user.has_usable_password(),
    })


@require(Action.MANAGE_USERS)
def user_list(request):
    query = request.GET.get("q", "").strip()
    users = (
        User.objects.filter(consortium=request.consortium)
        .prefetch_related(Prefetch("role_assignments", queryset=RoleAssignment.objects.select_related("organisation")))
        .order_by("last_name", "first_name", "username")
    )
    role = request.GET.get("role", "")
    if role:
        users = users.filter(role_assignments__role=role).distinct()
    for word in query.split():
        users = users.filter(
            Q(username__icontains=word) | Q(first_name__icontains=word) | Q(last_name__icontains=word)
            | Q(email__icontains=word)
        )
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    from .models import Role

    return render(request, "accounts/user_list.html", {"page": page, "query": query, "role": role,
                                                        "roles": Role.choices})


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    form_class = OutboxPasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        messages.success(self.request, _("Your password is changed."))
        return super().form_valid(form)


def _consortium_users(request):
    return User.objects.filter(consortium=request.consortium)


@require(Action.MANAGE_USERS)
def user_create(request):
    form = NewStaffUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.create_staff_user(request.consortium, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            services.send_invitation(user)
            messages.success(request, _("The account is created and an invitation is e-mailed to %(email)s.")
                             % {"email": user.email})
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_create.html", {"form": form})


@require(Action.MANAGE_USERS)
def user_detail(request, pk):
    from larnav.organisations.selectors import organisations_for

    subject = get_object_or_404(_consortium_users(request), pk=pk)
    form = RoleAssignmentForm(
        request.POST or None, initial={"valid_from": timezone.localdate()},
        organisations=organisations_for(request.user, request.consortium, action=Action.MANAGE_USERS),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.assign_role(subject, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The role is added."))
            return redirect("accounts:user_detail", pk=subject.pk)
    assignments = subject.role_assignments.select_related("organisation").order_by("role")
    return render(request, "accounts/user_detail.html", {"subject": subject, "form": form,
                                                         "assignments": assignments})


@require(Action.MANAGE_USERS)
def role_remove(request, pk, assignment_pk):
    subject = get_object_or_404(_consortium_users(request), pk=pk)
    assignment = get_object_or_404(RoleAssignment.objects.select_related("organisation"), pk=assignment_pk,
                                   user=subject)
    if request.method == "POST":
        assignment.delete()
        messages.success(request, _("The role is removed."))
        return redirect("accounts:user_detail", pk=subject.pk)
    return render(request, "accounts/role_remove.html", {"subject": subject, "assignment": assignment})
