"""A person's open cases counted off the index alone: (owner, ..., state)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("exceptions", "0005_unread_indexes_dropped"),
        ("orders", "0011_unread_indexes_dropped"),
        ("tracking", "0011_unread_indexes_dropped"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="case",
            name="case_owner_queue",
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["owner", "-is_breached", "due_at", "id", "state"], name="case_owner_queue"
            ),
        ),
    ]
