"""`parcelops export-orders -o FILE.xlsx`: the order list, filtered as on the list page (R8.3).

Customer names and phones are masked unless --user names someone whose role may see them:
the file leaves the system, so it carries no more than that person could read on screen.
"""

import sys
from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from parcelops.orders.models import Channel
from parcelops.orders.queries import OrderFilters, filter_orders
from parcelops.orders.spreadsheet_export import export_orders_xlsx, record_export
from parcelops.orders.states import OrderState


class Command(BaseCommand):
    help = "Export orders to an .xlsx workbook (customer data masked unless --user may see it)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("-o", "--output", required=True, help="the .xlsx file to write")
        parser.add_argument("--state", default="", help="one state, or several joined by commas")
        parser.add_argument("--channel", default="", help="a channel code")
        parser.add_argument("--date-from", default="", help="received on or after, YYYY-MM-DD")
        parser.add_argument("--date-to", default="", help="received on or before, YYYY-MM-DD")
        parser.add_argument(
            "--user", default="", help="export as this user sees the orders (customer data)"
        )
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        filters = OrderFilters(
            state=self._states(options["state"]),
            channel=self._channel(options["channel"]),
            date_from=self._day(options["date_from"], "--date-from"),
            date_to=self._day(options["date_to"], "--date-to"),
        )
        viewer = None
        if options["user"]:
            viewer = get_user_model().objects.filter(username=options["user"]).first()
            if viewer is None or not viewer.is_active:
                raise CommandError(_("No active user “%(name)s”.") % {"name": options["user"]})
        output = Path(options["output"])
        if output.suffix.lower() != ".xlsx":
            raise CommandError(_("The output file must end in .xlsx: %(path)s") % {"path": output})
        if not output.parent.is_dir():
            raise CommandError(_("No such directory: %(path)s") % {"path": output.parent})
        orders = filter_orders(filters)
        show_progress = not options["quiet"] and sys.stderr.isatty()
        progress = tqdm(
            total=orders.count() if show_progress else None,
            unit="orders",
            file=sys.stderr,
            disable=not show_progress,
        )
        try:
            count = export_orders_xlsx(orders, viewer, output, on_row=progress.update)
        except OSError as error:
            raise CommandError(
                _("Cannot write %(path)s: %(reason)s") % {"path": output, "reason": error.strerror}
            ) from None
        finally:
            progress.close()
        record_export(viewer, filters, count)
        self.stdout.write(
            _("%(count)d orders exported to %(path)s") % {"count": count, "path": output}
        )

    def _states(self, value: str) -> str:
        states = [s.strip() for s in value.split(",") if s.strip()]
        for state in states:
            if state not in OrderState.values:
                raise CommandError(
                    _("Unknown state “%(state)s”; the states are: %(states)s.")
                    % {"state": state, "states": ", ".join(OrderState.values)}
                )
        return ",".join(states)

    def _channel(self, code: str) -> str:
        if code and not Channel.objects.filter(code=code).exists():
            raise CommandError(_("Unknown channel “%(code)s”.") % {"code": code})
        return code

    def _day(self, value: str, option: str) -> date | None:
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CommandError(
                _("%(option)s must be a date such as 2026-11-25, not “%(value)s”.")
                % {"option": option, "value": value}
            ) from None
