from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "parcelops.core"
    label = "core"

    def ready(self) -> None:
        # Every process that queues or runs tasks loads this app: the request id and the
        # time a task was queued travel with each task (parcelops.core.task_context).
        from huey.contrib.djhuey import HUEY

        from parcelops.core import task_context

        task_context.install(HUEY)
