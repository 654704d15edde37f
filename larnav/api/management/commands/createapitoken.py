"""Create an API token for a user and print it (only the token, on stdout).

    python manage.py createapitoken USERNAME [--name LABEL]

Scripts can capture it: ``TOKEN=$(python manage.py createapitoken integration)``.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from larnav.api import services


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print it on stdout (it cannot be shown again)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="A label for the token (default: 'manage.py').")

    def handle(self, *args, username, name, **options):
        User = get_user_model()
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        if not user.is_active:
            raise CommandError(f"The user {username!r} is inactive; a token for it would not work.")
        label = name.strip() or "manage.py"
        if services.active_tokens(user).count() >= services.MAX_ACTIVE_TOKENS:
            raise CommandError(
                f"{username!r} already has {services.MAX_ACTIVE_TOKENS} active tokens; revoke one first."
            )
        token, secret = services.create_token(user, label)
        self.stderr.write(f"Created API token {token.prefix}… ({label}) for {username}. It is not shown again.")
        self.stdout.write(secret)
