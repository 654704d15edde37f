"""An e-mail backend that sends nothing: the outbox row is the copy coordinators read.

For demonstrations and test installations with made-up addresses at real
domains. The outbox marks each message sent with what it would have said.
"""

from django.core.mail.backends.base import BaseEmailBackend


class OutboxOnlyBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        # Build each message as SMTP would, so a message that could not be sent fails here too.
        for message in email_messages:
            message.message().as_bytes()
        return len(email_messages)
